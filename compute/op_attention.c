/* Softmax attention over the pixels of a frame (spatial) or the frames at a pixel (temporal), with an
 * optional causal mask, interleaved rotary and a K/V source longer than the queries (shaders/attention.comp). */
#include <math.h>

#include "bench_ops.h"
#include "vk_op_util.h"

/* q and the output accumulator live in registers sized by dim_head (a spec constant); keys stream
 * through an online softmax in blocks of this many. */
enum { dfv_attention_max_dim_head = 128, dfv_attention_key_block = 8, dfv_attention_max_query_block = 16 };

/* lavapipe ends every loop of an invocation once 65535 iterations of all its loops have run, silently
 * (see the loop-trip note in shaders/attention.comp). Shapes whose loops could run longer are refused on
 * every device, so the op means the same everywhere. */
enum { dfv_attention_max_loop_trips = 65535 };

/* An upper bound on the loop trips of one invocation, mirroring shaders/attention.comp. A loop of n
 * iterations costs n + 1 trips (the last finds its condition false), and one behind a branch not taken
 * still costs 1 (lavapipe runs both sides of a branch under a lane mask); a loop over a head's channels
 * (or rotary pairs) is counted one iteration per channel (fewer where they are unrolled: short loops by the
 * compiler, all of them on GPUs). Checked at the edge by test_attention (2000 keys of 128): on lavapipe
 * the shader ran 3 trips more than this counts without the slack. */
enum { dfv_attention_loop_slack = 16 };
static double dfv_attention_loop_trips(int keys, int dim_head, bool rotary, bool blocked, uint32_t query_block)
{
    const double dim = dim_head, pairs = dim_head / 2;
    const double rotation = rotary ? pairs + 1 : 1; /* a loop over the pairs behind `if (pc.rotary != 0)` */
    double trips;
    if (blocked) { /* attend_query_block */
        const double qb = query_block;
        const double per_key = (dim + 1) + rotation + (qb + 1) + qb * (2 * dim + 2); /* k/v, rotation, queries */
        const double setup = (qb + 1) + qb * (2 * dim + 2 + rotation) + pairs + 1;  /* q, key rotation */
        const double output = (qb + 1) + qb * (dim + 1);
        trips = setup + (keys + 1) + keys * per_key + output;
    } else {
        /* attend_one_query: per block of keys the block loop, the dot products (by pairs with rotary, else
         * by channels; the other loop skipped) and the weighted sum of the values; once q, its rotation,
         * scale and accumulator, the output */
        const double blocks = ceil((double)keys / dfv_attention_key_block);
        const double per_block = 1 + (rotary ? pairs + 1 : dim + 1) + 1 + (dim + 1);
        trips = (dim + 1) + rotation + (dim + 1) + 1 + blocks * per_block + (dim + 1);
    }
    return trips + dfv_attention_loop_slack;
}

/* The most keys per query within the loop budget (for the error message). */
static int dfv_attention_max_keys(int dim_head, bool rotary, bool blocked, uint32_t query_block)
{
    int keys = 0;
    for (int step = 1 << 20; step > 0; step /= 2)
        if (dfv_attention_loop_trips(keys + step, dim_head, rotary, blocked, query_block) <= dfv_attention_max_loop_trips)
            keys += step;
    return keys;
}

typedef struct {
    int32_t seq_count, q_count, k_count, lanes_are_sequences;
    int32_t q_tok_stride, q_seq_stride, kv_tok_stride, kv_seq_stride;
    int32_t out_tok_stride, out_seq_stride, chan_stride, heads;
    int32_t q_c0, k_c0, v_c0, q_pos0;
    int32_t causal, rotary;
    float scale;
    int32_t q_texel0, kv_texel0; /* the texel variant's element bases */
} dfv_attention_push;

static dfv_status dfv_attention_check(dfv_seq *seq, dfv_tensor out, dfv_tensor q, dfv_tensor kv,
                                      const dfv_attention_desc *d)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "attention", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "attention", "q_src", q)) ||
        (s = dfv_op_check_tensor(seq, "attention", "kv_src", kv)))
        return s;
    if (q.dtype != out.dtype || kv.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: out, q_src and kv_src must share one dtype");
    if (d->heads < 1 || d->dim_head < 1 || d->dim_head > dfv_attention_max_dim_head)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: %d heads of dim %d unsupported (dim 1..%d)", d->heads,
                           d->dim_head, dfv_attention_max_dim_head);
    if ((d->causal || d->rotary || d->q_pos0 != 0) && !d->temporal)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: causal, rotary and q_pos0 are temporal-only");
    if (d->rotary && d->dim_head % 2 != 0)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: rotary needs an even dim_head, got %d", d->dim_head);
    if (d->rotary && (!d->rotary_freqs.buf || d->rotary_freqs.dtype != DFV_F32 ||
                      dfv_tensor_count(d->rotary_freqs) != (size_t)d->dim_head / 2))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: rotary needs %d fp32 frequencies", d->dim_head / 2);
    const int inner = d->heads * d->dim_head;
    if (d->q_channel0 < 0 || d->q_channel0 + inner > q.c || d->k_channel0 < 0 || d->k_channel0 + inner > kv.c ||
        d->v_channel0 < 0 || d->v_channel0 + inner > kv.c)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT,
                           "attention: q at channel %d, k at %d, v at %d (%d wide) exceed q_src %d / kv_src %d channels",
                           d->q_channel0, d->k_channel0, d->v_channel0, inner, q.c, kv.c);
    if (q.h != kv.h || q.w != kv.w || out.h != q.h || out.w != q.w || out.t != q.t || out.c != inner)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT,
                           "attention: out {%d,%d,%d,%d} should be {%d,%d,%d,%d}, kv_src %dx%d like q_src %dx%d",
                           out.t, out.c, out.h, out.w, q.t, inner, q.h, q.w, kv.h, kv.w, q.h, q.w);
    if (!d->temporal && kv.t != q.t)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: spatial needs as many K/V frames as query frames (%d, %d)",
                           kv.t, q.t);
    if (d->temporal && (d->q_pos0 < 0 || (d->causal && d->q_pos0 + q.t > kv.t)))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: query frames at %d..%d do not lie within %d key frames",
                           d->q_pos0, d->q_pos0 + q.t - 1, kv.t);
    return DFV_OK;
}

/* Multiply-adds actually done: q·k and p·v per visible key. */
static double dfv_attention_flops(dfv_tensor q, dfv_tensor kv, const dfv_attention_desc *d)
{
    double hw = (double)q.h * q.w, keys = 0;
    if (!d->temporal)
        keys = hw * hw * q.t;
    else
        for (int i = 0; i < q.t; i++)
            keys += hw * (d->causal ? fmin(kv.t, d->q_pos0 + i + 1) : kv.t);
    return 4.0 * keys * d->heads * d->dim_head;
}

dfv_status dfv_op_attention(dfv_seq *seq, dfv_tensor out, dfv_tensor q_src, dfv_tensor kv_src,
                            const dfv_attention_desc *desc)
{
    if (!desc)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "attention: no descriptor");
    dfv_status s = dfv_attention_check(seq, out, q_src, kv_src, desc);
    if (s)
        return s;
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    const int hw = q_src.h * q_src.w, inner = desc->heads * desc->dim_head;
    const bool t = desc->temporal;
    /* Temporal: a sequence is a pixel (lanes), tokens are frames. Spatial: a sequence is a frame, tokens
     * are its pixels (lanes). Either way neighbouring lanes read neighbouring addresses. */
    dfv_attention_push push = {
        .seq_count = t ? hw : q_src.t,
        .q_count = t ? q_src.t : hw,
        .k_count = t ? kv_src.t : hw,
        .lanes_are_sequences = t,
        .q_tok_stride = t ? q_src.c * hw : 1,
        .q_seq_stride = t ? 1 : q_src.c * hw,
        .kv_tok_stride = t ? kv_src.c * hw : 1,
        .kv_seq_stride = t ? 1 : kv_src.c * hw,
        .out_tok_stride = t ? inner * hw : 1,
        .out_seq_stride = t ? 1 : inner * hw,
        .chan_stride = hw,
        .heads = desc->heads,
        .q_c0 = desc->q_channel0,
        .k_c0 = desc->k_channel0,
        .v_c0 = desc->v_channel0,
        .q_pos0 = desc->q_pos0,
        .causal = desc->causal,
        .rotary = desc->rotary,
        .scale = 1.0f / sqrtf((float)desc->dim_head),
        .q_texel0 = dfv_texel_base(q_src),
        .kv_texel0 = dfv_texel_base(kv_src),
    };
    uint32_t local = dfv_op_workgroup_size(ctx, 64);
    const dfv_device_caps *caps = dfv_ctx_caps(ctx);
    /* On CPUs every loaded element is expensive: temporal attention reads each key once per block of
     * queries (shaders/attention.comp, attend_query_block). Measured on lavapipe, 16 queries at 64x64 fp32:
     * one per invocation 800 ms wall, blocks of 2 / 4 / 8: 304 / 144 / 106 ms; later in CPU time blocks of
     * 4 / 8 / 16: 385 / 255 / 194 ms (the spilled registers cost less than reading the keys twice). */
    bool blocked = t && caps->cpu_shaders;
    uint32_t query_block = 1;
    while (blocked && query_block < dfv_attention_max_query_block && (int)query_block < q_src.t &&
           dfv_attention_loop_trips(kv_src.t, desc->dim_head, desc->rotary, true, 2 * query_block) <=
               dfv_attention_max_loop_trips) /* wide heads over many frames: smaller blocks (loop budget) */
        query_block *= 2;
    size_t gx = ((size_t)hw + local - 1) / local, gy = ((size_t)q_src.t + query_block - 1) / query_block;
    if (gx > caps->max_workgroup_count[0] || gy > caps->max_workgroup_count[1] ||
        (uint32_t)desc->heads > caps->max_workgroup_count[2])
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "attention: %zux%zux%d workgroups exceed the device limit", gx, gy,
                           desc->heads);
    const int keys = t ? kv_src.t : hw;
    if (dfv_attention_loop_trips(keys, desc->dim_head, desc->rotary, blocked, query_block) > dfv_attention_max_loop_trips)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT,
                           "attention: %d keys per query exceed the %d that one invocation may loop over "
                           "(lavapipe's loop limit)",
                           keys, dfv_attention_max_keys(desc->dim_head, desc->rotary, blocked, query_block));
    /* GPUs unroll the per-query path's channel loops (registers for q and the accumulator); on CPU devices,
     * whichever shader family runs, they stay loops: unrolled, wide heads compile for minutes on lavapipe. */
    const uint32_t unroll_channels = caps->type != VK_PHYSICAL_DEVICE_TYPE_CPU;
    uint32_t spec[6] = {local, (uint32_t)desc->dim_head, dfv_attention_key_block, query_block, blocked, unroll_channels};
    dfv_shader shader = DFV_OP_SHADER_FOR(attention, out.dtype, 4, sizeof push);
    if (caps->cpu_shaders) /* q and k/v as texel buffers: a load is one vector gather on lavapipe */
        shader = DFV_OP_TEXEL_SHADER_FOR(attention, out.dtype, 4, sizeof push, 0x3);
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 6, &pipe)))
        return s;
    /* Without rotary the frequency binding is never read; any valid buffer fills it. */
    dfv_binding freqs = desc->rotary ? dfv_bind_in(desc->rotary_freqs) : dfv_bind_in(q_src);
    dfv_binding bindings[4] = {dfv_bind_in(q_src), dfv_bind_in(kv_src), dfv_bind_out(out), freqs};
    dfv_dispatch_info info = {t ? "attention temporal" : "attention spatial",
                              dfv_attention_flops(q_src, kv_src, desc), false};
    return dfv_seq_dispatch(seq, pipe, bindings, 4, &push, sizeof push, (uint32_t)gx, (uint32_t)gy,
                            (uint32_t)desc->heads, &info);
}

/* ---- bench: DMLab attention (4 heads of 32): temporal at every level (window 16, and one new frame
 * against a 16-frame cache), spatial full attention at 8x8 ------------------------------------------ */

typedef struct {
    dfv_tensor out, q, kv;
    dfv_attention_desc desc;
} dfv_attention_bench;

static dfv_status dfv_attention_bench_record(dfv_seq *seq, void *user)
{
    dfv_attention_bench *b = user;
    return dfv_op_attention(seq, b->out, b->q, b->kv, &b->desc);
}

static dfv_status dfv_attention_bench_one(dfv_ctx *ctx, FILE *out, dfv_dtype dtype, dfv_bench_shape sh, bool temporal,
                                          int tq)
{
    const int heads = 4, dim_head = 32, inner = heads * dim_head;
    dfv_attention_bench b = {.out = dfv_bench_shaped(dtype, (dfv_bench_shape){tq, inner, sh.h, sh.w}),
                             .q = dfv_bench_shaped(dtype, (dfv_bench_shape){tq, 3 * inner, sh.h, sh.w}),
                             .kv = dfv_bench_shaped(dtype, (dfv_bench_shape){sh.t, 3 * inner, sh.h, sh.w}),
                             .desc = {heads, dim_head, temporal, temporal, temporal, temporal ? sh.t - tq : 0, 0,
                                      inner, 2 * inner}};
    b.desc.rotary_freqs = dfv_bench_shaped(DFV_F32, (dfv_bench_shape){1, dim_head / 2, 1, 1});
    char shape[96];
    snprintf(shape, sizeof shape, "%s %d of %d frames %dx%d", temporal ? "temporal" : "spatial", tq, sh.t, sh.h, sh.w);
    return dfv_bench_run(ctx, out, &(dfv_bench_spec){"attention", dfv_bench_dtype_name(dtype), shape,
                                                     dfv_attention_bench_record, &b,
                                                     dfv_attention_flops(b.q, b.kv, &b.desc), false,
                                                     {&b.kv, &b.q, &b.out, &b.desc.rotary_freqs}});
}

dfv_status dfv_bench_attention(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (int l = 0; l <= dfv_bench_level_count; l++) {
            bool spatial = l == dfv_bench_level_count;
            dfv_bench_shape sh = dfv_bench_dmlab_levels[spatial ? dfv_bench_level_count - 1 : l];
            for (int cached = 0; cached < (spatial ? 1 : 2); cached++) {
                dfv_status s = dfv_attention_bench_one(ctx, out, dtype, sh, !spatial, cached ? 1 : sh.t);
                if (s)
                    return s;
            }
        }
    }
    return DFV_OK;
}
