#version 450
// Copies a block of frames × channels (whole H·W planes) between two tensors, converting the dtype when
// the variant says so (-DDFV_SRC_F16 / -DDFV_DST_F16). The host binds only the byte span the block
// touches; src_base / dst_base are the block's first element within that binding.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Src { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Dst { dfv_dst_t dst[]; };

layout(push_constant) uniform Push {
    uint count; // t_n · c_n · hw
    uint hw, c_n;
    uint src_channels, src_base;
    uint dst_channels, dst_base;
} pc;

void main()
{
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i >= pc.count)
            return;
        uint plane = i / pc.hw, p = i - plane * pc.hw;
        uint t = plane / pc.c_n, c = plane - t * pc.c_n;
        dst[pc.dst_base + (t * pc.dst_channels + c) * pc.hw + p] =
            dfv_dst_t(float(src[pc.src_base + (t * pc.src_channels + c) * pc.hw + p]));
    }
}
