/* Nearest-neighbour ×2 upsampling per frame (the decoder's Upsample before its conv). */
#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_upsample_per_lane = 4 }; /* DFV_PER_LANE in shaders/upsample2x.comp */

typedef struct {
    uint32_t count, in_h, in_w;
} dfv_upsample_push;

dfv_status dfv_op_upsample2x(dfv_seq *seq, dfv_tensor out, dfv_tensor in)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "upsample2x", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "upsample2x", "in", in)))
        return s;
    if (out.t != in.t || out.c != in.c || out.h != 2 * in.h || out.w != 2 * in.w)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "upsample2x: out {%d, %d, %d, %d} must be in {%d, %d, %d, %d} with H, W doubled",
                           out.t, out.c, out.h, out.w, in.t, in.c, in.h, in.w);
    if (in.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "upsample2x: in and out must share one dtype");
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_upsample_push push = {(uint32_t)dfv_tensor_count(out), (uint32_t)in.h, (uint32_t)in.w};
    dfv_shader shader = DFV_OP_SHADER_FOR(upsample2x, out.dtype, 2, sizeof push);
    /* Input pixel pairs -> output vec4s when the width is even (rows of vec4s, 16-byte aligned). */
    bool pair_path = in.w % 2 == 0;
    uint32_t spec[2] = {dfv_op_workgroup_size(ctx, 128), pair_path};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 2, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, pair_path ? push.count / 8 : push.count, spec[0] * dfv_upsample_per_lane, groups);
    dfv_binding bindings[2] = {dfv_bind_in(in), dfv_bind_out(out)};
    dfv_dispatch_info info = {"upsample2x", (double)(dfv_tensor_bytes(in) + dfv_tensor_bytes(out)), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

typedef struct {
    dfv_tensor out, in;
} dfv_upsample_bench;

static dfv_status dfv_upsample_bench_record(dfv_seq *seq, void *user)
{
    dfv_upsample_bench *c = user;
    return dfv_op_upsample2x(seq, c->out, c->in);
}

dfv_status dfv_bench_upsample2x(dfv_ctx *ctx, FILE *out)
{
    /* The decoder upsamples each level's activation to the next finer level's resolution. */
    for (int d = 0; d < 2; d++)
        for (int l = dfv_bench_level_count - 1; l >= 1; l--) {
            dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_bench_shape big = {sh.t, sh.c, 2 * sh.h, 2 * sh.w};
            dfv_upsample_bench c = {.in = dfv_bench_shaped(dtype, sh), .out = dfv_bench_shaped(dtype, big)};
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
            dfv_status s = dfv_bench_run(ctx, out,
                                         &(dfv_bench_spec){"upsample2x", dfv_bench_dtype_name(dtype), shape,
                                                           dfv_upsample_bench_record, &c,
                                                           (double)(dfv_tensor_bytes(c.in) + dfv_tensor_bytes(c.out)),
                                                           true, {&c.in, &c.out}});
            if (s)
                return s;
        }
    return DFV_OK;
}
