/* NumPy .npy files (format 1.0/2.0, C order, little endian) for float32, int64 and uint8 arrays; anything else is
 * refused with a message that says what the file holds. */
#ifndef DFV_NPY_IO_H
#define DFV_NPY_IO_H

#include <stddef.h>
#include <stdint.h>

#include "dfv_common.h"

#define DFV_NPY_MAX_DIMS 8

/* DFV_NPY_INT asks for int64 or int32 data, read as int64 (the array's dtype is then DFV_NPY_I64). */
typedef enum { DFV_NPY_F32, DFV_NPY_I64, DFV_NPY_U8, DFV_NPY_INT } dfv_npy_dtype;

typedef struct {
    dfv_npy_dtype dtype;
    int ndim;
    int64_t shape[DFV_NPY_MAX_DIMS];
    size_t count;
    void *data; /* count elements of dtype; owned, release with dfv_npy_free */
} dfv_npy;

/* Returns 0 on success; on failure -1 with a one-line message naming the file in err. */
int dfv_npy_read(const char *path, dfv_npy_dtype want, dfv_npy *out, char err[DFV_ERR_LEN]);
int dfv_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape, char err[DFV_ERR_LEN]);
void dfv_npy_free(dfv_npy *array);

#endif
