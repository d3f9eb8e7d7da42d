/* Shared machinery of `dfview bench-ops` (see bench_ops.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_ops.h"
#include "vk_internal.h"

const dfv_bench_shape dfv_bench_dmlab_levels[dfv_bench_level_count] = {
    {16, 48, 64, 64},
    {16, 96, 32, 32},
    {16, 192, 16, 16},
    {16, 384, 8, 8},
};

enum { dfv_bench_repeats = 4 };
static const double dfv_bench_target_seconds = 0.25;

static double dfv_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint16_t dfv_f32_to_f16_bits(float f)
{
    /* Round to nearest even, enough for benchmark data (no NaN/Inf, no subnormals needed). */
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    int exp = (int)((x >> 23) & 0xff) - 127 + 15;
    uint32_t mant = x & 0x7fffffu;
    if (exp <= 0)
        return (uint16_t)sign;
    if (exp >= 31)
        return (uint16_t)(sign | 0x7bffu);
    uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
        half++;
    return (uint16_t)half;
}

dfv_status dfv_bench_tensor(dfv_ctx *ctx, dfv_dtype dtype, dfv_bench_shape s, dfv_tensor *out)
{
    dfv_tensor x = {.dtype = dtype, .t = s.t, .c = s.c, .h = s.h, .w = s.w};
    size_t n = dfv_tensor_count(x), bytes = dfv_tensor_bytes(x);
    dfv_status status = dfv_buffer_create(ctx, bytes, DFV_MEM_DEVICE, &x.buf);
    if (status)
        return status;
    void *host = malloc(bytes);
    if (!host) {
        dfv_buffer_destroy(ctx, x.buf);
        return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for a %zu-byte bench tensor", bytes);
    }
    for (size_t i = 0; i < n; i++) {
        float v = 2.0f * sinf((float)(i % 9973) * 0.37f);
        if (dtype == DFV_F16)
            ((uint16_t *)host)[i] = dfv_f32_to_f16_bits(v);
        else
            ((float *)host)[i] = v;
    }
    status = dfv_buffer_upload(ctx, x.buf, 0, host, bytes);
    free(host);
    if (status) {
        dfv_buffer_destroy(ctx, x.buf);
        return status;
    }
    *out = x;
    return DFV_OK;
}

void dfv_bench_tensor_free(dfv_ctx *ctx, dfv_tensor *x)
{
    dfv_buffer_destroy(ctx, x->buf);
    x->buf = NULL;
}

dfv_status dfv_bench_time(dfv_ctx *ctx, dfv_bench_record_fn record, void *user, double *us)
{
    dfv_seq *seq = NULL;
    dfv_status status = dfv_seq_create(ctx, &seq);
    for (int r = 0; !status && r < dfv_bench_repeats; r++)
        status = record(seq, user);
    double t0 = dfv_now_seconds();
    if (!status)
        status = dfv_seq_submit(seq); /* warm-up: pipeline compilation and first touch of memory */
    double once = dfv_now_seconds() - t0;
    int submits = once > 0 ? (int)(dfv_bench_target_seconds / once) : 1;
    submits = submits < 1 ? 1 : submits > 100 ? 100 : submits;
    t0 = dfv_now_seconds();
    for (int i = 0; !status && i < submits; i++)
        status = dfv_seq_submit(seq);
    double elapsed = dfv_now_seconds() - t0;
    dfv_seq_destroy(seq);
    if (!status)
        *us = elapsed * 1e6 / ((double)submits * dfv_bench_repeats);
    return status;
}

void dfv_bench_report(FILE *out, const char *op, const char *variant, const char *shape, double us, double work,
                      bool is_bytes)
{
    double rate = us > 0 ? work / (us * 1e3) : 0;
    fprintf(out, "%-20s %-12s %-22s %12.1f us %9.2f %s\n", op, variant, shape, us, rate, is_bytes ? "GB/s" : "GFLOP/s");
    fflush(out);
}

dfv_status dfv_bench_case(dfv_ctx *ctx, FILE *out, const char *op, const char *variant, const char *shape,
                          dfv_bench_record_fn record, void *user, double work, bool is_bytes)
{
    double us = 0;
    dfv_status status = dfv_bench_time(ctx, record, user, &us);
    if (status)
        fprintf(out, "%-20s %-12s %-22s failed: %s\n", op, variant, shape, dfv_ctx_error(ctx));
    else
        dfv_bench_report(out, op, variant, shape, us, work, is_bytes);
    return status;
}

dfv_status dfv_bench_run(dfv_ctx *ctx, FILE *out, const dfv_bench_spec *spec)
{
    dfv_status status = DFV_OK;
    int count = 0;
    for (; count < dfv_bench_max_tensors && spec->tensors[count] && !status; count++) {
        dfv_tensor *x = spec->tensors[count];
        status = dfv_bench_tensor(ctx, x->dtype, (dfv_bench_shape){x->t, x->c, x->h, x->w}, x);
    }
    if (!status)
        status = dfv_bench_case(ctx, out, spec->op, spec->variant, spec->shape, spec->record, spec->user, spec->work,
                                spec->is_bytes);
    for (int i = 0; i < count; i++)
        dfv_bench_tensor_free(ctx, spec->tensors[i]);
    return status == DFV_ERR_UNSUPPORTED ? DFV_OK : status;
}
