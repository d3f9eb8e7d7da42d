/* Unpatchify (shaders/pixel_shuffle.comp): the per-token patch channels of a ViT or DiT back into pixels. */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    uint32_t count, factor, out_h, out_w;
} dfv_pixel_shuffle_push;

dfv_status dfv_op_pixel_shuffle(dfv_seq *seq, dfv_tensor out, dfv_tensor in, int factor)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "pixel_shuffle", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "pixel_shuffle", "in", in)))
        return s;
    if (in.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "pixel_shuffle: in and out must share one dtype");
    if (factor < 1 || in.c % (factor * factor) != 0 || out.t != in.t || out.c != in.c / (factor * factor) ||
        out.h != in.h * factor || out.w != in.w * factor)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "pixel_shuffle: factor %d takes in {%d,%d,%d,%d} to {%d,%d,%d,%d}, "
                           "not out {%d,%d,%d,%d}", factor, in.t, in.c, in.h, in.w, in.t,
                           factor > 0 ? in.c / (factor * factor) : 0, in.h * factor, in.w * factor, out.t, out.c,
                           out.h, out.w);
    size_t count = dfv_tensor_count(out);
    if (count > UINT32_MAX)
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "pixel_shuffle: %zu elements exceed 32-bit indexing", count);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_pixel_shuffle_push push = {(uint32_t)count, (uint32_t)factor, (uint32_t)out.h, (uint32_t)out.w};
    dfv_shader shader = DFV_OP_SHADER_FOR(pixel_shuffle, out.dtype, 2, sizeof push);
    uint32_t spec[1] = {dfv_op_workgroup_size(ctx, 128)};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 1, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, count, spec[0], groups);
    dfv_binding bindings[2] = {dfv_bind_in(in), dfv_bind_out(out)};
    dfv_dispatch_info info = {"pixel_shuffle", 2.0 * (double)dfv_tensor_bytes(out), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

/* ---- bench: Oasis-500M's DiT output (32 frames of 64x9x16 -> 16x18x32) and VAE decoder output -------- */

typedef struct {
    dfv_tensor out, in;
    int factor;
} dfv_pixel_shuffle_bench;

static dfv_status dfv_pixel_shuffle_bench_record(dfv_seq *seq, void *user)
{
    dfv_pixel_shuffle_bench *b = user;
    return dfv_op_pixel_shuffle(seq, b->out, b->in, b->factor);
}

dfv_status dfv_bench_pixel_shuffle(dfv_ctx *ctx, FILE *out)
{
    typedef struct {
        const char *name;
        dfv_bench_shape in;
        int factor;
    } bench_case;
    const bench_case cases[] = {{"dit", {32, 64, 9, 16}, 2}, {"vae", {1, 1200, 18, 32}, 20}};
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const bench_case *k = &cases[i];
            dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
            int f = k->factor;
            dfv_pixel_shuffle_bench b = {.factor = f};
            dfv_status s = dfv_bench_tensor(ctx, dtype, k->in, &b.in);
            if (!s)
                s = dfv_bench_tensor(ctx, dtype, (dfv_bench_shape){k->in.t, k->in.c / (f * f), k->in.h * f, k->in.w * f},
                                     &b.out);
            char shape[64], variant[32];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", k->in.t, k->in.c, k->in.h, k->in.w);
            snprintf(variant, sizeof variant, "%s %s", k->name, dfv_bench_dtype_name(dtype));
            if (!s)
                s = dfv_bench_case(ctx, out, "pixel_shuffle", variant, shape, dfv_pixel_shuffle_bench_record, &b,
                                   2.0 * (double)dfv_tensor_bytes(b.in), true);
            dfv_bench_tensor_free(ctx, &b.in);
            dfv_bench_tensor_free(ctx, &b.out);
            if (s && s != DFV_ERR_UNSUPPORTED)
                return s;
        }
    return DFV_OK;
}
