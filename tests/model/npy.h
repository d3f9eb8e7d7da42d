/* Minimal .npy (format 1.0, little endian, C order) reading and writing for the tests: float32 in, and
 * float32, float64 or int64 out, always returned widened to double. */
#ifndef DFV_TEST_NPY_H
#define DFV_TEST_NPY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int npy_write(const char *path, const char *descr, const void *data, size_t elem_size, const int *shape,
                            int ndim)
{
    char header[256];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        n += snprintf(header + n, sizeof header - (size_t)n, "%d, ", shape[i]);
        count *= (size_t)shape[i];
    }
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    int total = ((10 + n + 1 + 63) / 64) * 64;
    while (10 + n + 1 < total)
        header[n++] = ' ';
    header[n++] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint16_t len = (uint16_t)n;
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(len & 0xff, f);
    fputc(len >> 8, f);
    fwrite(header, 1, (size_t)n, f);
    size_t wrote = fwrite(data, elem_size, count, f);
    fclose(f);
    return wrote == count ? 0 : -1;
}

static inline int npy_write_f32(const char *path, const float *data, const int *shape, int ndim)
{
    return npy_write(path, "<f4", data, 4, shape, ndim);
}

static inline int npy_write_i64(const char *path, const int32_t *data, int count)
{
    int64_t *wide = malloc((size_t)count * sizeof *wide + 1);
    for (int i = 0; i < count; i++)
        wide[i] = data[i];
    int rc = npy_write(path, "<i8", wide, 8, &count, 1);
    free(wide);
    return rc;
}

/* Returns malloc'd doubles and the element count, or NULL. */
static inline double *npy_read(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char pre[10];
    double *out = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) || pre[6] != 1) {
        fclose(f);
        return NULL;
    }
    size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    char *header = calloc(1, hlen + 1);
    if (fread(header, 1, hlen, f) != hlen)
        goto done;
    const char *descr = strstr(header, "'descr': '");
    const char *shape = strstr(header, "'shape': (");
    if (!descr || !shape)
        goto done;
    descr += 10;
    size_t n = 1;
    for (const char *p = shape + 10; *p && *p != ')';) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        n *= (size_t)v;
        p = end;
    }
    out = malloc(n * sizeof *out + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char b[8];
        size_t size = !strncmp(descr, "<f4", 3) ? 4 : 8;
        if (fread(b, 1, size, f) != size) {
            free(out);
            out = NULL;
            goto done;
        }
        if (size == 4) {
            float v;
            memcpy(&v, b, 4);
            out[i] = v;
        } else if (!strncmp(descr, "<f8", 3)) {
            memcpy(&out[i], b, 8);
        } else {
            int64_t v;
            memcpy(&v, b, 8);
            out[i] = (double)v;
        }
    }
    *count = n;
done:
    free(header);
    fclose(f);
    return out;
}

#endif
