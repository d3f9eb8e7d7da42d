/* Elementwise a + b (residual connections). */
#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_add_per_lane = 4 }; /* DFV_PER_LANE in shaders/add.comp */

typedef struct {
    uint32_t count;
    uint32_t channels, hw, gate_width, gate0;
} dfv_add_push;

static dfv_status dfv_add_check(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b, const dfv_tensor *gate,
                                int gate_channel0)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "add", "out", out)) || (s = dfv_op_check_tensor(seq, "add", "a", a)) ||
        (s = dfv_op_check_tensor(seq, "add", "b", b)) || (s = dfv_op_check_same_shape(seq, "add", "out", out, "a", a)) ||
        (s = dfv_op_check_same_shape(seq, "add", "out", out, "b", b)) ||
        (gate && (s = dfv_op_check_tensor(seq, "add", "gate", *gate))))
        return s;
    if (a.dtype != out.dtype || b.dtype != out.dtype || (gate && gate->dtype != out.dtype))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "add: a, b%s and out must share one dtype", gate ? ", gate" : "");
    if (gate && (gate->t != out.t || gate->c != 1 || gate->h != 1 || gate_channel0 < 0 || gate_channel0 + out.c > gate->w))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "add: gate {%d,%d,%d,%d} should be {%d,1,1,M} holding %d gates from "
                           "channel %d", gate->t, gate->c, gate->h, gate->w, out.t, out.c, gate_channel0);
    return DFV_OK;
}

static dfv_status dfv_add_record(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b, const dfv_tensor *gate,
                                 int gate_channel0)
{
    dfv_status s = dfv_add_check(seq, out, a, b, gate, gate_channel0);
    if (s)
        return s;
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_add_push push = {(uint32_t)dfv_tensor_count(out), (uint32_t)out.c, (uint32_t)(out.h * out.w),
                         gate ? (uint32_t)gate->w : 0, (uint32_t)gate_channel0};
    dfv_shader shader = DFV_OP_SHADER_FOR(add, out.dtype, 4, sizeof push);
    /* vec4 items whenever the count allows (and, gated, when each item stays within one channel plane);
     * bindings start 16-byte aligned, so the vec4 view is too. */
    bool vec4_path = push.count % 4 == 0 && (!gate || push.hw % 4 == 0);
    uint32_t spec[3] = {dfv_op_workgroup_size(ctx, 128), vec4_path, gate != NULL};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 3, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, vec4_path ? push.count / 4 : push.count, spec[0] * dfv_add_per_lane, groups);
    /* Without a gate, a stands in for binding 3 (never read). */
    dfv_binding bindings[4] = {dfv_bind_in(a), dfv_bind_in(b), dfv_bind_out(out), dfv_bind_in(gate ? *gate : a)};
    dfv_dispatch_info info = {gate ? "add_gated" : "add", 3.0 * (double)dfv_tensor_bytes(out), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 4, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

dfv_status dfv_op_add(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b)
{
    return dfv_add_record(seq, out, a, b, NULL, 0);
}

dfv_status dfv_op_add_gated(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b, dfv_tensor gate, int gate_channel0)
{
    return dfv_add_record(seq, out, a, b, &gate, gate_channel0);
}

typedef struct {
    dfv_tensor out, a, b, gate;
} dfv_add_bench;

static dfv_status dfv_add_bench_record(dfv_seq *seq, void *user)
{
    dfv_add_bench *c = user;
    return c->gate.buf ? dfv_op_add_gated(seq, c->out, c->out, c->b, c->gate, 2048) : dfv_op_add(seq, c->out, c->a, c->b);
}

/* Oasis-500M's gated residual: 32 frames of 1024 x 9x16 tokens, the gate chunk of a {32,1,1,6144} tensor. */
static dfv_status dfv_bench_add_gated(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        dfv_bench_shape sh = {32, 1024, 9, 16};
        dfv_add_bench c = {.b = dfv_bench_shaped(dtype, sh), .out = dfv_bench_shaped(dtype, sh),
                           .gate = dfv_bench_shaped(dtype, (dfv_bench_shape){32, 1, 1, 6144})};
        char variant[32];
        snprintf(variant, sizeof variant, "gated %s", dfv_bench_dtype_name(dtype));
        dfv_status s = dfv_bench_run(ctx, out,
                                     &(dfv_bench_spec){"add", variant, "32x1024x9x16", dfv_add_bench_record, &c,
                                                       3.0 * (double)dfv_tensor_bytes(c.out), true,
                                                       {&c.b, &c.out, &c.gate}});
        if (s)
            return s;
    }
    return DFV_OK;
}

dfv_status dfv_bench_add(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (int l = 0; l < dfv_bench_level_count; l++) {
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_tensor x = dfv_bench_shaped(dtype, sh);
            dfv_add_bench c = {.a = x, .b = x, .out = x};
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
            dfv_status s = dfv_bench_run(ctx, out,
                                         &(dfv_bench_spec){"add", dfv_bench_dtype_name(dtype), shape,
                                                           dfv_add_bench_record, &c,
                                                           3.0 * (double)dfv_tensor_bytes(c.out), true,
                                                           {&c.a, &c.b, &c.out}});
            if (s)
                return s;
        }
    }
    return dfv_bench_add_gated(ctx, out);
}
