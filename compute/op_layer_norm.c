/* LayerNorm over the channels of every (frame, pixel) (shaders/layer_norm.comp). */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    int32_t frames, channels, hw;
    float eps;
    int32_t mod_width, shift0, scale0;
} dfv_layer_norm_push;

static dfv_status dfv_layer_norm_check(dfv_seq *seq, dfv_tensor out, dfv_tensor in, const dfv_layer_norm_desc *d)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "layer_norm", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "layer_norm", "in", in)) ||
        (s = dfv_op_check_same_shape(seq, "layer_norm", "out", out, "in", in)))
        return s;
    if (in.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: all tensors must share one dtype");
    if (!(d->eps >= 0.0f))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: eps %g must be >= 0", d->eps);
    if (!d->gamma != !d->beta)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: gamma and beta come together or not at all");
    const dfv_tensor *affine[2] = {d->gamma, d->beta};
    for (int i = 0; i < 2 && d->gamma; i++) {
        const dfv_tensor a = *affine[i];
        if ((s = dfv_op_check_tensor(seq, "layer_norm", i ? "beta" : "gamma", a)))
            return s;
        if (a.dtype != out.dtype)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: all tensors must share one dtype");
        if (a.t != 1 || a.c != in.c || a.h != 1 || a.w != 1)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: %s {%d,%d,%d,%d} should be {1,%d,1,1}",
                               i ? "beta" : "gamma", a.t, a.c, a.h, a.w, in.c);
    }
    const dfv_tensor *m = d->modulation;
    if (m) {
        if ((s = dfv_op_check_tensor(seq, "layer_norm", "modulation", *m)))
            return s;
        if (m->dtype != out.dtype)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: all tensors must share one dtype");
        if (m->t != in.t || m->c != 1 || m->h != 1 || d->shift_channel0 < 0 || d->scale_channel0 < 0 ||
            d->shift_channel0 + in.c > m->w || d->scale_channel0 + in.c > m->w)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: modulation {%d,%d,%d,%d} should be {%d,1,1,M} "
                               "holding %d shifts from %d and %d scales from %d", m->t, m->c, m->h, m->w, in.t, in.c,
                               d->shift_channel0, in.c, d->scale_channel0);
    }
    return DFV_OK;
}

dfv_status dfv_op_layer_norm_modulated(dfv_seq *seq, dfv_tensor out, dfv_tensor in, const dfv_layer_norm_desc *desc)
{
    if (!desc)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "layer_norm: no descriptor");
    dfv_status s = dfv_layer_norm_check(seq, out, in, desc);
    if (s)
        return s;
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    const dfv_tensor *mod = desc->modulation;
    dfv_layer_norm_push push = {in.t, in.c, in.h * in.w, desc->eps, mod ? mod->w : 0, desc->shift_channel0,
                                desc->scale_channel0};
    uint32_t local = dfv_op_workgroup_size(ctx, 64);
    size_t pixels = (size_t)in.t * in.h * in.w, gx = (pixels + local - 1) / local;
    if (gx > dfv_ctx_caps(ctx)->max_workgroup_count[0])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "layer_norm: %zu workgroups exceed the device limit", gx);
    dfv_shader shader = DFV_OP_SHADER_FOR(layer_norm, out.dtype, 5, sizeof push);
    dfv_pipeline *pipe;
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    uint32_t spec[4] = {local, caps->cpu_shaders && caps->subgroup_size == 8, desc->gamma != NULL, mod != NULL};
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 4, &pipe)))
        return s;
    /* Bindings the variant never reads are bound to `in`. */
    dfv_binding bindings[5] = {dfv_bind_in(in), dfv_bind_in(desc->gamma ? *desc->gamma : in),
                               dfv_bind_in(desc->beta ? *desc->beta : in), dfv_bind_out(out),
                               dfv_bind_in(mod ? *mod : in)};
    dfv_dispatch_info info = {"layer_norm", 4.0 * (double)dfv_tensor_bytes(in), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 5, &push, sizeof push, (uint32_t)gx, 1, 1, &info);
}

dfv_status dfv_op_layer_norm(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor gamma, dfv_tensor beta, float eps)
{
    dfv_layer_norm_desc desc = {.eps = eps, .gamma = &gamma, .beta = &beta};
    return dfv_op_layer_norm_modulated(seq, out, in, &desc);
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

/* Oasis-500M's adaLN norm: 32 frames of 1024 x 9x16 tokens, no affine, modulated from {32,1,1,6144}. */
typedef struct {
    dfv_tensor out, in, mod;
} dfv_layer_norm_mod_bench;

static dfv_status dfv_layer_norm_mod_bench_record(dfv_seq *seq, void *user)
{
    dfv_layer_norm_mod_bench *b = user;
    dfv_layer_norm_desc desc = {.eps = 1e-6f, .modulation = &b->mod, .shift_channel0 = 0, .scale_channel0 = 1024};
    return dfv_op_layer_norm_modulated(seq, b->out, b->in, &desc);
}

static dfv_status dfv_bench_layer_norm_modulated(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        dfv_bench_shape sh = {32, 1024, 9, 16};
        dfv_layer_norm_mod_bench b = {.in = dfv_bench_shaped(dtype, sh), .out = dfv_bench_shaped(dtype, sh),
                                      .mod = dfv_bench_shaped(dtype, (dfv_bench_shape){32, 1, 1, 6 * 1024})};
        char variant[32];
        snprintf(variant, sizeof variant, "adaln %s", dfv_bench_dtype_name(dtype));
        dfv_status s = dfv_bench_run(ctx, out,
                                     &(dfv_bench_spec){"layer_norm", variant, "32x1024x9x16",
                                                       dfv_layer_norm_mod_bench_record, &b,
                                                       4.0 * (double)dfv_tensor_bytes(b.in), true,
                                                       {&b.in, &b.out, &b.mod}});
        if (s)
            return s;
    }
    return DFV_OK;
}

dfv_status dfv_bench_layer_norm(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (int l = 0; l < dfv_bench_level_count; l++) {
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_tensor x = dfv_bench_shaped(dtype, sh), vec = dfv_bench_shaped(dtype, (dfv_bench_shape){1, sh.c, 1, 1});
            dfv_layer_norm_bench b = {.in = x, .out = x, .gamma = vec, .beta = vec};
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
            dfv_status s = dfv_bench_run(ctx, out,
                                         &(dfv_bench_spec){"layer_norm", dfv_bench_dtype_name(dtype), shape,
                                                           dfv_layer_norm_bench_record, &b,
                                                           4.0 * (double)dfv_tensor_bytes(b.in), true,
                                                           {&b.in, &b.out, &b.gamma, &b.beta}});
            if (s)
                return s;
        }
    }
    return dfv_bench_layer_norm_modulated(ctx, out);
}
