/* NumPy .npy (format 1.0) headers, so numpy.load reads the dataset files directly. */
#ifndef DFV_NPY_H
#define DFV_NPY_H

#include <stddef.h>
#include <stdint.h>

#define DFV_NPY_MAX_HEADER 256

/* Writes magic, version, length and the dict for a C-ordered array of dtype descr ("|u1", "<f4") into buf
 * (DFV_NPY_MAX_HEADER bytes), padded so the data starts 64-byte aligned. Returns the header length, or -1
 * if it does not fit. */
int dfv_npy_header(char buf[DFV_NPY_MAX_HEADER], const char *descr, const int64_t *shape, int ndim);

#endif
