#version 450
// GroupNorm, one workgroup per (statistics unit, group): the unit is one frame (per-frame mode) or the
// whole window (the official joint mode, where a group's statistics span (C/G)·T·H·W values). The
// workgroup reduces the sum and the sum of squares of the values minus the group's first value in one
// pass (the shift keeps the variance exact when the mean is far from zero), then applies affine, the
// optional per-frame ·(1+scale)+shift and SiLU. One dispatch, no scratch buffer; each element is read
// and written by the same invocation, so running in place is safe.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;

#ifdef DFV_TEXEL_INPUTS
// Inputs as uniform texel buffers over their whole buffers (CPUs: a texel fetch is one vector gather on
// lavapipe, a storage-buffer load a loop over the lanes); push constants say where each starts.
layout(binding = 0) uniform samplerBuffer in_tex;
layout(binding = 1) uniform samplerBuffer gamma_tex;
layout(binding = 2) uniform samplerBuffer beta_tex;
layout(binding = 3) uniform samplerBuffer mod_tex; // {T, 2C}: scales, shifts
#define LOAD_IN(i) texelFetch(in_tex, pc.in_texel0 + (i)).r
#define LOAD_GAMMA(i) texelFetch(gamma_tex, pc.gamma_texel0 + (i)).r
#define LOAD_BETA(i) texelFetch(beta_tex, pc.beta_texel0 + (i)).r
#define LOAD_MOD(i) texelFetch(mod_tex, pc.mod_texel0 + (i)).r
#else
layout(std430, binding = 0) readonly buffer InBuf { dfv_src_t in_data[]; };
layout(std430, binding = 1) readonly buffer GammaBuf { dfv_src_t gamma[]; };
layout(std430, binding = 2) readonly buffer BetaBuf { dfv_src_t beta[]; };
layout(std430, binding = 3) readonly buffer ModBuf { dfv_src_t scale_shift[]; }; // {T, 2C}: scales, shifts
#define LOAD_IN(i) float(in_data[i])
#define LOAD_GAMMA(i) float(gamma[i])
#define LOAD_BETA(i) float(beta[i])
#define LOAD_MOD(i) float(scale_shift[i])
#endif
layout(std430, binding = 4) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int frames, channels, hw, groups;
    float eps;
    int per_frame, silu, has_mod;
    int in_texel0, gamma_texel0, beta_texel0, mod_texel0; // DFV_TEXEL_INPUTS only
} pc;

shared vec2 partial[gl_WorkGroupSize.x];

// Sum of every lane's value, returned to all lanes.
vec2 workgroup_sum(vec2 v) {
    const uint lane = gl_LocalInvocationID.x;
    partial[lane] = v;
    barrier();
    for (uint half_n = gl_WorkGroupSize.x / 2; half_n > 0; half_n /= 2) {
        if (lane < half_n) partial[lane] += partial[lane + half_n];
        barrier();
    }
    vec2 total = partial[0];
    barrier(); // partial[] is reused by the next call
    return total;
}

float apply(float x, float a, float b) {
    float y = x * a + b;
    return pc.silu != 0 ? y / (1.0 + exp(-y)) : y;
}

void main() {
    const int wg = int(gl_WorkGroupSize.x);
    const int lane = int(gl_LocalInvocationID.x);
    const int group = int(gl_WorkGroupID.x);
    const int cpg = pc.channels / pc.groups;
    const int block = cpg * pc.hw; // a group's values in one frame are contiguous
    const int t_begin = pc.per_frame != 0 ? int(gl_WorkGroupID.y) : 0;
    const int t_end = pc.per_frame != 0 ? t_begin + 1 : pc.frames;
    const float count = float(t_end - t_begin) * float(block);

    const float shift = LOAD_IN((t_begin * pc.channels + group * cpg) * pc.hw);
    float s = 0.0, sq = 0.0;
    for (int t = t_begin; t < t_end; ++t) {
        int base = (t * pc.channels + group * cpg) * pc.hw;
        for (int i = lane; i < block; i += wg) {
            float d = LOAD_IN(base + i) - shift;
            s += d;
            sq += d * d;
        }
    }
    const vec2 total = workgroup_sum(vec2(s, sq));
    const float mean_shifted = total.x / count;
    const float mean = shift + mean_shifted;
    const float rstd = inversesqrt(max(total.y / count - mean_shifted * mean_shifted, 0.0) + pc.eps);

    for (int t = t_begin; t < t_end; ++t) {
        if (pc.hw >= wg) {
            // Channel by channel: the affine and the modulation fold into one multiply-add whose
            // parameters load once per channel, and no lane divides to find its channel.
            for (int cc = 0; cc < cpg; ++cc) {
                const int c = group * cpg + cc;
                float a = rstd * LOAD_GAMMA(c), b = LOAD_BETA(c) - mean * a;
                if (pc.has_mod != 0) {
                    const float m = 1.0 + LOAD_MOD(t * 2 * pc.channels + c);
                    a *= m;
                    b = b * m + LOAD_MOD(t * 2 * pc.channels + pc.channels + c);
                }
                const int base = (t * pc.channels + c) * pc.hw;
                for (int i = lane; i < pc.hw; i += wg) out_data[base + i] = dfv_dst_t(apply(LOAD_IN(base + i), a, b));
            }
        } else {
            const int base = (t * pc.channels + group * cpg) * pc.hw;
            for (int i = lane; i < block; i += wg) {
                const int c = group * cpg + i / pc.hw;
                float a = rstd * LOAD_GAMMA(c), b = LOAD_BETA(c) - mean * a;
                if (pc.has_mod != 0) {
                    const float m = 1.0 + LOAD_MOD(t * 2 * pc.channels + c);
                    a *= m;
                    b = b * m + LOAD_MOD(t * 2 * pc.channels + pc.channels + c);
                }
                out_data[base + i] = dfv_dst_t(apply(LOAD_IN(base + i), a, b));
            }
        }
    }
}
