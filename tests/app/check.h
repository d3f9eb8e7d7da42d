/* Minimal checking for the app tests: count failures, say what and where, keep going. */
#ifndef DFV_TEST_APP_CHECK_H
#define DFV_TEST_APP_CHECK_H

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

#endif
