/* Helpers for op implementations (compute/op_*.c): shader lookup, tensor checks, error reporting and
 * dispatch grids. Not part of the public API.
 *
 * A typical op:
 *     dfv_ctx *ctx = dfv_seq_ctx(seq);
 *     dfv_status s = dfv_op_check_tensor(seq, "add", "out", out);   // and for each input
 *     dfv_shader sh = DFV_OP_SHADER_FOR(add, out.dtype, 3, sizeof push);
 *     dfv_pipeline *pipe;
 *     s = dfv_op_pipeline(seq, &sh, out.dtype, spec, 1, &pipe);     // checks fp16 support
 *     dfv_seq_dispatch(seq, pipe, bindings, 3, &push, sizeof push, gx, gy, 1, &info);
 */
#ifndef DFV_VK_OP_UTIL_H
#define DFV_VK_OP_UTIL_H

#include "dfv_shaders.h" /* generated: dfv_spv_<variant>[] and dfv_spv_<variant>_size */
#include "ops.h"

/* A dfv_shader for an embedded variant, e.g. DFV_OP_SHADER(add_f16, 3, 16). */
#define DFV_OP_SHADER(variant, bindings, push)                                                                 \
    ((dfv_shader){#variant, dfv_spv_##variant, dfv_spv_##variant##_size, (bindings), (push)})
/* The <op>_f32 or <op>_f16 variant by dtype. */
#define DFV_OP_SHADER_FOR(op, dtype, bindings, push)                                                           \
    ((dtype) == DFV_F16 ? DFV_OP_SHADER(op##_f16, bindings, push) : DFV_OP_SHADER(op##_f32, bindings, push))

/* The <op>_texel_f32/_f16 variant with the bindings in `mask` as texel buffers (see dfv_shader.texel_mask);
 * the op passes each texel input's dfv_texel_base in its push constants. */
#define DFV_OP_TEXEL_SHADER_FOR(op, dtype, bindings, push, mask)                                               \
    dfv_op_texel_shader(DFV_OP_SHADER_FOR(op##_texel, dtype, bindings, push), (mask), (dtype))
static inline dfv_shader dfv_op_texel_shader(dfv_shader shader, uint32_t mask, dfv_dtype dtype)
{
    shader.texel_mask = mask;
    shader.texel_f16 = dtype == DFV_F16;
    return shader;
}

/* Records "op: message (file:line)" as the context's error and returns status. */
dfv_status dfv_op_fail_at(dfv_seq *seq, dfv_status status, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define dfv_op_fail(seq, status, ...) dfv_op_fail_at((seq), (status), __FILE__, __LINE__, __VA_ARGS__)

/* A tensor is usable when it has a buffer, positive sizes, an aligned offset and fits its buffer. */
dfv_status dfv_op_check_tensor(dfv_seq *seq, const char *op, const char *name, dfv_tensor x);
bool dfv_op_same_shape(dfv_tensor a, dfv_tensor b);
/* Fails with DFV_ERR_ARGUMENT naming both shapes when they differ. */
dfv_status dfv_op_check_same_shape(dfv_seq *seq, const char *op, const char *name_a, dfv_tensor a, const char *name_b,
                                   dfv_tensor b);

/* dfv_pipeline_get plus a clear DFV_ERR_UNSUPPORTED when any dtype in use is fp16 and the device lacks
 * storageBuffer16BitAccess. */
dfv_status dfv_op_pipeline(dfv_seq *seq, const dfv_shader *shader, bool uses_f16, const uint32_t *spec,
                           uint32_t spec_count, dfv_pipeline **out);

/* Workgroups for `items` independent work items, `per_group` per workgroup, spread over x and y so no
 * dimension exceeds the device limit; shaders recover the flat index with dfv_flat_group() (dfv_grid.glsl). */
void dfv_op_grid(const dfv_ctx *ctx, size_t items, uint32_t per_group, uint32_t groups[3]);

/* A workgroup size that is a multiple of the subgroup size, near `want`, within the device limit. */
uint32_t dfv_op_workgroup_size(const dfv_ctx *ctx, uint32_t want);

#endif
