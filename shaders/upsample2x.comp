#version 450
// Nearest-neighbour ×2 per frame: out[tc][y][x] = in[tc][y/2][x/2]. One output element per lane step,
// lanes along x, so writes are contiguous and each input value is read by two neighbouring lanes.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer In { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Out { dfv_dst_t dst[]; };

layout(push_constant) uniform Push {
    uint count; // output elements
    uint in_h, in_w;
} pc;

void main()
{
    uint out_w = pc.in_w * 2u, out_plane = out_w * pc.in_h * 2u;
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i >= pc.count)
            return;
        uint plane = i / out_plane, rest = i - plane * out_plane;
        uint y = rest / out_w, x = rest - y * out_w;
        dst[i] = dfv_dst_t(float(src[(plane * pc.in_h + y / 2u) * pc.in_w + x / 2u]));
    }
}
