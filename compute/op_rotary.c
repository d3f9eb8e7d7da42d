/* Rotary position embedding from a cos/sin table (shaders/rotary.comp): the DiT's 2-D axial spatial and
 * 1-D temporal rotary and the ViT-VAE's half-head axial rotary, whatever frequencies the model stores. */
#include "bench_ops.h"
#include "vk_op_util.h"

typedef struct {
    uint32_t count, channels, hw, heads, half_dim, channel0, pairs, temporal, pos0;
} dfv_rotary_push;

static dfv_status dfv_rotary_check(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor table,
                                   const dfv_rotary_desc *d)
{
    dfv_status s;
    if ((s = dfv_op_check_tensor(seq, "rotary", "out", out)) || (s = dfv_op_check_tensor(seq, "rotary", "in", in)) ||
        (s = dfv_op_check_tensor(seq, "rotary", "table", table)) ||
        (s = dfv_op_check_same_shape(seq, "rotary", "out", out, "in", in)))
        return s;
    if (in.dtype != out.dtype || table.dtype != DFV_F32)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "rotary: in and out share one dtype; the table is fp32");
    if (d->heads < 1 || d->dim_head < 2 || d->dim_head % 2 != 0 || d->channel0 < 0 ||
        d->channel0 + d->heads * d->dim_head > in.c)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "rotary: %d heads of dim %d from channel %d do not fit %d channels "
                           "(dim even, >= 2)", d->heads, d->dim_head, d->channel0, in.c);
    if (table.t != 1 || table.h != 2 || table.w < 1 || table.w > d->dim_head / 2)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "rotary: table {%d,%d,%d,%d} should be {1, positions, 2, pairs <= %d}",
                           table.t, table.c, table.h, table.w, d->dim_head / 2);
    if (!d->temporal && (d->pos0 != 0 || table.c != in.h * in.w))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "rotary: spatial needs one table row per pixel (%d rows, %d pixels) "
                           "and pos0 0", table.c, in.h * in.w);
    if (d->temporal && (d->pos0 < 0 || d->pos0 + in.t > table.c))
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "rotary: frames at %d..%d exceed the table's %d positions", d->pos0,
                           d->pos0 + in.t - 1, table.c);
    return DFV_OK;
}

dfv_status dfv_op_rotary(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor table, const dfv_rotary_desc *desc)
{
    if (!desc)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "rotary: no descriptor");
    dfv_status s = dfv_rotary_check(seq, out, in, table, desc);
    if (s)
        return s;
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    size_t count = (size_t)in.t * desc->heads * (desc->dim_head / 2) * in.h * in.w;
    if (count > UINT32_MAX)
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "rotary: %zu pairs exceed 32-bit indexing", count);
    dfv_rotary_push push = {(uint32_t)count,          (uint32_t)in.c,          (uint32_t)(in.h * in.w),
                            (uint32_t)desc->heads,    (uint32_t)(desc->dim_head / 2), (uint32_t)desc->channel0,
                            (uint32_t)table.w,        desc->temporal,          (uint32_t)desc->pos0};
    dfv_shader shader = DFV_OP_SHADER_FOR(rotary, out.dtype, 3, sizeof push);
    uint32_t spec[1] = {dfv_op_workgroup_size(ctx, 128)};
    dfv_pipeline *pipe;
    if ((s = dfv_op_pipeline(seq, &shader, out.dtype == DFV_F16, spec, 1, &pipe)))
        return s;
    uint32_t groups[3];
    dfv_op_grid(ctx, count, spec[0], groups);
    dfv_binding bindings[3] = {dfv_bind_in(in), dfv_bind_in(table), dfv_bind_out(out)};
    dfv_dispatch_info info = {"rotary", 4.0 * (double)count * dfv_dtype_size(in.dtype), true};
    return dfv_seq_dispatch(seq, pipe, bindings, 3, &push, sizeof push, groups[0], groups[1], groups[2], &info);
}

/* ---- bench: q and k of Oasis-500M's DiT (16 heads of 64, 9x16 tokens, 32 frames) and its VAE ---------- */

typedef struct {
    dfv_tensor qkv, table;
    dfv_rotary_desc desc;
} dfv_rotary_bench;

static dfv_status dfv_rotary_bench_record(dfv_seq *seq, void *user)
{
    dfv_rotary_bench *b = user;
    return dfv_op_rotary(seq, b->qkv, b->qkv, b->table, &b->desc);
}

dfv_status dfv_bench_rotary(dfv_ctx *ctx, FILE *out)
{
    typedef struct {
        const char *name;
        dfv_bench_shape qkv;
        int pairs;
        bool temporal;
    } bench_case;
    const bench_case cases[] = {
        {"dit spatial", {32, 3072, 9, 16}, 32, false},
        {"dit temporal", {32, 3072, 9, 16}, 32, true},
        {"vae", {1, 3072, 18, 32}, 16, false},
    };
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const bench_case *k = &cases[i];
            dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
            int positions = k->temporal ? k->qkv.t : k->qkv.h * k->qkv.w;
            dfv_rotary_bench b = {.qkv = dfv_bench_shaped(dtype, k->qkv),
                                  .table = dfv_bench_shaped(DFV_F32, (dfv_bench_shape){1, positions, 2, k->pairs}),
                                  .desc = {32, 64, 0, k->temporal, 0}};
            char shape[64], variant[48];
            snprintf(shape, sizeof shape, "%dx%dx%dx%d", k->qkv.t, k->qkv.c, k->qkv.h, k->qkv.w);
            snprintf(variant, sizeof variant, "%s %s", k->name, dfv_bench_dtype_name(dtype));
            double bytes = 4.0 * (double)k->qkv.t * 32 * 32 * k->qkv.h * k->qkv.w * dfv_dtype_size(dtype);
            dfv_status s = dfv_bench_run(ctx, out, &(dfv_bench_spec){"rotary", variant, shape, dfv_rotary_bench_record,
                                                                     &b, bytes, true, {&b.qkv, &b.table}});
            if (s)
                return s;
        }
    return DFV_OK;
}
