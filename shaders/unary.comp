#version 450
// out = fn(in) elementwise: SiLU, GELU (exact, erf form) or GELU's tanh form, computed in fp32. Same lane
// layout as add.comp.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

#define DFV_PER_LANE 4
#define DFV_UNARY_SILU 0u
#define DFV_UNARY_GELU 1u
#define DFV_UNARY_GELU_TANH 2u

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint fn = DFV_UNARY_SILU;
layout(constant_id = 2) const bool vec4_path = false; // as in add.comp


layout(std430, binding = 0) readonly buffer In { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Out { dfv_dst_t dst[]; };
layout(std430, binding = 0) readonly buffer In4 { dfv_src4_t src4[]; };
layout(std430, binding = 1) writeonly buffer Out4 { dfv_dst4_t dst4[]; };

layout(push_constant) uniform Push { uint count; } pc;

// erfc with a relative error below 1.2e-7 everywhere (a Chebyshev fit of t·exp(-z² + P(t)),
// t = 1/(1 + z/2)), so GELU keeps its accuracy in the far negative tail where 1 + erf would cancel.
float dfv_erfc(float x)
{
    float z = abs(x);
    float t = 1.0 / (1.0 + 0.5 * z);
    float p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
              t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    float r = t * exp(-z * z + p);
    return x >= 0.0 ? r : 2.0 - r;
}

float dfv_apply(float x)
{
    if (fn == DFV_UNARY_GELU)
        return 0.5 * x * dfv_erfc(-x * 0.70710678118654752);
    if (fn == DFV_UNARY_GELU_TANH) {
        // 0.5·x·(1 + tanh(u)) = x / (1 + exp(-2u)): no tanh of a large argument (inf/inf in some
        // implementations) and no cancellation in the negative tail.
        const float u = 0.79788456080286536 * (x + 0.044715 * x * x * x);
        return x / (1.0 + exp(-2.0 * u));
    }
    return x / (1.0 + exp(-x));
}

void main()
{
    uint base = dfv_flat_group() * gl_WorkGroupSize.x * DFV_PER_LANE + gl_LocalInvocationID.x;
    uint items = vec4_path ? pc.count / 4u : pc.count;
    for (uint k = 0; k < DFV_PER_LANE; k++) {
        uint i = base + k * gl_WorkGroupSize.x;
        if (i >= items)
            return;
        if (vec4_path) {
            vec4 x = vec4(src4[i]);
            dst4[i] = dfv_dst4_t(vec4(dfv_apply(x.x), dfv_apply(x.y), dfv_apply(x.z), dfv_apply(x.w)));
        } else {
            dst[i] = dfv_dst_t(dfv_apply(float(src[i])));
        }
    }
}
