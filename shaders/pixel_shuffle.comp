#version 450
// Unpatchify: out[t, c, y·f + i, x·f + j] = in[t, c·f² + i·f + j, y, x], one invocation per output
// element so neighbouring lanes write neighbouring addresses.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer In { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Out { dfv_dst_t dst[]; };

layout(push_constant) uniform Push {
    uint count; // output elements
    uint factor, out_h, out_w;
} pc;

void main()
{
    const uint i = dfv_flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= pc.count)
        return;
    const uint ox = i % pc.out_w;
    uint rest = i / pc.out_w;
    const uint oy = rest % pc.out_h;
    const uint plane = rest / pc.out_h; // frame · channels + channel
    const uint in_h = pc.out_h / pc.factor, in_w = pc.out_w / pc.factor;
    const uint sub = (oy % pc.factor) * pc.factor + ox % pc.factor;
    const uint in_channel = plane * pc.factor * pc.factor + sub;
    dst[i] = dfv_dst_t(float(src[(in_channel * in_h + oy / pc.factor) * in_w + ox / pc.factor]));
}
