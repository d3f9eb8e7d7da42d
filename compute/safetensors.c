/* safetensors reader. Every check names the file and the offending tensor, so a user with a broken
 * download learns what is wrong without a debugger. */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* Integers in JSON arrive as doubles; beyond 2^53 they are no longer exact. */
#define MAX_EXACT_INTEGER 9007199254740992.0

typedef struct {
    char *key, *value;
} metadata_entry;

struct dfv_st_file {
    char *label;
    const uint8_t *bytes;
    size_t size;
    void *mapping; /* non-NULL when dfv_st_open mapped the file */
    size_t mapping_size;
    const uint8_t *data; /* start of the tensor bytes */
    size_t data_size;
    int tensor_count;
    dfv_st_tensor *tensors;
    int metadata_count;
    metadata_entry *metadata;
};

__attribute__((format(printf, 3, 4))) static dfv_status fail(char err[DFV_ERR_LEN], const char *label,
                                                             const char *fmt, ...)
{
    int prefix = snprintf(err, DFV_ERR_LEN, "%s: ", label);
    if (prefix < 0 || prefix >= DFV_ERR_LEN - 1)
        return DFV_ERR_ARGUMENT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + prefix, (size_t)(DFV_ERR_LEN - prefix), fmt, ap);
    va_end(ap);
    return DFV_ERR_ARGUMENT;
}

const char *dfv_st_dtype_name(dfv_st_dtype dtype)
{
    switch (dtype) {
    case DFV_ST_F32: return "F32";
    case DFV_ST_F16: return "F16";
    case DFV_ST_BF16: return "BF16";
    }
    return "?";
}

size_t dfv_st_dtype_size(dfv_st_dtype dtype) { return dtype == DFV_ST_F32 ? 4 : 2; }

static bool parse_dtype(const char *name, dfv_st_dtype *out)
{
    static const dfv_st_dtype all[] = {DFV_ST_F32, DFV_ST_F16, DFV_ST_BF16};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, dfv_st_dtype_name(all[i]))) {
            *out = all[i];
            return true;
        }
    return false;
}

static bool json_to_u64(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!(v >= 0.0) || v > MAX_EXACT_INTEGER || floor(v) != v)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Fills shape and element count; the count is bounded by the data size so the products cannot wrap. */
static dfv_status parse_shape(const cJSON *shape, dfv_st_tensor *t, uint64_t limit, const char *label,
                              char err[DFV_ERR_LEN])
{
    if (!cJSON_IsArray(shape))
        return fail(err, label, "tensor '%s': 'shape' is missing or not an array", t->name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > DFV_ST_MAX_DIMS)
        return fail(err, label, "tensor '%s': %d dimensions (at most %d)", t->name, ndim, DFV_ST_MAX_DIMS);
    t->ndim = ndim;
    bool empty = false;
    int d = 0;
    for (const cJSON *it = shape->child; it; it = it->next, d++) {
        uint64_t extent;
        if (!json_to_u64(it, &extent))
            return fail(err, label, "tensor '%s': shape entry %d is not a non-negative integer", t->name, d);
        t->shape[d] = (int64_t)extent;
        empty = empty || extent == 0;
    }
    uint64_t count = empty ? 0 : 1;
    for (int i = 0; i < ndim && !empty; i++) {
        uint64_t extent = (uint64_t)t->shape[i];
        if (count > limit / extent)
            return fail(err, label, "tensor '%s': shape has more elements than the file has bytes", t->name);
        count *= extent;
    }
    t->count = count;
    return DFV_OK;
}

static dfv_status parse_tensor(const cJSON *entry, dfv_st_tensor *t, uint64_t data_size, uint64_t offsets[2],
                               const char *label, char err[DFV_ERR_LEN])
{
    if (!cJSON_IsObject(entry))
        return fail(err, label, "tensor '%s': entry is not a JSON object", t->name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    if (!cJSON_IsString(dtype))
        return fail(err, label, "tensor '%s': 'dtype' is missing or not a string", t->name);
    if (!parse_dtype(dtype->valuestring, &t->dtype))
        return fail(err, label, "tensor '%s': dtype '%.32s' is not supported (F32, F16 or BF16)", t->name,
                    dtype->valuestring);
    dfv_status st = parse_shape(cJSON_GetObjectItemCaseSensitive(entry, "shape"), t, data_size, label, err);
    if (st != DFV_OK)
        return st;
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsArray(range) || cJSON_GetArraySize(range) != 2 || !json_to_u64(range->child, &offsets[0]) ||
        !json_to_u64(range->child->next, &offsets[1]))
        return fail(err, label, "tensor '%s': 'data_offsets' must be two non-negative integers", t->name);
    if (offsets[0] > offsets[1])
        return fail(err, label, "tensor '%s': data_offsets [%llu, %llu] end before they begin", t->name,
                    (unsigned long long)offsets[0], (unsigned long long)offsets[1]);
    if (offsets[1] > data_size)
        return fail(err, label, "tensor '%s': data_offsets [%llu, %llu] run past the end of the data (%llu bytes)",
                    t->name, (unsigned long long)offsets[0], (unsigned long long)offsets[1],
                    (unsigned long long)data_size);
    uint64_t want = t->count * dfv_st_dtype_size(t->dtype);
    if (offsets[1] - offsets[0] != want)
        return fail(err, label, "tensor '%s': data_offsets cover %llu bytes but shape and dtype need %llu",
                    t->name, (unsigned long long)(offsets[1] - offsets[0]), (unsigned long long)want);
    t->bytes = (size_t)want;
    return DFV_OK;
}

static dfv_status parse_metadata(dfv_st_file *f, const cJSON *meta, char err[DFV_ERR_LEN])
{
    if (!cJSON_IsObject(meta))
        return fail(err, f->label, "'__metadata__' is not a JSON object");
    int n = cJSON_GetArraySize(meta);
    f->metadata = calloc((size_t)n + 1, sizeof *f->metadata);
    if (!f->metadata)
        return fail(err, f->label, "out of memory for the metadata");
    for (const cJSON *it = meta->child; it; it = it->next) {
        if (!cJSON_IsString(it))
            return fail(err, f->label, "metadata '%.64s' is not a string", it->string);
        metadata_entry *e = &f->metadata[f->metadata_count++];
        e->key = strdup(it->string);
        e->value = strdup(it->valuestring);
        if (!e->key || !e->value)
            return fail(err, f->label, "out of memory for the metadata");
    }
    return DFV_OK;
}

typedef struct {
    uint64_t begin, end;
    int tensor;
} byte_range;

static int compare_ranges(const void *a, const void *b)
{
    const byte_range *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* The tensors must tile the data section exactly: no overlap, no hole, nothing left at the end. */
static dfv_status check_tiling(const dfv_st_file *f, byte_range *ranges, char err[DFV_ERR_LEN])
{
    qsort(ranges, (size_t)f->tensor_count, sizeof *ranges, compare_ranges);
    uint64_t covered = 0;
    for (int i = 0; i < f->tensor_count; i++) {
        const byte_range *r = &ranges[i];
        if (r->begin < covered)
            return fail(err, f->label, "tensors '%s' and '%s' overlap in the data", f->tensors[ranges[i - 1].tensor].name,
                        f->tensors[r->tensor].name);
        if (r->begin > covered)
            return fail(err, f->label, "data bytes %llu..%llu belong to no tensor", (unsigned long long)covered,
                        (unsigned long long)r->begin);
        covered = r->end;
    }
    if (covered != f->data_size)
        return fail(err, f->label, "data bytes %llu..%llu belong to no tensor", (unsigned long long)covered,
                    (unsigned long long)f->data_size);
    return DFV_OK;
}

static int compare_tensor_names(const void *a, const void *b)
{
    return strcmp(((const dfv_st_tensor *)a)->name, ((const dfv_st_tensor *)b)->name);
}

static dfv_status parse_tensors(dfv_st_file *f, const cJSON *root, char err[DFV_ERR_LEN])
{
    int entries = cJSON_GetArraySize(root);
    f->tensors = calloc((size_t)entries + 1, sizeof *f->tensors);
    byte_range *ranges = calloc((size_t)entries + 1, sizeof *ranges);
    if (!f->tensors || !ranges) {
        free(ranges);
        return fail(err, f->label, "out of memory for %d header entries", entries);
    }
    dfv_status st = DFV_OK;
    for (const cJSON *it = root->child; it && st == DFV_OK; it = it->next) {
        if (!strcmp(it->string, "__metadata__")) {
            st = f->metadata ? fail(err, f->label, "'__metadata__' appears twice") : parse_metadata(f, it, err);
            continue;
        }
        if (!it->string[0]) {
            st = fail(err, f->label, "a tensor has an empty name");
            break;
        }
        dfv_st_tensor *t = &f->tensors[f->tensor_count];
        t->name = strdup(it->string);
        if (!t->name) {
            st = fail(err, f->label, "out of memory for tensor names");
            break;
        }
        f->tensor_count++;
        uint64_t offsets[2] = {0, 0};
        st = parse_tensor(it, t, f->data_size, offsets, f->label, err);
        if (st == DFV_OK) {
            t->data = f->data + offsets[0];
            ranges[f->tensor_count - 1] = (byte_range){offsets[0], offsets[1], f->tensor_count - 1};
        }
    }
    if (st == DFV_OK)
        st = check_tiling(f, ranges, err);
    free(ranges);
    if (st != DFV_OK)
        return st;
    qsort(f->tensors, (size_t)f->tensor_count, sizeof *f->tensors, compare_tensor_names);
    for (int i = 1; i < f->tensor_count; i++)
        if (!strcmp(f->tensors[i - 1].name, f->tensors[i].name))
            return fail(err, f->label, "tensor '%s' appears twice in the header", f->tensors[i].name);
    return DFV_OK;
}

static dfv_status parse_header(dfv_st_file *f, char err[DFV_ERR_LEN])
{
    if (f->size < 8)
        return fail(err, f->label, "truncated: %zu bytes, but a safetensors file starts with an 8-byte header length",
                    f->size);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--)
        header_len = (header_len << 8) | f->bytes[i];
    if (header_len > f->size - 8)
        return fail(err, f->label, "header length %llu runs past the end of the file (%zu bytes)",
                    (unsigned long long)header_len, f->size);
    if (header_len > DFV_ST_MAX_HEADER_BYTES)
        return fail(err, f->label, "header of %llu bytes is larger than the %u-byte limit",
                    (unsigned long long)header_len, DFV_ST_MAX_HEADER_BYTES);
    const char *text = (const char *)f->bytes + 8;
    if (header_len < 2 || text[0] != '{')
        return fail(err, f->label, "header is not a JSON object");
    f->data = f->bytes + 8 + header_len;
    f->data_size = f->size - 8 - (size_t)header_len;

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, (size_t)header_len, &end, false);
    if (!root) {
        long at = end ? (long)(end - text) : -1;
        return fail(err, f->label, "header is not valid JSON (error near header byte %ld)", at);
    }
    /* Writers pad the header with spaces so the data is aligned; anything else after the object is junk. */
    for (const char *p = end; p < text + header_len; p++)
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' && *p != '\0') {
            cJSON_Delete(root);
            return fail(err, f->label, "header has bytes after its JSON object (at header byte %ld)", (long)(p - text));
        }
    dfv_status st = cJSON_IsObject(root) ? parse_tensors(f, root, err) : fail(err, f->label, "header is not a JSON object");
    cJSON_Delete(root);
    return st;
}

dfv_status dfv_st_parse(const void *bytes, size_t size, const char *label, dfv_st_file **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    dfv_st_file *f = calloc(1, sizeof *f);
    if (!f || !(f->label = strdup(label ? label : "(memory)"))) {
        free(f);
        snprintf(err, DFV_ERR_LEN, "%s: out of memory", label ? label : "(memory)");
        return DFV_ERR_MEMORY;
    }
    f->bytes = bytes;
    f->size = size;
    dfv_status st = parse_header(f, err);
    if (st != DFV_OK) {
        dfv_st_close(f);
        return st;
    }
    *out = f;
    return DFV_OK;
}

dfv_status dfv_st_open(const char *path, dfv_st_file **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, DFV_ERR_LEN, "%s: cannot open: %s", path, strerror(errno));
        return DFV_ERR_IO;
    }
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        close(fd);
        snprintf(err, DFV_ERR_LEN, "%s: not a regular file", path);
        return DFV_ERR_IO;
    }
    size_t size = (size_t)info.st_size;
    void *map = NULL;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            close(fd);
            snprintf(err, DFV_ERR_LEN, "%s: cannot map %zu bytes: %s", path, size, strerror(errno));
            return DFV_ERR_IO;
        }
    }
    close(fd);
    static const uint8_t empty[1];
    dfv_status st = dfv_st_parse(map ? map : empty, size, path, out, err);
    if (st != DFV_OK) {
        if (map)
            munmap(map, size);
        return st;
    }
    (*out)->mapping = map;
    (*out)->mapping_size = size;
    return DFV_OK;
}

void dfv_st_close(dfv_st_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->tensor_count; i++)
        free((char *)f->tensors[i].name);
    for (int i = 0; i < f->metadata_count; i++) {
        free(f->metadata[i].key);
        free(f->metadata[i].value);
    }
    free(f->tensors);
    free(f->metadata);
    if (f->mapping)
        munmap(f->mapping, f->mapping_size);
    free(f->label);
    free(f);
}

const char *dfv_st_label(const dfv_st_file *f) { return f->label; }
int dfv_st_tensor_count(const dfv_st_file *f) { return f->tensor_count; }

const dfv_st_tensor *dfv_st_tensor_at(const dfv_st_file *f, int index)
{
    return index >= 0 && index < f->tensor_count ? &f->tensors[index] : NULL;
}

const dfv_st_tensor *dfv_st_find(const dfv_st_file *f, const char *name)
{
    dfv_st_tensor key = {.name = name};
    return bsearch(&key, f->tensors, (size_t)f->tensor_count, sizeof key, compare_tensor_names);
}

const char *dfv_st_metadata(const dfv_st_file *f, const char *key)
{
    for (int i = 0; i < f->metadata_count; i++)
        if (!strcmp(f->metadata[i].key, key))
            return f->metadata[i].value;
    return NULL;
}

const void *dfv_st_data(const dfv_st_file *f, size_t *bytes)
{
    *bytes = f->data_size;
    return f->data;
}

float dfv_st_f16_to_f32(uint16_t half)
{
    uint32_t sign = (uint32_t)(half >> 15) << 31;
    int exponent = (half >> 10) & 0x1f;
    uint32_t mantissa = half & 0x3ff;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent == 0) {
        /* Subnormal (or zero): the value is mantissa * 2^-24 exactly, which float represents. */
        float magnitude = ldexpf((float)mantissa, -24);
        return sign ? -magnitude : magnitude;
    } else {
        bits = sign | ((uint32_t)(exponent - 15 + 127) << 23) | (mantissa << 13);
    }
    float out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

float dfv_st_bf16_to_f32(uint16_t bf16)
{
    uint32_t bits = (uint32_t)bf16 << 16;
    float out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

void dfv_st_to_f32(const dfv_st_tensor *t, float *out)
{
    const uint8_t *p = t->data;
    for (uint64_t i = 0; i < t->count; i++) {
        if (t->dtype == DFV_ST_F32) {
            uint32_t bits = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
                            (uint32_t)p[4 * i + 3] << 24;
            memcpy(&out[i], &bits, sizeof bits);
        } else {
            uint16_t half = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
            out[i] = t->dtype == DFV_ST_F16 ? dfv_st_f16_to_f32(half) : dfv_st_bf16_to_f32(half);
        }
    }
}

/* ---- SHA-256 of the tensor bytes (FIPS 180-4), to check provenance.weights_sha256 ---------------- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t state[8], const uint8_t block[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
               block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6],
             h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    uint32_t add[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; i++)
        state[i] += add[i];
}

void dfv_st_sha256_hex(const void *bytes, size_t size, char hex[65])
{
    uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const uint8_t *p = bytes;
    size_t full = size / 64 * 64;
    for (size_t at = 0; at < full; at += 64)
        sha256_block(state, p + at);
    /* The tail, a 0x80 byte, zeros, and the bit length in the last 8 bytes of one or two blocks. */
    uint8_t tail[128] = {0};
    size_t rest = size - full, blocks = rest < 56 ? 1 : 2;
    memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    uint64_t bits = (uint64_t)size * 8;
    for (int i = 0; i < 8; i++)
        tail[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t b = 0; b < blocks; b++)
        sha256_block(state, tail + 64 * b);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", state[i]);
}
