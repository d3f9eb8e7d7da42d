/* Rows times weightᵀ plus bias (shaders/linear.comp): the small per-frame MLPs. */
#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_linear_block_rows = 4 }; /* rows per invocation: each weight load serves this many rows */

typedef struct {
    int32_t rows, n, k, has_bias;
} dfv_linear_push;

dfv_status dfv_op_linear(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "linear", "out", out)) || (s = dfv_op_check_tensor(seq, "linear", "in", in)) ||
        (s = dfv_op_check_tensor(seq, "linear", "weight", weight)) ||
        (bias && (s = dfv_op_check_tensor(seq, "linear", "bias", *bias))))
        return s;
    if (in.dtype != out.dtype || weight.dtype != out.dtype || (bias && bias->dtype != out.dtype))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "linear: in, weight, bias and out must share one dtype");
    int rows = in.t * in.c * in.h, k = in.w, n = weight.c;
    if (weight.t != 1 || weight.h != 1 || weight.w != k)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "linear: weight {%d,%d,%d,%d} should be {1,n,1,%d}", weight.t,
                           weight.c, weight.h, weight.w, k);
    if (out.t * out.c * out.h != rows || out.w != n)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "linear: out {%d,%d,%d,%d} should hold %d rows of %d", out.t, out.c,
                           out.h, out.w, rows, n);
    if (bias && (bias->t != 1 || bias->c != 1 || bias->h != 1 || bias->w != n))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "linear: bias {%d,%d,%d,%d} should be {1,1,1,%d}", bias->t, bias->c,
                           bias->h, bias->w, n);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_linear_push push = {rows, n, k, bias != NULL};
    uint32_t local = dfv_op_workgroup_size(ctx, 64);
    uint32_t spec[2] = {local, dfv_linear_block_rows};
    size_t gx = ((size_t)n + local - 1) / local, gy = ((size_t)rows + dfv_linear_block_rows - 1) / dfv_linear_block_rows;
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    if (gx > caps->max_workgroup_count[0] || gy > caps->max_workgroup_count[1])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "linear: %zux%zu workgroups exceed the device limit", gx, gy);
    dfv_shader shader = DFV_OP_SHADER_FOR(linear, out.dtype, 4, sizeof push);
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 2, &pipe)))
        return s;
    /* Without a bias the weight stands in for binding 2; the shader never reads it (has_bias = 0). */
    dfv_binding bindings[4] = {dfv_bind_in(in), dfv_bind_in(weight), dfv_bind_in(bias ? *bias : weight),
                               dfv_bind_out(out)};
    dfv_dispatch_info info = {"linear", 2.0 * rows * (double)n * k, false};
    return dfv_seq_dispatch(seq, pipe, bindings, 4, &push, sizeof push, (uint32_t)gx, (uint32_t)gy, 1, &info);
}

/* ---- bench: the DMLab noise-level MLP (48 -> 192 -> 192) and a ResBlock modulation (192 -> 2·384) -- */

typedef struct {
    dfv_tensor out, in, weight, bias;
} dfv_linear_bench;

static dfv_status dfv_linear_bench_record(dfv_seq *seq, void *user)
{
    dfv_linear_bench *b = user;
    return dfv_op_linear(seq, b->out, b->in, b->weight, &b->bias);
}

dfv_status dfv_bench_linear(dfv_ctx *ctx, FILE *out)
{
    static const int sizes[][3] = {{16, 48, 192}, {16, 192, 192}, {16, 192, 768}}; /* rows, k, n */
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            int rows = sizes[i][0], k = sizes[i][1], n = sizes[i][2];
            dfv_linear_bench b = {.in = dfv_bench_shaped(dtype, (dfv_bench_shape){rows, 1, 1, k}),
                                  .weight = dfv_bench_shaped(dtype, (dfv_bench_shape){1, n, 1, k}),
                                  .bias = dfv_bench_shaped(dtype, (dfv_bench_shape){1, 1, 1, n}),
                                  .out = dfv_bench_shaped(dtype, (dfv_bench_shape){rows, 1, 1, n})};
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%d->%d", rows, k, n);
            dfv_status s = dfv_bench_run(ctx, out,
                                         &(dfv_bench_spec){"linear", dfv_bench_dtype_name(dtype), shape,
                                                           dfv_linear_bench_record, &b, 2.0 * rows * (double)n * k,
                                                           false, {&b.in, &b.weight, &b.bias, &b.out}});
            if (s)
                return s;
        }
    }
    return DFV_OK;
}
