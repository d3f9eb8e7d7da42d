/* The official spatial linear attention (shaders/linear_attention.comp): one workgroup per (frame, head). */
#include <math.h>

#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_linear_attention_max_dim_head = 64 };

typedef struct {
    int32_t frames, heads, hw;
    float scale;
    int32_t qkv_texel0; /* the texel variant's element base */
} dfv_linear_attention_push;

/* Shared memory of the shader: two reduction slots per lane, k statistics and ctx. */
static size_t dfv_linear_attention_shared_bytes(uint32_t local, int dim_head)
{
    return sizeof(float) * (2 * (size_t)local + 2 * (size_t)dim_head + (size_t)dim_head * dim_head);
}

dfv_status dfv_op_linear_attention(dfv_seq *seq, dfv_tensor out, dfv_tensor qkv, int heads, int dim_head)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "linear_attention", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "linear_attention", "qkv", qkv)))
        return s;
    if (qkv.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "linear_attention: qkv and out must share one dtype");
    if (heads < 1 || dim_head < 1 || dim_head > dfv_linear_attention_max_dim_head)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "linear_attention: %d heads of dim %d unsupported (dim 1..%d)", heads,
                           dim_head, dfv_linear_attention_max_dim_head);
    const int inner = heads * dim_head;
    if (qkv.c != 3 * inner || out.t != qkv.t || out.c != inner || out.h != qkv.h || out.w != qkv.w)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT,
                           "linear_attention: qkv {%d,%d,%d,%d} and out {%d,%d,%d,%d} should have %d and %d channels",
                           qkv.t, qkv.c, qkv.h, qkv.w, out.t, out.c, out.h, out.w, 3 * inner, inner);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    uint32_t local = dfv_op_workgroup_size(ctx, 256);
    if (dfv_linear_attention_shared_bytes(local, dim_head) > caps->max_shared_memory)
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "linear_attention: dim_head %d needs %zu bytes of shared memory",
                           dim_head, dfv_linear_attention_shared_bytes(local, dim_head));
    if ((uint32_t)heads > caps->max_workgroup_count[0] || (uint32_t)qkv.t > caps->max_workgroup_count[1])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "linear_attention: %dx%d workgroups exceed the device limit",
                           heads, qkv.t);
    dfv_linear_attention_push push = {qkv.t, heads, qkv.h * qkv.w, 1.0f / sqrtf((float)dim_head), 0};
    /* The CPU path (lavapipe) shares ctx across each subgroup of 8 by shuffles (shaders/linear_attention.comp). */
    uint32_t cpu = caps->cpu_shaders && caps->subgroup_size == 8;
    if (cpu && dim_head % 8 == 0 && (uint32_t)dim_head <= local)
        cpu = 2; /* and the context step (measured at 16x384x64x64: fp32 480 -> 200 ms, fp16 240 -> 209 ms) */
    uint32_t spec[3] = {local, (uint32_t)dim_head, cpu};
    dfv_shader shader = DFV_OP_SHADER_FOR(linear_attention, out.dtype, 2, sizeof push);
    if (cpu) { /* qkv through a texel buffer */
        shader = DFV_OP_TEXEL_SHADER_FOR(linear_attention, out.dtype, 2, sizeof push, 0x1);
        push.qkv_texel0 = dfv_texel_base(qkv);
    }
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 3, &pipe)))
        return s;
    dfv_binding bindings[2] = {dfv_bind_in(qkv), dfv_bind_out(out)};
    /* ctx = k vᵀ and out = ctxᵀ q: two dim_head² products per pixel. */
    double flops = 4.0 * qkv.t * heads * (double)dim_head * dim_head * qkv.h * qkv.w;
    dfv_dispatch_info info = {"linear_attention", flops, false};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, (uint32_t)heads, (uint32_t)qkv.t, 1, &info);
}

/* ---- bench: the DMLab levels that use linear attention (64x64, 32x32, 16x16; 4 heads of 32) ------- */

typedef struct {
    dfv_tensor out, qkv;
} dfv_linear_attention_bench;

static dfv_status dfv_linear_attention_bench_record(dfv_seq *seq, void *user)
{
    dfv_linear_attention_bench *b = user;
    return dfv_op_linear_attention(seq, b->out, b->qkv, 4, 32);
}

dfv_status dfv_bench_linear_attention(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (int l = 0; l < dfv_bench_level_count - 1; l++) {
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_linear_attention_bench b = {
                .qkv = dfv_bench_shaped(dtype, (dfv_bench_shape){sh.t, 3 * 128, sh.h, sh.w}),
                .out = dfv_bench_shaped(dtype, (dfv_bench_shape){sh.t, 128, sh.h, sh.w})};
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d 4x32", sh.t, 3 * 128, sh.h, sh.w);
            dfv_status s = dfv_bench_run(ctx, out,
                                         &(dfv_bench_spec){"linear_attention", dfv_bench_dtype_name(dtype), shape,
                                                           dfv_linear_attention_bench_record, &b,
                                                           4.0 * sh.t * 4 * 32.0 * 32 * sh.h * sh.w, false,
                                                           {&b.qkv, &b.out}});
            if (s)
                return s;
        }
    }
    return DFV_OK;
}
