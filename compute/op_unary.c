/* Elementwise SiLU, GELU or GELU's tanh form. */
#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_unary_per_lane = 4 }; /* DFV_PER_LANE in shaders/unary.comp */

typedef struct {
    uint32_t count;
} dfv_unary_push;

dfv_status dfv_op_unary(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_unary fn)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "unary", "out", out)) || (s = dfv_op_check_tensor(seq, "unary", "in", in)) ||
        (s = dfv_op_check_same_shape(seq, "unary", "out", out, "in", in)))
        return s;
    if (in.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "unary: in and out must share one dtype");
    if (fn != DFV_UNARY_SILU && fn != DFV_UNARY_GELU && fn != DFV_UNARY_GELU_TANH)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "unary: unknown function %d", (int)fn);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_unary_push push = {(uint32_t)dfv_tensor_count(out)};
    dfv_shader shader = DFV_OP_SHADER_FOR(unary, out.dtype, 2, sizeof push);
    bool vec4_path = push.count % 4 == 0; /* see op_add.c */
    uint32_t spec[3] = {dfv_op_workgroup_size(ctx, 128), (uint32_t)fn, vec4_path}; /* fn: unary.comp's DFV_UNARY_* */
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 3, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, vec4_path ? push.count / 4 : push.count, spec[0] * dfv_unary_per_lane, groups);
    dfv_binding bindings[2] = {dfv_bind_in(in), dfv_bind_out(out)};
    static const char *const names[] = {"silu", "gelu", "gelu_tanh"};
    dfv_dispatch_info info = {names[fn], 2.0 * (double)dfv_tensor_bytes(out), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

typedef struct {
    dfv_tensor out, in;
    dfv_unary fn;
} dfv_unary_bench;

static dfv_status dfv_unary_bench_record(dfv_seq *seq, void *user)
{
    dfv_unary_bench *c = user;
    return dfv_op_unary(seq, c->out, c->in, c->fn);
}

dfv_status dfv_bench_unary(dfv_ctx *ctx, FILE *out)
{
    static const char *const names[] = {"silu", "gelu", "gelu_tanh"};
    for (int f = 0; f < 3; f++)
        for (int d = 0; d < 2; d++)
            for (int l = 0; l < dfv_bench_level_count; l++) {
                dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
                dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
                dfv_unary_bench c = {.in = dfv_bench_shaped(dtype, sh), .out = dfv_bench_shaped(dtype, sh),
                                     .fn = (dfv_unary)f};
                char shape[64], variant[32];
                snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
                snprintf(variant, sizeof variant, "%s %s", names[f], dfv_bench_dtype_name(dtype));
                dfv_status s = dfv_bench_run(ctx, out,
                                             &(dfv_bench_spec){"unary", variant, shape, dfv_unary_bench_record, &c,
                                                               2.0 * (double)dfv_tensor_bytes(c.out), true,
                                                               {&c.in, &c.out}});
                if (s)
                    return s;
            }
    return DFV_OK;
}
