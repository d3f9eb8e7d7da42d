/* The sinusoidal noise-level embedding [cos(t·f), sin(t·f)] per frame. */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    uint32_t count, dim;
} dfv_embedding_push;

dfv_status dfv_op_timestep_embedding(dfv_seq *seq, dfv_tensor out, dfv_tensor timesteps)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "timestep_embedding", "out", out)) ||
        (s = dfv_op_check_tensor(seq, "timestep_embedding", "timesteps", timesteps)))
        return s;
    if (timesteps.dtype != DFV_F32 || timesteps.c != 1 || timesteps.h != 1 || timesteps.w != 1)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "timestep_embedding: timesteps must be fp32 {T, 1, 1, 1}");
    if (out.t != timesteps.t || out.c != 1 || out.h != 1 || out.w < 2 || out.w % 2)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT,
                           "timestep_embedding: out {%d, %d, %d, %d} must be {%d, 1, 1, dim} with an even dim", out.t,
                           out.c, out.h, out.w, timesteps.t);
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    dfv_embedding_push push = {(uint32_t)dfv_tensor_count(out), (uint32_t)out.w};
    dfv_shader shader = DFV_OP_SHADER_FOR(timestep_embedding, out.dtype, 2, sizeof push);
    uint32_t local = dfv_op_workgroup_size(ctx, 64);
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, &local, 1, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, push.count, local, groups);
    dfv_binding bindings[2] = {dfv_bind_in(timesteps), dfv_bind_out(out)};
    dfv_dispatch_info info = {"timestep_embedding", (double)(dfv_tensor_bytes(timesteps) + dfv_tensor_bytes(out)),
                              true};
    return dfv_seq_dispatch(seq, pipe, bindings, 2, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

typedef struct {
    dfv_tensor out, timesteps;
} dfv_embedding_bench;

static dfv_status dfv_embedding_bench_record(dfv_seq *seq, void *user)
{
    dfv_embedding_bench *c = user;
    return dfv_op_timestep_embedding(seq, c->out, c->timesteps);
}

dfv_status dfv_bench_timestep_embedding(dfv_ctx *ctx, FILE *out)
{
    /* One embedding per frame of the window, dim = the network's base width. */
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        dfv_embedding_bench c = {.timesteps = dfv_bench_shaped(DFV_F32, (dfv_bench_shape){16, 1, 1, 1}),
                                 .out = dfv_bench_shaped(dtype, (dfv_bench_shape){16, 1, 1, 48})};
        dfv_status s = dfv_bench_run(ctx, out,
                                     &(dfv_bench_spec){"timestep_embedding", dfv_bench_dtype_name(dtype), "16x48",
                                                       dfv_embedding_bench_record, &c,
                                                       (double)(dfv_tensor_bytes(c.timesteps) + dfv_tensor_bytes(c.out)),
                                                       true, {&c.timesteps, &c.out}});
        if (s)
            return s;
    }
    return DFV_OK;
}
