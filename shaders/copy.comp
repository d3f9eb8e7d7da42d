#version 450
// Copies a block of frames × channels (whole H·W planes) between two tensors, converting the dtype when
// the variant says so (-DDFV_SRC_F16 / -DDFV_DST_F16). The host binds only the byte span the block
// touches; src_base / dst_base are the block's first element within that binding.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4

layout(local_size_x_id = 0) in;
// Whole planes move as vec4s when H·W is a multiple of 4 (then both bases are too, see op_copy.c).
layout(constant_id = 1) const bool vec4_path = false;

layout(std430, binding = 0) readonly buffer Src { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Dst { dfv_dst_t dst[]; };
layout(std430, binding = 0) readonly buffer Src4 { dfv_src4_t src4[]; };
layout(std430, binding = 1) writeonly buffer Dst4 { dfv_dst4_t dst4[]; };

layout(push_constant) uniform Push {
    uint count; // t_n · c_n · hw
    uint hw, c_n;
    uint src_channels, src_base;
    uint dst_channels, dst_base;
} pc;

void main()
{
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    uint v = vec4_path ? 4u : 1u; // elements per item
    uint count = pc.count / v, hw = pc.hw / v, src_base = pc.src_base / v, dst_base = pc.dst_base / v;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i >= count)
            return;
        uint plane = i / hw, p = i - plane * hw;
        uint t = plane / pc.c_n, c = plane - t * pc.c_n;
        uint s = src_base + (t * pc.src_channels + c) * hw + p;
        uint d = dst_base + (t * pc.dst_channels + c) * hw + p;
        if (vec4_path)
            dst4[d] = dfv_dst4_t(vec4(src4[s]));
        else
            dst[d] = dfv_dst_t(float(src[s]));
    }
}
