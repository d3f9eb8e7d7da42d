/* Block copy of frames × channels between tensors, with fp32 <-> fp16 conversion: channel concatenation,
 * K/V-cache appends and dtype casts. Only the byte span the block touches is bound, so the hazard
 * tracking sees e.g. an append to frames 8..15 as independent of reads of frames 0..7. */
#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_copy_per_lane = 4 }; /* DFV_PER_LANE in shaders/copy.comp */

typedef struct {
    uint32_t count, hw, c_n;
    uint32_t src_channels, src_base;
    uint32_t dst_channels, dst_base;
} dfv_copy_push;

/* The binding covering elements [first, end) of x, starting at an aligned offset; *base is `first`
 * relative to the binding. */
static dfv_binding dfv_copy_span(const dfv_ctx *ctx, dfv_tensor x, size_t first, size_t end, bool write,
                                 uint32_t *base)
{
    size_t elem = dfv_dtype_size(x.dtype), align = dfv_ctx_caps(ctx)->min_storage_buffer_offset_alignment;
    size_t start = x.offset + first * elem;
    size_t aligned = start - start % align;
    *base = (uint32_t)((start - aligned) / elem);
    return (dfv_binding){x.buf, aligned, x.offset + end * elem - aligned, write};
}

static dfv_shader dfv_copy_shader(dfv_dtype src, dfv_dtype dst)
{
    if (src == DFV_F32)
        return dst == DFV_F32 ? DFV_OP_SHADER(copy_f32, 2, sizeof(dfv_copy_push))
                              : DFV_OP_SHADER(copy_f32_to_f16, 2, sizeof(dfv_copy_push));
    return dst == DFV_F16 ? DFV_OP_SHADER(copy_f16, 2, sizeof(dfv_copy_push))
                          : DFV_OP_SHADER(copy_f16_to_f32, 2, sizeof(dfv_copy_push));
}

static dfv_status dfv_copy_check(dfv_seq *seq, dfv_tensor dst, int dst_t0, int dst_c0, dfv_tensor src, int src_t0,
                                 int src_c0, int t_n, int c_n)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "copy", "dst", dst)) || (s = dfv_op_check_tensor(seq, "copy", "src", src)))
        return s;
    if (dst.h != src.h || dst.w != src.w)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "copy: src %dx%d and dst %dx%d differ in H x W", src.h, src.w, dst.h,
                           dst.w);
    if (t_n <= 0 || c_n <= 0 || src_t0 < 0 || src_c0 < 0 || dst_t0 < 0 || dst_c0 < 0 || src_t0 + t_n > src.t ||
        src_c0 + c_n > src.c || dst_t0 + t_n > dst.t || dst_c0 + c_n > dst.c)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT,
                           "copy: block of %d frames x %d channels from (%d, %d) of {%d, %d} to (%d, %d) of {%d, %d} "
                           "is out of range",
                           t_n, c_n, src_t0, src_c0, src.t, src.c, dst_t0, dst_c0, dst.t, dst.c);
    return DFV_OK;
}

dfv_status dfv_op_copy(dfv_seq *seq, dfv_tensor dst, int dst_t0, int dst_c0, dfv_tensor src, int src_t0, int src_c0,
                       int t_n, int c_n)
{
    dfv_status s = dfv_copy_check(seq, dst, dst_t0, dst_c0, src, src_t0, src_c0, t_n, c_n);
    if (s)
        return s;
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    size_t hw = (size_t)src.h * src.w;
    dfv_copy_push push = {(uint32_t)((size_t)t_n * c_n * hw), (uint32_t)hw, (uint32_t)c_n, (uint32_t)src.c, 0,
                          (uint32_t)dst.c, 0};
    dfv_binding bindings[2] = {
        dfv_copy_span(ctx, src, ((size_t)src_t0 * src.c + src_c0) * hw,
                      ((size_t)(src_t0 + t_n - 1) * src.c + src_c0 + c_n) * hw, false, &push.src_base),
        dfv_copy_span(ctx, dst, ((size_t)dst_t0 * dst.c + dst_c0) * hw,
                      ((size_t)(dst_t0 + t_n - 1) * dst.c + dst_c0 + c_n) * hw, true, &push.dst_base),
    };
    dfv_shader shader = dfv_copy_shader(src.dtype, dst.dtype);
    /* With H·W a multiple of 4 every block starts at a multiple of 4 elements, and the aligned binding
     * start keeps the bases multiples of 4 too: whole planes can move as vec4s. */
    bool vec4_path = hw % 4 == 0 && push.src_base % 4 == 0 && push.dst_base % 4 == 0;
    uint32_t spec[2] = {dfv_op_workgroup_size(ctx, 128), vec4_path};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, src.dtype == DFV_F16 || dst.dtype == DFV_F16, spec, 2, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, vec4_path ? push.count / 4 : push.count, spec[0] * dfv_copy_per_lane, groups);
    dfv_dispatch_info info = {"copy", (double)push.count * (double)(dfv_dtype_size(src.dtype) + dfv_dtype_size(dst.dtype)),
                              true};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

typedef struct {
    dfv_tensor dst, src;
    int dst_c0;
} dfv_copy_bench;

static dfv_status dfv_copy_bench_record(dfv_seq *seq, void *user)
{
    dfv_copy_bench *c = user;
    return dfv_op_copy(seq, c->dst, 0, c->dst_c0, c->src, 0, 0, c->src.t, c->src.c);
}

/* Channel concatenation (the decoder's skip connections) into the second half of a 2C tensor, in one
 * dtype and as a conversion. */
dfv_status dfv_bench_copy(dfv_ctx *ctx, FILE *out)
{
    const dfv_dtype pairs[4][2] = {{DFV_F32, DFV_F32}, {DFV_F16, DFV_F16}, {DFV_F32, DFV_F16}, {DFV_F16, DFV_F32}};
    const char *names[4] = {"f32", "f16", "f32->f16", "f16->f32"};
    for (int p = 0; p < 4; p++)
        for (int l = 0; l < dfv_bench_level_count; l++) {
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_bench_shape cat = {sh.t, 2 * sh.c, sh.h, sh.w};
            dfv_copy_bench c = {.dst = dfv_bench_shaped(pairs[p][1], cat), .src = dfv_bench_shaped(pairs[p][0], sh),
                                .dst_c0 = sh.c};
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
            double bytes = (double)dfv_tensor_count(c.src) *
                           (double)(dfv_dtype_size(pairs[p][0]) + dfv_dtype_size(pairs[p][1]));
            dfv_status s = dfv_bench_run(ctx, out, &(dfv_bench_spec){"copy", names[p], shape, dfv_copy_bench_record,
                                                                     &c, bytes, true, {&c.src, &c.dst}});
            if (s)
                return s;
        }
    return DFV_OK;
}
