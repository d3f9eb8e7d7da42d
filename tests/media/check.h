/* A tiny assertion helper for the media tests: failures are printed with their line and counted. */
#ifndef DFV_TEST_CHECK_H
#define DFV_TEST_CHECK_H

#include <stdio.h>

#define CHECK(failures, cond, ...)                                                                  \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                           \
            fputc('\n', stderr);                                                                    \
            (failures)++;                                                                           \
        }                                                                                           \
    } while (0)

#endif
