/* Shared pieces of the Oasis graphs (see oasis_graph.h). */
#include "oasis_graph.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dfv_status graph_tensor(dfv_oasis_graph *g, dfv_dtype dtype, int t, int c, int h, int w, dfv_tensor *out)
{
    if (g->count == g->capacity) {
        int capacity = g->capacity ? 2 * g->capacity : 64;
        dfv_buffer **grown = realloc(g->buffers, (size_t)capacity * sizeof *grown);
        if (!grown)
            return dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory for the graph's tensors");
        g->buffers = grown;
        g->capacity = capacity;
    }
    dfv_tensor x = {.dtype = dtype, .t = t, .c = c, .h = h, .w = w};
    dfv_status s = dfv_buffer_create(g->ctx, dfv_tensor_bytes(x), DFV_MEM_DEVICE, &x.buf);
    if (s)
        return s;
    g->buffers[g->count++] = x.buf;
    *out = x;
    return DFV_OK;
}

dfv_status dfv_oasis_graph_tensor(dfv_oasis_graph *g, int t, int c, int h, int w, dfv_tensor *out)
{
    return graph_tensor(g, g->dtype, t, c, h, w, out);
}

dfv_status dfv_oasis_graph_tensor_f32(dfv_oasis_graph *g, int t, int c, int h, int w, dfv_tensor *out)
{
    return graph_tensor(g, DFV_F32, t, c, h, w, out);
}

/* float -> IEEE half, round to nearest even (subnormals, overflow to Inf, NaN kept). */
static uint16_t to_f16(float value)
{
    uint32_t x;
    memcpy(&x, &value, 4);
    const uint32_t sign = (x >> 16) & 0x8000u, exp8 = (x >> 23) & 0xffu;
    uint32_t mant = x & 0x7fffffu;
    if (exp8 == 0xffu)
        return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
    const int exp = (int)exp8 - 127 + 15;
    if (exp >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (exp <= 0) { /* subnormal half (or zero) */
        if (exp < -10)
            return (uint16_t)sign;
        mant |= 0x800000u;
        const uint32_t shift = (uint32_t)(14 - exp), half = mant >> shift, rest = mant & ((1u << shift) - 1u);
        const uint32_t halfway = 1u << (shift - 1u);
        return (uint16_t)(sign | (half + (rest > halfway || (rest == halfway && (half & 1u)))));
    }
    const uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13), rest = mant & 0x1fffu;
    return (uint16_t)(half + (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))); /* a carry rounds up the exponent */
}

dfv_status dfv_oasis_graph_upload(dfv_oasis_graph *g, dfv_tensor x, const float *values)
{
    const size_t n = dfv_tensor_count(x);
    const void *bytes = values;
    uint16_t *half = NULL;
    if (x.dtype == DFV_F16) {
        if (!(half = malloc(n * sizeof *half)))
            return dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory");
        for (size_t i = 0; i < n; i++)
            half[i] = to_f16(values[i]);
        bytes = half;
    }
    dfv_status s = dfv_buffer_upload(g->ctx, x.buf, x.offset, bytes, dfv_tensor_bytes(x));
    free(half);
    return s;
}

dfv_status dfv_oasis_graph_download(dfv_oasis_graph *g, dfv_tensor x, float *values)
{
    const size_t n = dfv_tensor_count(x);
    if (x.dtype != DFV_F16) {
        dfv_status s = dfv_buffer_download(g->ctx, x.buf, x.offset, values, dfv_tensor_bytes(x));
        return s;
    }
    uint16_t *half = malloc(n * sizeof *half);
    if (!half)
        return dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory");
    dfv_status s = dfv_buffer_download(g->ctx, x.buf, x.offset, half, dfv_tensor_bytes(x));
    for (size_t i = 0; !s && i < n; i++)
        values[i] = dfv_st_f16_to_f32(half[i]);
    free(half);
    return s;
}

void dfv_oasis_graph_release(dfv_oasis_graph *g, int keep)
{
    while (g->count > keep)
        dfv_buffer_destroy(g->ctx, g->buffers[--g->count]);
    if (!keep) {
        free(g->buffers);
        g->buffers = NULL;
        g->capacity = 0;
    }
}

dfv_status dfv_oasis_graph_weight(dfv_oasis_graph *g, const char *name, int t, int c, int h, int w,
                                  const dfv_oasis_rows *rows, dfv_tensor *out)
{
    const dfv_st_tensor *st = dfv_oasis_model_tensor(g->model, name);
    if (!st)
        return dfv_ctx_fail(g->ctx, DFV_ERR_ARGUMENT, "the model has no tensor %s", name);
    size_t total = (size_t)st->count, file_rows = st->ndim ? (size_t)st->shape[0] : 1, row_len = total / file_rows;
    size_t used_rows = rows && rows->rows ? (size_t)rows->rows : file_rows;
    size_t want = (size_t)t * c * h * w;
    if (used_rows > file_rows || used_rows * row_len != want)
        return dfv_ctx_fail(g->ctx, DFV_ERR_ARGUMENT, "tensor %s has %zu values, the graph wants %zu", name,
                            used_rows * row_len, want);
    float *all = malloc(total * sizeof *all), *picked = malloc(want * sizeof *picked);
    dfv_status s = DFV_OK;
    if (!all || !picked)
        s = dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory reading %s", name);
    if (!s) {
        dfv_st_to_f32(st, all);
        for (size_t r = 0; r < used_rows; r++) {
            size_t from = rows && rows->order ? (size_t)rows->order[r] : r;
            float scale = rows && rows->scale != 0.0f ? rows->scale : 1.0f;
            for (size_t k = 0; k < row_len; k++)
                picked[r * row_len + k] = all[from * row_len + k] * scale;
        }
        s = dfv_oasis_graph_tensor(g, t, c, h, w, out);
    }
    if (!s)
        s = dfv_oasis_graph_upload(g, *out, picked);
    free(all);
    free(picked);
    return s;
}

void dfv_oasis_linspace(float start, float end, int steps, float *out)
{
    if (steps == 1) {
        out[0] = start;
        return;
    }
    const float step = (end - start) / (float)(steps - 1);
    for (int i = 0; i < steps; i++)
        out[i] = i < steps / 2 ? start + step * (float)i : end - step * (float)(steps - 1 - i);
}

static dfv_status upload_table(dfv_oasis_graph *g, const float *angles, int positions, int pairs, dfv_tensor *out)
{
    float *table = malloc((size_t)positions * 2 * pairs * sizeof *table);
    if (!table)
        return dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory for a rotary table");
    for (int p = 0; p < positions; p++)
        for (int i = 0; i < pairs; i++) {
            double angle = angles[(size_t)p * pairs + i];
            table[((size_t)p * 2) * pairs + i] = (float)cos(angle);
            table[((size_t)p * 2 + 1) * pairs + i] = (float)sin(angle);
        }
    dfv_status s = dfv_oasis_graph_tensor_f32(g, 1, positions, 2, pairs, out);
    if (!s)
        s = dfv_oasis_graph_upload(g, *out, table);
    free(table);
    return s;
}

dfv_status dfv_oasis_axial_table(dfv_oasis_graph *g, const float *freqs, int n, int h, int w, dfv_tensor *out)
{
    float *rows = malloc((size_t)(h + w) * sizeof *rows), *angles = malloc((size_t)h * w * 2 * n * sizeof *angles);
    dfv_status s = DFV_OK;
    if (!rows || !angles)
        s = dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory for a rotary table");
    if (!s) {
        float *cols = rows + h;
        dfv_oasis_linspace(-1.0f, 1.0f, h, rows);
        dfv_oasis_linspace(-1.0f, 1.0f, w, cols);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int i = 0; i < 2 * n; i++)
                    angles[((size_t)y * w + x) * 2 * n + i] = i < n ? rows[y] * freqs[i] : cols[x] * freqs[i - n];
        s = upload_table(g, angles, h * w, 2 * n, out);
    }
    free(rows);
    free(angles);
    return s;
}

dfv_status dfv_oasis_sequence_table(dfv_oasis_graph *g, const float *freqs, int n, int length, dfv_tensor *out)
{
    float *angles = malloc((size_t)length * n * sizeof *angles);
    if (!angles)
        return dfv_ctx_fail(g->ctx, DFV_ERR_MEMORY, "out of host memory for a rotary table");
    for (int p = 0; p < length; p++)
        for (int i = 0; i < n; i++)
            angles[(size_t)p * n + i] = (float)p * freqs[i];
    dfv_status s = upload_table(g, angles, length, n, out);
    free(angles);
    return s;
}
