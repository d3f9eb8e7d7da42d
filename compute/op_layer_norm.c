/* LayerNorm over the channels of every (frame, pixel) (shaders/layer_norm.comp). */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    int32_t frames, channels, hw;
    float eps;
} dfv_layer_norm_push;

dfv_status dfv_op_layer_norm(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor gamma, dfv_tensor beta, float eps)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "layer_norm", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "layer_norm", "in", in)) ||
        (s = dfv_op_check_tensor(seq, "layer_norm", "gamma", gamma)) ||
        (s = dfv_op_check_tensor(seq, "layer_norm", "beta", beta)) ||
        (s = dfv_op_check_same_shape(seq, "layer_norm", "out", out, "in", in)))
        return s;
    if (in.dtype != out.dtype || gamma.dtype != out.dtype || beta.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: all tensors must share one dtype");
    if (!(eps >= 0.0f))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: eps %g must be >= 0", eps);
    dfv_tensor affine[2] = {gamma, beta};
    for (int i = 0; i < 2; i++)
        if (affine[i].t != 1 || affine[i].c != in.c || affine[i].h != 1 || affine[i].w != 1)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: %s {%d,%d,%d,%d} should be {1,%d,1,1}",
                               i ? "beta" : "gamma", affine[i].t, affine[i].c, affine[i].h, affine[i].w, in.c);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_layer_norm_push push = {in.t, in.c, in.h * in.w, eps};
    uint32_t local = dfv_op_workgroup_size(ctx, 64);
    size_t pixels = (size_t)in.t * in.h * in.w, gx = (pixels + local - 1) / local;
    if (gx > dfv_ctx_caps(ctx)->max_workgroup_count[0])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "layer_norm: %zu workgroups exceed the device limit", gx);
    dfv_shader shader = DFV_OP_SHADER_FOR(layer_norm, out.dtype, 4, sizeof push);
    dfv_pipeline *pipe;
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    uint32_t spec[2] = {local, caps->cpu_shaders && caps->subgroup_size == 8};
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 2, &pipe)))
        return s;
    dfv_binding bindings[4] = {dfv_bind_in(in), dfv_bind_in(gamma), dfv_bind_in(beta), dfv_bind_out(out)};
    dfv_dispatch_info info = {"layer_norm", 4.0 * (double)dfv_tensor_bytes(in), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 4, &push, sizeof push, (uint32_t)gx, 1, 1, &info);
}

/* ---- bench: the AttentionBlock's norm at every DMLab level ------------------------------------------ */

typedef struct {
    dfv_tensor out, in, gamma, beta;
} dfv_layer_norm_bench;

static dfv_status dfv_layer_norm_bench_record(dfv_seq *seq, void *user)
{
    dfv_layer_norm_bench *b = user;
    return dfv_op_layer_norm(seq, b->out, b->in, b->gamma, b->beta, 1e-5f);
}

dfv_status dfv_bench_layer_norm(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (int l = 0; l < dfv_bench_level_count; l++) {
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_layer_norm_bench b = {0};
            dfv_status s = dfv_bench_tensor(ctx, dtype, sh, &b.in);
            if (!s)
                s = dfv_bench_tensor(ctx, dtype, sh, &b.out);
            if (!s)
                s = dfv_bench_tensor(ctx, dtype, (dfv_bench_shape){1, sh.c, 1, 1}, &b.gamma);
            if (!s)
                s = dfv_bench_tensor(ctx, dtype, (dfv_bench_shape){1, sh.c, 1, 1}, &b.beta);
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
            if (!s)
                s = dfv_bench_case(ctx, out, "layer_norm", dfv_bench_dtype_name(dtype), shape,
                                   dfv_layer_norm_bench_record, &b, 4.0 * (double)dfv_tensor_bytes(b.in), true);
            dfv_bench_tensor_free(ctx, &b.in);
            dfv_bench_tensor_free(ctx, &b.out);
            dfv_bench_tensor_free(ctx, &b.gamma);
            dfv_bench_tensor_free(ctx, &b.beta);
            if (s && s != DFV_ERR_UNSUPPORTED)
                return s;
        }
    }
    return DFV_OK;
}
