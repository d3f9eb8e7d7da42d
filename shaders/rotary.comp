#version 450
// Rotary position embedding from a given angle table: within each head, channel pair (2i, 2i+1) at
// position p becomes (a·cos − b·sin, b·cos + a·sin) with cos/sin = table[p][i] (pairs past the table's
// width pass through). The table holds cos and sin already: computed once on the host from the stored
// frequencies, because GPU cos/sin are only specified to 2^-11 within [-π, π] and rotary angles reach
// hundreds of radians. One invocation per (frame, head, pair, pixel), pixels fastest so neighbouring
// lanes touch neighbouring addresses.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer In { dfv_src_t src[]; };
layout(std430, binding = 1) readonly buffer Table { float table[]; }; // {positions, 2, pairs}: cos | sin
layout(std430, binding = 2) writeonly buffer Out { dfv_dst_t dst[]; };

layout(push_constant) uniform Push {
    uint count; // frames · heads · dim_head/2 · hw
    uint channels, hw, heads, half_dim, channel0, pairs, temporal, pos0;
} pc;

void main()
{
    const uint i = dfv_flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= pc.count)
        return;
    const uint pixel = i % pc.hw;
    uint rest = i / pc.hw;
    const uint pair = rest % pc.half_dim;
    rest /= pc.half_dim;
    const uint head = rest % pc.heads;
    const uint frame = rest / pc.heads;
    const uint channel = pc.channel0 + head * 2u * pc.half_dim + 2u * pair;
    const uint first = (frame * pc.channels + channel) * pc.hw + pixel, second = first + pc.hw;
    const float a = float(src[first]), b = float(src[second]);
    if (pair >= pc.pairs) {
        dst[first] = dfv_dst_t(a);
        dst[second] = dfv_dst_t(b);
        return;
    }
    const uint position = pc.temporal != 0u ? frame + pc.pos0 : pixel;
    const float c = table[(position * 2u) * pc.pairs + pair], s = table[(position * 2u + 1u) * pc.pairs + pair];
    dst[first] = dfv_dst_t(a * c - b * s);
    dst[second] = dfv_dst_t(b * c + a * s);
}
