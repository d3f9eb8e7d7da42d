#version 450
// Nearest-neighbour ×2 per frame: out[tc][y][x] = in[tc][y/2][x/2]. When the input width is even, an
// item is a pair of input pixels (one vec2 load) that becomes a vec4 in each of the two output rows; the
// index arithmetic (divisions by the plane and row sizes) is then paid once per 8 outputs. Otherwise an
// item is one output element.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool pair_path = false;

layout(std430, binding = 0) readonly buffer In { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Out { dfv_dst_t dst[]; };
layout(std430, binding = 0) readonly buffer In2 { dfv_src2_t src2[]; };
layout(std430, binding = 1) writeonly buffer Out4 { dfv_dst4_t dst4[]; };

layout(push_constant) uniform Push {
    uint count; // output elements
    uint in_h, in_w;
} pc;

void main()
{
    uint out_w = pc.in_w * 2u;
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    if (pair_path) {
        uint pairs = pc.count / 8u, row_pairs = pc.in_w / 2u;
        for (uint k = 0; k < DFV_PER_LANE; k++) {
            uint i = base + k * gl_WorkGroupSize.x;
            if (i >= pairs)
                return;
            uint row = i / row_pairs, x2 = i - row * row_pairs; // row = plane·in_h + y
            vec2 v = vec2(src2[i]);
            vec4 quad = vec4(v.x, v.x, v.y, v.y); // (fp16 locals would need fp16 arithmetic)
            uint first = (2u * row * out_w) / 4u + x2; // output row 2y of this plane, in vec4s
            dst4[first] = dfv_dst4_t(quad);
            dst4[first + out_w / 4u] = dfv_dst4_t(quad);
        }
        return;
    }
    uint out_plane = out_w * pc.in_h * 2u;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i >= pc.count)
            return;
        uint plane = i / out_plane, rest = i - plane * out_plane;
        uint y = rest / out_w, x = rest - y * out_w;
        dst[i] = dfv_dst_t(float(src[(plane * pc.in_h + y / 2u) * pc.in_w + x / 2u]));
    }
}
