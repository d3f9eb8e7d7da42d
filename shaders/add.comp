#version 450
// out = a + b elementwise. Each invocation handles DFV_PER_LANE items spaced one workgroup apart, so
// neighbouring lanes always touch neighbouring addresses (coalesced on GPUs, one vector per SIMD step on
// lavapipe). An item is a vec4 whenever the count allows (specialization constant vec4_path): the
// buffers are then read through a second, vec4-typed view of the same binding, which cuts the loads
// lavapipe issues fourfold. GATED: out = a + gate · b, the gate per (frame, channel) from a {T, 1, 1, M}
// tensor at channel gate0 + c (a DiT block's gated residual); the vec4 path then needs H·W % 4 == 0 so
// the four values of an item share one channel.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool vec4_path = false;
layout(constant_id = 2) const bool GATED = false;

layout(std430, binding = 0) readonly buffer A { dfv_src_t a[]; };
layout(std430, binding = 1) readonly buffer B { dfv_src_t b[]; };
layout(std430, binding = 2) writeonly buffer Out { dfv_dst_t result[]; };
layout(std430, binding = 0) readonly buffer A4 { dfv_src4_t a4[]; };
layout(std430, binding = 1) readonly buffer B4 { dfv_src4_t b4[]; };
layout(std430, binding = 2) writeonly buffer Out4 { dfv_dst4_t result4[]; };

layout(std430, binding = 3) readonly buffer Gate { dfv_src_t gate[]; };

layout(push_constant) uniform Push {
    uint count;
    uint channels, hw, gate_width, gate0;
} pc;

// The gate of flat element e (1 without GATED).
float gate_of(uint e)
{
    if (!GATED)
        return 1.0;
    const uint plane = e / pc.hw, channel = plane % pc.channels, frame = plane / pc.channels;
    return float(gate[frame * pc.gate_width + pc.gate0 + channel]);
}

void main()
{
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    uint items = vec4_path ? pc.count / 4u : pc.count;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i >= items)
            return;
        if (vec4_path)
            result4[i] = dfv_dst4_t(vec4(a4[i]) + gate_of(4u * i) * vec4(b4[i]));
        else
            result[i] = dfv_dst_t(float(a[i]) + gate_of(i) * float(b[i]));
    }
}
