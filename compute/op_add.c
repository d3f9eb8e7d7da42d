/* Elementwise a + b (residual connections). */
#include "bench_ops.h"
#include "vk_op_util.h"

enum { dfv_add_per_lane = 4 }; /* DFV_PER_LANE in shaders/add.comp */

typedef struct {
    uint32_t count;
} dfv_add_push;

dfv_status dfv_op_add(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "add", "out", out)) || (s = dfv_op_check_tensor(seq, "add", "a", a)) ||
        (s = dfv_op_check_tensor(seq, "add", "b", b)) || (s = dfv_op_check_same_shape(seq, "add", "out", out, "a", a)) ||
        (s = dfv_op_check_same_shape(seq, "add", "out", out, "b", b)))
        return s;
    if (a.dtype != out.dtype || b.dtype != out.dtype)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "add: a, b and out must share one dtype");
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_add_push push = {(uint32_t)dfv_tensor_count(out)};
    dfv_shader shader = DFV_OP_SHADER_FOR(add, out.dtype, 3, sizeof push);
    /* vec4 items whenever the count allows; bindings start 16-byte aligned, so the vec4 view is too. */
    bool vec4_path = push.count % 4 == 0;
    uint32_t spec[2] = {dfv_op_workgroup_size(ctx, 128), vec4_path};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 2, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, vec4_path ? push.count / 4 : push.count, spec[0] * dfv_add_per_lane, groups);
    dfv_binding bindings[3] = {dfv_bind_in(a), dfv_bind_in(b), dfv_bind_out(out)};
    dfv_dispatch_info info = {"add", 3.0 * (double)dfv_tensor_bytes(out), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 3, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

typedef struct {
    dfv_tensor out, a, b;
} dfv_add_bench;

static dfv_status dfv_add_bench_record(dfv_seq *seq, void *user)
{
    dfv_add_bench *c = user;
    return dfv_op_add(seq, c->out, c->a, c->b);
}

dfv_status dfv_bench_add(dfv_ctx *ctx, FILE *out)
{
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        for (int l = 0; l < dfv_bench_level_count; l++) {
            dfv_bench_shape sh = dfv_bench_dmlab_levels[l];
            dfv_add_bench c = {0};
            dfv_status s = dfv_bench_tensor(ctx, dtype, sh, &c.a);
            if (!s)
                s = dfv_bench_tensor(ctx, dtype, sh, &c.b);
            if (!s)
                s = dfv_bench_tensor(ctx, dtype, sh, &c.out);
            char shape[64];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", sh.t, sh.c, sh.h, sh.w);
            if (!s)
                s = dfv_bench_case(ctx, out, "add", dfv_bench_dtype_name(dtype), shape, dfv_add_bench_record, &c,
                                   3.0 * (double)dfv_tensor_bytes(c.out), true);
            dfv_bench_tensor_free(ctx, &c.a);
            dfv_bench_tensor_free(ctx, &c.b);
            dfv_bench_tensor_free(ctx, &c.out);
            if (s && s != DFV_ERR_UNSUPPORTED)
                return s;
        }
    }
    return DFV_OK;
}
