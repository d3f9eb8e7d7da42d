#include "npy_io.h"

#include "npy.h" /* worlds/: the header writer the dataset files use */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static int npy_fail(char err[DFV_ERR_LEN], const char *path, const char *what)
{
    dfv_error_set(err, "%s: %s", path, what);
    return -1;
}

/* Parses "(2, 3, 4)" or "(5,)" or "()". */
static int parse_shape(const char *s, dfv_npy *out)
{
    s = strchr(s, '(');
    if (!s) return -1;
    s++;
    out->ndim = 0;
    out->count = 1;
    for (;;) {
        while (*s == ' ' || *s == ',') s++;
        if (*s == ')') return 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || v < 0 || out->ndim >= DFV_NPY_MAX_DIMS) return -1;
        if (v > 0 && out->count > ((size_t)1 << 40) / (size_t)v) return -1;
        out->shape[out->ndim++] = v;
        out->count *= (size_t)v;
        s = end;
    }
}

static int read_header(FILE *f, const char *path, dfv_npy_dtype want, dfv_npy *out, char err[DFV_ERR_LEN])
{
    unsigned char pre[10];
    if (fread(pre, 1, 8, f) != 8 || memcmp(pre, npy_magic, 6)) return npy_fail(err, path, "not a .npy file");
    size_t len_bytes = pre[6] == 1 ? 2 : 4, header_len = 0;
    if (pre[6] < 1 || pre[6] > 3) return npy_fail(err, path, "unsupported .npy version");
    if (fread(pre, 1, len_bytes, f) != len_bytes) return npy_fail(err, path, "truncated .npy header");
    for (size_t i = 0; i < len_bytes; i++) header_len |= (size_t)pre[i] << (8 * i);
    if (header_len > 1 << 16) return npy_fail(err, path, ".npy header is implausibly long");
    char *header = calloc(1, header_len + 1);
    if (!header) return npy_fail(err, path, "out of memory");
    int rc = -1;
    if (fread(header, 1, header_len, f) != header_len) npy_fail(err, path, "truncated .npy header");
    else if (strstr(header, "'fortran_order': True")) npy_fail(err, path, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
    else if (want == DFV_NPY_F32 && !strstr(header, "'<f4'")) npy_fail(err, path, "expected float32 little-endian ('<f4') data");
    else if (want == DFV_NPY_I64 && !strstr(header, "'<i8'")) npy_fail(err, path, "expected int64 little-endian ('<i8') data");
    else if (want == DFV_NPY_U8 && !strstr(header, "'|u1'")) npy_fail(err, path, "expected uint8 ('|u1') data");
    else if (want == DFV_NPY_INT && !strstr(header, "'<i8'") && !strstr(header, "'<i4'")) npy_fail(err, path, "expected int64 or int32 little-endian ('<i8' or '<i4') data");
    else if (!strstr(header, "'shape'") || parse_shape(strstr(header, "'shape'"), out)) npy_fail(err, path, "unreadable shape in .npy header");
    else rc = 0;
    /* DFV_NPY_INT: the width stored, widened to int64 after reading */
    out->dtype = want != DFV_NPY_INT ? want : strstr(header, "'<i8'") ? DFV_NPY_I64 : DFV_NPY_INT;
    free(header);
    return rc;
}

int dfv_npy_read(const char *path, dfv_npy_dtype want, dfv_npy *out, char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        dfv_error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = read_header(f, path, want, out, err);
    size_t esize = out->dtype == DFV_NPY_F32 || out->dtype == DFV_NPY_INT ? 4 : out->dtype == DFV_NPY_I64 ? 8 : 1;
    if (!rc) {
        /* int32 read into the upper half of an int64 buffer, then widened from the front */
        size_t room = out->dtype == DFV_NPY_INT ? 8 : esize;
        out->data = malloc(out->count ? out->count * room : 1);
        if (!out->data) rc = npy_fail(err, path, "out of memory");
        else if (fread((char *)out->data + out->count * (room - esize), esize, out->count, f) != out->count)
            rc = npy_fail(err, path, "data shorter than its shape says");
    }
    if (!rc && out->dtype == DFV_NPY_INT) {
        const int32_t *narrow = (const int32_t *)((char *)out->data + out->count * 4);
        int64_t *wide = out->data;
        for (size_t i = 0; i < out->count; i++) {
            int32_t v;
            memcpy(&v, narrow + i, sizeof v);
            wide[i] = v;
        }
        out->dtype = DFV_NPY_I64;
    }
    fclose(f);
    if (rc) dfv_npy_free(out);
    return rc;
}

int dfv_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape, char err[DFV_ERR_LEN])
{
    char header[DFV_NPY_MAX_HEADER];
    int header_len = dfv_npy_header(header, "<f4", shape, ndim);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) count *= (size_t)shape[i];
    if (header_len < 0) {
        dfv_error_set(err, "%s: shape too long for a .npy header", path);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        dfv_error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int ok = fwrite(header, 1, (size_t)header_len, f) == (size_t)header_len && fwrite(data, sizeof(float), count, f) == count;
    if (fclose(f) != 0) ok = 0;
    if (!ok) {
        dfv_error_set(err, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

void dfv_npy_free(dfv_npy *array)
{
    free(array->data);
    array->data = NULL;
}
