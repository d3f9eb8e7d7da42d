#version 450
// out = a + b elementwise. Each invocation handles DFV_PER_LANE elements spaced one workgroup apart, so
// neighbouring lanes always touch neighbouring addresses (coalesced on GPUs, one vector per SIMD step on
// lavapipe) while the dispatch stays a quarter the size.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { dfv_src_t a[]; };
layout(std430, binding = 1) readonly buffer B { dfv_src_t b[]; };
layout(std430, binding = 2) writeonly buffer Out { dfv_dst_t result[]; };

layout(push_constant) uniform Push { uint count; } pc;

void main()
{
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i < pc.count)
            result[i] = dfv_dst_t(float(a[i]) + float(b[i]));
    }
}
