/* Reading safetensors files: an 8-byte little-endian header length, a JSON header describing every
 * tensor, then the raw tensor bytes. Everything in the header is validated before a caller can see a
 * tensor: dtype, shape, byte ranges (inside the data, matching the shape, not overlapping, covering the
 * data section without holes), metadata. Sizes taken from the file never drive an allocation larger
 * than the file itself. */
#ifndef DFV_SAFETENSORS_H
#define DFV_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "vk_core.h" /* dfv_status, DFV_ERR_LEN */

#define DFV_ST_MAX_DIMS 8
/* The header is JSON text; the reference implementation refuses headers above 100 MB, and so do we. */
#define DFV_ST_MAX_HEADER_BYTES (100u * 1024u * 1024u)

typedef enum { DFV_ST_F32 = 0, DFV_ST_F16 = 1, DFV_ST_BF16 = 2 } dfv_st_dtype;

typedef struct {
    const char *name;
    dfv_st_dtype dtype;
    int ndim;
    int64_t shape[DFV_ST_MAX_DIMS];
    uint64_t count;   /* elements */
    const void *data; /* points into the file's bytes (little endian) */
    size_t bytes;
} dfv_st_tensor;

typedef struct dfv_st_file dfv_st_file;

/* Maps the file read-only and parses it; `path` names the file in error messages. */
dfv_status dfv_st_open(const char *path, dfv_st_file **out, char err[DFV_ERR_LEN]);
/* Parses bytes the caller keeps alive for the file's lifetime; `label` names them in error messages. */
dfv_status dfv_st_parse(const void *bytes, size_t size, const char *label, dfv_st_file **out,
                        char err[DFV_ERR_LEN]);
void dfv_st_close(dfv_st_file *file);

const char *dfv_st_label(const dfv_st_file *file);
int dfv_st_tensor_count(const dfv_st_file *file);
/* Tensors sorted by name. */
const dfv_st_tensor *dfv_st_tensor_at(const dfv_st_file *file, int index);
const dfv_st_tensor *dfv_st_find(const dfv_st_file *file, const char *name);
/* A `__metadata__` string value, or NULL when the key is absent. */
const char *dfv_st_metadata(const dfv_st_file *file, const char *key);
/* The tensor bytes: everything after the header (what provenance.weights_sha256 hashes). */
const void *dfv_st_data(const dfv_st_file *file, size_t *bytes);

/* SHA-256 of bytes as 64 lowercase hex digits (provenance.weights_sha256 hashes dfv_st_data). */
void dfv_st_sha256_hex(const void *bytes, size_t size, char hex[65]);

const char *dfv_st_dtype_name(dfv_st_dtype dtype);
size_t dfv_st_dtype_size(dfv_st_dtype dtype);
/* Converts a tensor's elements to float32 (F16 and BF16 widened exactly). */
void dfv_st_to_f32(const dfv_st_tensor *tensor, float *out);
float dfv_st_f16_to_f32(uint16_t half);
float dfv_st_bf16_to_f32(uint16_t bf16);

#endif
