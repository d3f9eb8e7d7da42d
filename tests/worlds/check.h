/* Minimal assertion helpers for the worlds tests: report file:line and keep counting failures. */
#ifndef DFV_WORLDS_CHECK_H
#define DFV_WORLDS_CHECK_H

#include <stdio.h>

#define CHECK(failures, cond, ...)                                                                   \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);                 \
            fprintf(stderr, __VA_ARGS__);                                                            \
            fprintf(stderr, "\n");                                                                   \
            (failures)++;                                                                            \
        }                                                                                            \
    } while (0)

#endif
