/* GroupNorm with optional per-frame modulation and SiLU (shaders/group_norm.comp): one dispatch, one
 * workgroup per (statistics unit, group). */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    int32_t frames, channels, hw, groups;
    float eps;
    int32_t per_frame, silu, has_mod;
    int32_t in_texel0, gamma_texel0, beta_texel0, mod_texel0; /* the texel variant's element bases */
} dfv_group_norm_push;

static dfv_status dfv_group_norm_check(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor gamma, dfv_tensor beta,
                                       const dfv_group_norm_desc *desc)
{
    dfv_status s;
    const dfv_tensor *mod = desc->scale_shift;
    if ((s = dfv_op_check_tensor(seq, "group_norm", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "group_norm", "in", in)) ||
        (s = dfv_op_check_tensor(seq, "group_norm", "gamma", gamma)) ||
        (s = dfv_op_check_tensor(seq, "group_norm", "beta", beta)) ||
        (mod && (s = dfv_op_check_tensor(seq, "group_norm", "scale_shift", *mod))) ||
        (s = dfv_op_check_same_shape(seq, "group_norm", "out", out, "in", in)))
        return s;
    if (in.dtype != out.dtype || gamma.dtype != out.dtype || beta.dtype != out.dtype || (mod && mod->dtype != out.dtype))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "group_norm: all tensors must share one dtype");
    if (desc->groups < 1 || in.c % desc->groups != 0)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "group_norm: %d groups do not divide %d channels", desc->groups, in.c);
    if (!(desc->eps >= 0.0f))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "group_norm: eps %g must be >= 0", desc->eps);
    dfv_tensor affine[2] = {gamma, beta};
    for (int i = 0; i < 2; i++)
        if (affine[i].t != 1 || affine[i].c != in.c || affine[i].h != 1 || affine[i].w != 1)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "group_norm: %s {%d,%d,%d,%d} should be {1,%d,1,1}",
                               i ? "beta" : "gamma", affine[i].t, affine[i].c, affine[i].h, affine[i].w, in.c);
    if (mod && (mod->t != in.t || mod->c != 1 || mod->h != 1 || mod->w != 2 * in.c))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "group_norm: scale_shift {%d,%d,%d,%d} should be {%d,1,1,%d}",
                           mod->t, mod->c, mod->h, mod->w, in.t, 2 * in.c);
    return DFV_OK;
}

dfv_status dfv_op_group_norm(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor gamma, dfv_tensor beta,
                             const dfv_group_norm_desc *desc)
{
    if (!desc)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "group_norm: no descriptor");
    dfv_status s = dfv_group_norm_check(seq, out, in, gamma, beta, desc);
    if (s)
        return s;
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    /* The shader's tree reduction halves the workgroup each step: a power of two. A CPU runs a workgroup
     * on one thread whatever its size; 64 keeps every lane busy down to 8x8 maps. */
    uint32_t local = caps->cpu_shaders ? 64 : 256;
    while (local > caps->max_workgroup_invocations)
        local /= 2;
    uint32_t gy = desc->per_frame ? (uint32_t)in.t : 1;
    if ((uint32_t)desc->groups > caps->max_workgroup_count[0] || gy > caps->max_workgroup_count[1])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "group_norm: %dx%u workgroups exceed the device limit",
                           desc->groups, gy);
    dfv_group_norm_push push = {in.t, in.c, in.h * in.w, desc->groups, desc->eps, desc->per_frame, desc->silu,
                                desc->scale_shift != NULL};
    /* Without modulation gamma stands in for binding 3; the shader never reads it (has_mod = 0). */
    dfv_tensor mod = desc->scale_shift ? *desc->scale_shift : gamma;
    dfv_shader shader = DFV_OP_SHADER_FOR(group_norm, out.dtype, 5, sizeof push);
    if (caps->cpu_shaders) { /* inputs through texel buffers */
        shader = DFV_OP_TEXEL_SHADER_FOR(group_norm, out.dtype, 5, sizeof push, 0xf);
        push.in_texel0 = dfv_texel_base(in), push.gamma_texel0 = dfv_texel_base(gamma);
        push.beta_texel0 = dfv_texel_base(beta), push.mod_texel0 = dfv_texel_base(mod);
    }
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, &local, 1, &pipe)))
        return s;
    dfv_binding bindings[5] = {dfv_bind_in(in), dfv_bind_in(gamma), dfv_bind_in(beta), dfv_bind_in(mod),
                               dfv_bind_out(out)};
    /* Memory-bound: three reads of the input (mean, variance, apply) and one write. */
    dfv_dispatch_info info = {"group_norm", 4.0 * (double)dfv_tensor_bytes(in), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 5, &push, sizeof push, (uint32_t)desc->groups, gy, 1, &info);
}

/* ---- bench: the ResBlock's second norm (joint statistics, modulation, SiLU) at every DMLab level ---- */

typedef struct {
    dfv_tensor out, in, gamma, beta, mod;
    dfv_group_norm_desc desc;
} dfv_group_norm_bench;

static dfv_status dfv_group_norm_bench_record(dfv_seq *seq, void *user)
{
    dfv_group_norm_bench *b = user;
    return dfv_op_group_norm(seq, b->out, b->in, b->gamma, b->beta, &b->desc);
}

static dfv_status dfv_group_norm_bench_one(dfv_ctx *ctx, FILE *out, dfv_dtype dtype, dfv_bench_shape sh, bool per_frame)
{
    dfv_tensor x = dfv_bench_shaped(dtype, sh), vec = dfv_bench_shaped(dtype, (dfv_bench_shape){1, sh.c, 1, 1});
    dfv_group_norm_bench b = {.in = x, .out = x, .gamma = vec, .beta = vec,
                              .mod = dfv_bench_shaped(dtype, (dfv_bench_shape){sh.t, 1, 1, 2 * sh.c})};
    b.desc = (dfv_group_norm_desc){8, 1e-6f, per_frame, true, &b.mod};
    char shape[96];
    snprintf(shape, sizeof shape, "%dx%dx%dx%d %s", sh.t, sh.c, sh.h, sh.w, per_frame ? "per-frame" : "joint");
    return dfv_bench_run(ctx, out, &(dfv_bench_spec){"group_norm", dfv_bench_dtype_name(dtype), shape,
                                                     dfv_group_norm_bench_record, &b,
                                                     4.0 * (double)dfv_tensor_bytes(b.in), true,
                                                     {&b.in, &b.out, &b.gamma, &b.beta, &b.mod}});
}

dfv_status dfv_bench_group_norm(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++)
        for (int l = 0; l < dfv_bench_level_count; l++)
            for (int per_frame = 0; per_frame < 2; per_frame++) {
                dfv_status s = dfv_group_norm_bench_one(ctx, out, d ? DFV_F16 : DFV_F32, dfv_bench_dmlab_levels[l],
                                                        per_frame);
                if (s)
                    return s;
            }
    return DFV_OK;
}
