/* Unpatchify and patchify (shaders/pixel_shuffle.comp): the per-token patch channels of a ViT or DiT back
 * into pixels, and pixels into patch channels (a patch embedding is then a 1x1 convolution, whatever the
 * patch size). */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    uint32_t count, factor, pixel_h, pixel_w;
} dfv_pixel_shuffle_push;

/* pixels {T, C, H, W} <-> patches {T, C·f², H/f, W/f}; unshuffle: patches are the output. */
static dfv_status dfv_pixel_shuffle_record(dfv_seq *seq, const char *op, dfv_tensor pixels, dfv_tensor patches,
                                           int factor, bool unshuffle)
{
    dfv_status s;
    dfv_tensor out = unshuffle ? patches : pixels, in = unshuffle ? pixels : patches;
    if ((s = dfv_op_check_tensor(seq, op, "out", out)) || (s = dfv_op_check_tensor(seq, op, "in", in)))
        return s;
    if (in.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: in and out must share one dtype", op);
    if (factor < 1 || patches.c != pixels.c * factor * factor || patches.t != pixels.t ||
        pixels.h != patches.h * factor || pixels.w != patches.w * factor)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: factor %d does not map in {%d,%d,%d,%d} to out {%d,%d,%d,%d} "
                           "(pixels {T, C, H, W} <-> patches {T, C·f², H/f, W/f})", op, factor, in.t, in.c, in.h,
                           in.w, out.t, out.c, out.h, out.w);
    size_t count = dfv_tensor_count(out);
    if (count > UINT32_MAX)
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "%s: %zu elements exceed 32-bit indexing", op, count);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_pixel_shuffle_push push = {(uint32_t)count, (uint32_t)factor, (uint32_t)pixels.h, (uint32_t)pixels.w};
    dfv_shader shader = DFV_OP_SHADER_FOR(pixel_shuffle, out.dtype, 2, sizeof push);
    uint32_t spec[2] = {dfv_op_workgroup_size(ctx, 128), unshuffle};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 2, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, count, spec[0], groups);
    dfv_binding bindings[2] = {dfv_bind_in(in), dfv_bind_out(out)};
    dfv_dispatch_info info = {op, 2.0 * (double)dfv_tensor_bytes(out), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

dfv_status dfv_op_pixel_shuffle(dfv_seq *seq, dfv_tensor out, dfv_tensor in, int factor)
{
    return dfv_pixel_shuffle_record(seq, "pixel_shuffle", out, in, factor, false);
}

dfv_status dfv_op_pixel_unshuffle(dfv_seq *seq, dfv_tensor out, dfv_tensor in, int factor)
{
    return dfv_pixel_shuffle_record(seq, "pixel_unshuffle", in, out, factor, true);
}

/* ---- bench: Oasis-500M's DiT output (32 frames of 64x9x16 -> 16x18x32) and VAE decoder output -------- */

typedef struct {
    dfv_tensor pixels, patches;
    int factor;
    bool unshuffle;
} dfv_pixel_shuffle_bench;

static dfv_status dfv_pixel_shuffle_bench_record(dfv_seq *seq, void *user)
{
    dfv_pixel_shuffle_bench *b = user;
    return b->unshuffle ? dfv_op_pixel_unshuffle(seq, b->patches, b->pixels, b->factor)
                        : dfv_op_pixel_shuffle(seq, b->pixels, b->patches, b->factor);
}

dfv_status dfv_bench_pixel_shuffle(dfv_ctx *ctx, FILE *out)
{
    typedef struct {
        const char *name;
        dfv_bench_shape patches;
        int factor;
        bool unshuffle;
    } bench_case;
    const bench_case cases[] = {{"dit", {32, 64, 9, 16}, 2, false},
                                {"vae", {1, 1200, 18, 32}, 20, false},
                                {"unshuffle vae", {1, 1200, 18, 32}, 20, true}};
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const bench_case *k = &cases[i];
            dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
            int f = k->factor;
            dfv_bench_shape pixels = {k->patches.t, k->patches.c / (f * f), k->patches.h * f, k->patches.w * f};
            dfv_pixel_shuffle_bench b = {.patches = dfv_bench_shaped(dtype, k->patches),
                                         .pixels = dfv_bench_shaped(dtype, pixels),
                                         .factor = f,
                                         .unshuffle = k->unshuffle};
            char shape[64], variant[40];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", k->patches.t, k->patches.c, k->patches.h, k->patches.w);
            snprintf(variant, sizeof variant, "%s %s", k->name, dfv_bench_dtype_name(dtype));
            dfv_status s = dfv_bench_run(ctx, out,
                                         &(dfv_bench_spec){"pixel_shuffle", variant, shape,
                                                           dfv_pixel_shuffle_bench_record, &b,
                                                           2.0 * (double)dfv_tensor_bytes(b.patches), true,
                                                           {&b.patches, &b.pixels}});
            if (s)
                return s;
        }
    return DFV_OK;
}
