/* Shared checks and grid arithmetic for the ops. */
#include <stdarg.h>
#include <string.h>

#include "vk_internal.h"
#include "vk_op_util.h"

dfv_status dfv_op_fail_at(dfv_seq *seq, dfv_status status, const char *file, int line, const char *fmt, ...)
{
    char message[DFV_ERR_LEN];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    return dfv_fail_at(dfv_seq_ctx(seq)->error, status, file, line, "%s", message);
}

dfv_status dfv_op_check_tensor(dfv_seq *seq, const char *op, const char *name, dfv_tensor x)
{
    const dfv_ctx *ctx = dfv_seq_ctx(seq);
    if (!x.buf)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: tensor %s has no buffer", op, name);
    if (x.t <= 0 || x.c <= 0 || x.h <= 0 || x.w <= 0)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: tensor %s has shape {%d, %d, %d, %d}", op, name, x.t, x.c, x.h,
                           x.w);
    if (x.dtype != DFV_F32 && x.dtype != DFV_F16)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: tensor %s has unknown dtype %d", op, name, (int)x.dtype);
    if (x.offset % ctx->caps.min_storage_buffer_offset_alignment)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: tensor %s offset %zu is not a multiple of %u", op, name,
                           x.offset, ctx->caps.min_storage_buffer_offset_alignment);
    size_t bytes = dfv_tensor_bytes(x);
    if (x.offset > x.buf->size || bytes > x.buf->size - x.offset)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: tensor %s (%zu bytes at %zu) overruns its %zu-byte buffer", op,
                           name, bytes, x.offset, x.buf->size);
    if (dfv_tensor_count(x) > UINT32_MAX)
        return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: tensor %s has more than 2^32 elements", op, name);
    return DFV_OK;
}

bool dfv_op_same_shape(dfv_tensor a, dfv_tensor b) { return a.t == b.t && a.c == b.c && a.h == b.h && a.w == b.w; }

dfv_status dfv_op_check_same_shape(dfv_seq *seq, const char *op, const char *name_a, dfv_tensor a, const char *name_b,
                                   dfv_tensor b)
{
    if (dfv_op_same_shape(a, b))
        return DFV_OK;
    return dfv_op_fail(seq, DFV_ERR_ARGUMENT, "%s: %s {%d, %d, %d, %d} and %s {%d, %d, %d, %d} differ in shape", op,
                       name_a, a.t, a.c, a.h, a.w, name_b, b.t, b.c, b.h, b.w);
}

dfv_status dfv_op_pipeline(dfv_seq *seq, const dfv_shader *shader, bool uses_f16, const uint32_t *spec,
                           uint32_t spec_count, dfv_pipeline **out)
{
    dfv_ctx *ctx = dfv_seq_ctx(seq);
    if (uses_f16 && !ctx->caps.fp16_storage)
        return dfv_op_fail(seq, DFV_ERR_UNSUPPORTED, "%s: the device lacks storageBuffer16BitAccess (fp16 storage)",
                           shader->name);
    return dfv_pipeline_get(ctx, shader, spec, spec_count, out);
}

void dfv_op_grid(const dfv_ctx *ctx, size_t items, uint32_t per_group, uint32_t groups[3])
{
    size_t total = (items + per_group - 1) / per_group;
    if (total == 0)
        total = 1;
    size_t max_x = ctx->caps.max_workgroup_count[0];
    if (max_x > 65535) /* keeps gx·gy arithmetic in the shaders comfortably within 32 bits */
        max_x = 65535;
    groups[0] = (uint32_t)(total < max_x ? total : max_x);
    groups[1] = (uint32_t)((total + groups[0] - 1) / groups[0]);
    groups[2] = 1;
}

uint32_t dfv_op_workgroup_size(const dfv_ctx *ctx, uint32_t want)
{
    uint32_t sub = ctx->caps.subgroup_size ? ctx->caps.subgroup_size : 1;
    uint32_t size = (want + sub - 1) / sub * sub;
    uint32_t limit = ctx->caps.max_workgroup_invocations;
    while (size > limit && size > sub)
        size -= sub;
    return size;
}
