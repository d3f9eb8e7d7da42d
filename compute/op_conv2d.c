/* Per-frame 2D convolution (shaders/conv2d.comp): an implicit GEMM, register-blocked. */
#include "bench_ops.h"
#include "vk_op_util.h"

/* Register block per invocation; 4 x 8 was the fastest on lavapipe (more accumulators spill: 8 x 8 ran
 * 3x slower) and keeps 32 floats live on GPUs. Spec constants 1 and 2 of the shader. */
enum { dfv_conv2d_block_c = 4, dfv_conv2d_block_p = 8, dfv_conv2d_max_kernel = 7, dfv_conv2d_max_stride = 4 };

/* The CPU path of the shader (see shaders/conv2d.comp) suits lavapipe: subgroups of 8 lanes. */
static bool dfv_conv2d_cpu_path(const dfv_device_caps *caps)
{
    return caps->cpu_shaders && caps->subgroup_size == 8;
}


typedef struct {
    uint32_t channels, pixels, rows; /* output channels x (rows x pixels) per invocation */
} dfv_conv2d_blocks;

/* Blocks of the CPU path (channels x rows x columns), measured on lavapipe in ms of CPU time for 4
 * frames, fp32, 3x3 stride 1: at 64x64x48 8x1x4 68, 8x2x2 65, 16x2x2 50, 16x2x3 43, 8x4x4 40 (16x4x4 43,
 * 8x8x8 47); at 16x16x192 8x4x4 37, 16x2x4 40; at 8x8x384 8x4x4 50, 16x2x4 39 (and 16x2x4 still fills a
 * subgroup at one frame). 7x7 and stride 2 ran as fast at 16x1x2 as at anything else tried. Pointwise
 * (1 x pixels): at 64x64 48->384 16x2 114, 16x8 92, 16x16 81, 32x8 81, 48x4 91, 48x6 79 (48x8 is faster
 * still but takes 8 s to compile); at 64x64 128->48 16x2 34, 16x16 25, 48x4 21. */
static dfv_conv2d_blocks dfv_conv2d_cpu_blocks(dfv_tensor out, int k, int stride)
{
    if (k == 3 && stride == 1) {
        dfv_conv2d_blocks b = out.w >= 16 ? (dfv_conv2d_blocks){8, 4, 4} : (dfv_conv2d_blocks){16, 4, 2};
        /* Fewer tiles than the 8 lanes of a subgroup (the maze model's 4x4 level at one frame: 2 tiles)
         * leave lanes idle; 16 x 1x2 fills them (CPU time at 1x128x4x4 -> 128: 1.23 -> 0.47 ms, 256 -> 128
         * 2.35 -> 0.96 ms; at 7 frames 16 x 2x4 stays faster). */
        size_t tiles = (size_t)out.t * ((out.h + b.rows - 1) / b.rows) * ((out.w + b.pixels - 1) / b.pixels);
        return tiles < 8 ? (dfv_conv2d_blocks){16, 2, 1} : b;
    }
    if (k == 1 && stride == 1) {
        dfv_conv2d_blocks b = out.c % 32 == 0 ? (dfv_conv2d_blocks){32, 8, 1}
                              : out.c % 48 == 0 ? (dfv_conv2d_blocks){48, 4, 1}
                                                : (dfv_conv2d_blocks){16, 16, 1};
        if ((size_t)out.t * out.h * out.w < 8u * b.pixels)
            b.pixels = 2; /* small maps: keep the 8 lanes of a subgroup busy */
        return b;
    }
    return (dfv_conv2d_blocks){16, 2, 1};
}

typedef struct {
    int32_t frames, in_c, in_h, in_w;
    int32_t out_c, out_h, out_w;
    int32_t pad, has_bias, has_residual;
    int32_t in_texel0, weight_texel0, bias_texel0, residual_texel0; /* the texel variant's element bases */
} dfv_conv2d_push;

static dfv_status dfv_conv2d_check(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias,
                                   int stride, int pad)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "conv2d", "out", out)) || (s = dfv_op_check_tensor(seq, "conv2d", "in", in)) ||
        (s = dfv_op_check_tensor(seq, "conv2d", "weight", weight)) ||
        (bias && (s = dfv_op_check_tensor(seq, "conv2d", "bias", *bias))))
        return s;
    if (in.dtype != out.dtype || weight.dtype != out.dtype || (bias && bias->dtype != out.dtype))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: in, weight, bias and out must share one dtype");
    int k = weight.h;
    if (weight.w != k || k < 1 || k > dfv_conv2d_max_kernel)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: kernel %dx%d unsupported (square, 1..%d)", weight.h,
                           weight.w, dfv_conv2d_max_kernel);
    if (stride < 1 || stride > dfv_conv2d_max_stride || pad < 0 || pad >= k)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: stride %d / pad %d unsupported for kernel %d", stride, pad, k);
    if (weight.c != in.c || weight.t != out.c)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: weight {%d,%d,%d,%d} needs in.c = %d and out.c = %d, got %d and %d",
                           weight.t, weight.c, weight.h, weight.w, weight.c, weight.t, in.c, out.c);
    int oh = (in.h + 2 * pad - k) / stride + 1, ow = (in.w + 2 * pad - k) / stride + 1;
    if (in.h + 2 * pad < k || in.w + 2 * pad < k || out.t != in.t || out.h != oh || out.w != ow)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: out {%d,%d,%d,%d} should be {%d,%d,%d,%d}", out.t, out.c,
                           out.h, out.w, in.t, out.c, oh, ow);
    if (bias && (bias->t != 1 || bias->c != out.c || bias->h != 1 || bias->w != 1))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: bias {%d,%d,%d,%d} should be {1,%d,1,1}", bias->t, bias->c,
                           bias->h, bias->w, out.c);
    return DFV_OK;
}

dfv_status dfv_op_conv2d(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias,
                         int stride, int pad)
{
    return dfv_op_conv2d_add(seq, out, in, weight, bias, stride, pad, NULL);
}

dfv_status dfv_op_conv2d_add(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias,
                             int stride, int pad, const dfv_tensor *residual)
{
    dfv_status s = dfv_conv2d_check(seq, out, in, weight, bias, stride, pad);
    if (s)
        return s;
    if (residual) {
        if ((s = dfv_op_check_tensor(seq, "conv2d", "residual", *residual)) ||
            (s = dfv_op_check_same_shape(seq, "conv2d", "residual", *residual, "out", out)))
            return s;
        if (residual->dtype != out.dtype)
            return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "conv2d: residual and out must share one dtype");
    }
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    int k = weight.h;
    dfv_conv2d_push push = {in.t, in.c, in.h, in.w, out.c, out.h, out.w, pad, bias != NULL, residual != NULL};
    bool pointwise = k == 1 && stride == 1 && pad == 0;
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    bool cpu = dfv_conv2d_cpu_path(caps);
    dfv_conv2d_blocks blocks = cpu ? dfv_conv2d_cpu_blocks(out, k, stride)
                                   : (dfv_conv2d_blocks){dfv_conv2d_block_c, dfv_conv2d_block_p, 1};
    uint32_t block_c = blocks.channels, block_p = blocks.pixels, block_rows = blocks.rows;
    /* Work units: flattened pixel blocks (pointwise), row segments of block_p pixels (spatial) or
     * block_rows x block_p tiles (the CPU path's stride-1 3x3). */
    size_t units = pointwise ? ((size_t)out.t * out.h * out.w + block_p - 1) / block_p
                             : (size_t)out.t * ((out.h + block_rows - 1) / block_rows) * ((out.w + block_p - 1) / block_p);
    /* Small activations: narrower workgroups keep lanes busy (measured: 384 ch at 8x8 ran 20% faster). On
     * the CPU path one subgroup per workgroup: the size does not change the speed there, and lanes past
     * the last unit would compute for nothing. */
    uint32_t local = cpu ? caps->subgroup_size : dfv_op_workgroup_size(ctx, units >= 4096 ? 64 : 32);
    uint32_t spec[7] = {local, block_c, block_p, (uint32_t)k, (uint32_t)stride, cpu, block_rows};
    size_t gx = (units + local - 1) / local, gy = ((size_t)out.c + block_c - 1) / block_c;
    if (gx > caps->max_workgroup_count[0] || gy > caps->max_workgroup_count[1])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "conv2d: %zux%zu workgroups exceed the device limit", gx, gy);
    dfv_shader shader = DFV_OP_SHADER_FOR(conv2d, out.dtype, 5, sizeof push);
    dfv_tensor bias_t = bias ? *bias : weight, residual_t = residual ? *residual : weight;
    if (cpu) { /* inputs through texel buffers: one vector gather per load on lavapipe instead of lane by lane */
        shader = DFV_OP_TEXEL_SHADER_FOR(conv2d, out.dtype, 5, sizeof push, 0x17);
        push.in_texel0 = dfv_texel_base(in), push.weight_texel0 = dfv_texel_base(weight);
        push.bias_texel0 = dfv_texel_base(bias_t), push.residual_texel0 = dfv_texel_base(residual_t);
    }
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 7, &pipe)))
        return s;
    /* Without a bias (residual) the weight stands in for binding 2 (4); the shader never reads it. */
    dfv_binding bindings[5] = {dfv_bind_in(in), dfv_bind_in(weight), dfv_bind_in(bias_t), dfv_bind_out(out),
                               dfv_bind_in(residual_t)};
    double flops = 2.0 * (double)dfv_tensor_count(out) * in.c * k * k;
    dfv_dispatch_info info = {"conv2d", flops, false};
    return dfv_seq_dispatch(seq, pipe, bindings, 5, &push, sizeof push, (uint32_t)gx, (uint32_t)gy, 1, &info);
}

/* ---- bench ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    int t, in_c, h, w, out_c, k, stride, pad;
} dfv_conv2d_case;

/* The DMLab network's convolutions (dim 48, 64x64, window 16). */
static const dfv_conv2d_case dfv_conv2d_cases[] = {
    {"in 7x7", 16, 3, 64, 64, 48, 7, 1, 3},       {"res 3x3 L0", 16, 48, 64, 64, 48, 3, 1, 1},
    {"down 3x3/2 L0", 16, 48, 64, 64, 48, 3, 2, 1}, {"res 3x3 L1", 16, 96, 32, 32, 96, 3, 1, 1},
    {"res 3x3 L2", 16, 192, 16, 16, 192, 3, 1, 1},  {"res 3x3 L3", 16, 384, 8, 8, 384, 3, 1, 1},
    {"skip 1x1 L1", 16, 48, 32, 32, 96, 1, 1, 0},   {"out 1x1", 16, 48, 64, 64, 3, 1, 1, 0},
    /* The bundled maze model (dim 16, 32x32): one new frame after cached context, and the 7-frame context. */
    {"maze qkv 1x1 L0", 1, 16, 32, 32, 192, 1, 1, 0}, {"maze res 3x3 L0", 1, 16, 32, 32, 16, 3, 1, 1},
    {"maze out 1x1 L0", 1, 64, 32, 32, 16, 1, 1, 0},  {"maze res 3x3 L2", 1, 64, 8, 8, 64, 3, 1, 1},
    {"maze res 3x3 L3", 1, 128, 4, 4, 128, 3, 1, 1}, {"maze up 3x3 L3", 1, 256, 4, 4, 128, 3, 1, 1},
    {"maze qkv 1x1 L3", 1, 128, 4, 4, 192, 1, 1, 0}, {"maze qkv 1x1 L0", 7, 16, 32, 32, 192, 1, 1, 0},
    {"maze res 3x3 L0", 7, 16, 32, 32, 16, 3, 1, 1}, {"maze res 3x3 L3", 7, 128, 4, 4, 128, 3, 1, 1},
};

typedef struct {
    dfv_tensor out, in, weight, bias;
    int stride, pad;
} dfv_conv2d_bench;

static dfv_status dfv_conv2d_bench_record(dfv_seq *seq, void *user)
{
    dfv_conv2d_bench *b = user;
    return dfv_op_conv2d(seq, b->out, b->in, b->weight, &b->bias, b->stride, b->pad);
}

static dfv_status dfv_conv2d_bench_one(dfv_ctx *ctx, FILE *out, dfv_dtype dtype, const dfv_conv2d_case *c)
{
    int oh = (c->h + 2 * c->pad - c->k) / c->stride + 1, ow = (c->w + 2 * c->pad - c->k) / c->stride + 1;
    dfv_conv2d_bench b = {.in = dfv_bench_shaped(dtype, (dfv_bench_shape){c->t, c->in_c, c->h, c->w}),
                          .weight = dfv_bench_shaped(dtype, (dfv_bench_shape){c->out_c, c->in_c, c->k, c->k}),
                          .bias = dfv_bench_shaped(dtype, (dfv_bench_shape){1, c->out_c, 1, 1}),
                          .out = dfv_bench_shaped(dtype, (dfv_bench_shape){c->t, c->out_c, oh, ow}),
                          .stride = c->stride,
                          .pad = c->pad};
    char shape[96];
    snprintf(shape, sizeof shape, "%s %dx%dx%dx%d->%d", c->name, c->t, c->in_c, c->h, c->w, c->out_c);
    double flops = 2.0 * c->t * c->out_c * oh * ow * c->in_c * c->k * c->k;
    return dfv_bench_run(ctx, out, &(dfv_bench_spec){"conv2d", dfv_bench_dtype_name(dtype), shape,
                                                     dfv_conv2d_bench_record, &b, flops, false,
                                                     {&b.in, &b.weight, &b.bias, &b.out}});
}

dfv_status dfv_bench_conv2d(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < sizeof dfv_conv2d_cases / sizeof dfv_conv2d_cases[0]; i++) {
            dfv_status s = dfv_conv2d_bench_one(ctx, out, d ? DFV_F16 : DFV_F32, &dfv_conv2d_cases[i]);
            if (s)
                return s;
        }
    return DFV_OK;
}
