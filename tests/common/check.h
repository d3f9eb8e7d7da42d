/* The C tests' one assertion: count failures, say what and where, keep going. */
#ifndef DFV_TEST_CHECK_H
#define DFV_TEST_CHECK_H

#include <stdio.h>

#define CHECK(failures, cond, ...)                                                                              \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);                             \
            fprintf(stderr, __VA_ARGS__);                                                                        \
            fputc('\n', stderr);                                                                                 \
            (failures)++;                                                                                        \
        }                                                                                                        \
    } while (0)

/* The same for tests that also count their checks: t points to anything with `checks` and `failures`. */
#define CHECK_COUNTED(t, cond, ...)                                                                           \
    do {                                                                                                      \
        (t)->checks++;                                                                                        \
        if (!(cond)) {                                                                                        \
            (t)->failures++;                                                                                  \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                              \
            fprintf(stderr, __VA_ARGS__);                                                                     \
            fputc('\n', stderr);                                                                              \
        }                                                                                                     \
    } while (0)

#endif
