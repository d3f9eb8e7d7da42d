#version 450
// Sinusoidal noise-level embedding: out[t][j] = cos(ts[t]·f_j) for j < half, sin(ts[t]·f_(j-half)) after,
// f_i = exp(-ln(10000)·i/half). The argument is reduced to [-π, π] with a two-part 2π first, because
// some GPUs evaluate cos/sin of large arguments (timesteps reach 1000) with absolute errors near 1e-4.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Timesteps { float timesteps[]; };
layout(std430, binding = 1) writeonly buffer Out { dfv_dst_t dst[]; };

layout(push_constant) uniform Push {
    uint count; // frames · dim
    uint dim;
} pc;

const float dfv_two_pi_hi = 6.28125;                  // exact in 8 bits, so k·hi is exact
const float dfv_two_pi_lo = 1.9353071795864769253e-3; // 2π - hi
const float dfv_ln_10000 = 9.2103403719761836;

void main()
{
    uint i = dfv_flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= pc.count)
        return;
    uint half_dim = pc.dim / 2u;
    uint frame = i / pc.dim, j = i - frame * pc.dim;
    uint k = j < half_dim ? j : j - half_dim;
    float freq = exp(-dfv_ln_10000 * float(k) / float(half_dim));
    float arg = timesteps[frame] * freq;
    float turns = round(arg * 0.15915494309189535);
    float r = fma(-turns, dfv_two_pi_hi, arg);
    r = fma(-turns, dfv_two_pi_lo, r);
    dst[i] = dfv_dst_t(j < half_dim ? cos(r) : sin(r));
}
