#version 450
// GroupNorm, one workgroup per (statistics unit, group): the unit is one frame (per-frame mode) or the
// whole window (the official joint mode, where a group's statistics span (C/G)·T·H·W values). The
// workgroup reduces the mean, then the squared deviations from it (two-pass variance), then applies
// affine, the optional per-frame ·(1+scale)+shift and SiLU. One dispatch, no scratch buffer; each element
// is read and written by the same invocation, so running in place is safe.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer InBuf { dfv_src_t in_data[]; };
layout(std430, binding = 1) readonly buffer GammaBuf { dfv_src_t gamma[]; };
layout(std430, binding = 2) readonly buffer BetaBuf { dfv_src_t beta[]; };
layout(std430, binding = 3) readonly buffer ModBuf { dfv_src_t scale_shift[]; }; // {T, 2C}: scales, shifts
layout(std430, binding = 4) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int frames, channels, hw, groups;
    float eps;
    int per_frame, silu, has_mod;
} pc;

shared float partial[gl_WorkGroupSize.x];

// Sum of every lane's value, returned to all lanes.
float workgroup_sum(float v) {
    const uint lane = gl_LocalInvocationID.x;
    partial[lane] = v;
    barrier();
    for (uint half_n = gl_WorkGroupSize.x / 2; half_n > 0; half_n /= 2) {
        if (lane < half_n) partial[lane] += partial[lane + half_n];
        barrier();
    }
    float total = partial[0];
    barrier(); // partial[] is reused by the next call
    return total;
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

    float s = 0.0;
    for (int t = t_begin; t < t_end; ++t) {
        int base = (t * pc.channels + group * cpg) * pc.hw;
        for (int i = lane; i < block; i += wg) s += float(in_data[base + i]);
    }
    const float mean = workgroup_sum(s) / count;

    float sq = 0.0;
    for (int t = t_begin; t < t_end; ++t) {
        int base = (t * pc.channels + group * cpg) * pc.hw;
        for (int i = lane; i < block; i += wg) {
            float d = float(in_data[base + i]) - mean;
            sq += d * d;
        }
    }
    const float rstd = inversesqrt(workgroup_sum(sq) / count + pc.eps);

    for (int t = t_begin; t < t_end; ++t) {
        int base = (t * pc.channels + group * cpg) * pc.hw;
        for (int i = lane; i < block; i += wg) {
            int c = group * cpg + i / pc.hw;
            float y = (float(in_data[base + i]) - mean) * rstd * float(gamma[c]) + float(beta[c]);
            if (pc.has_mod != 0) {
                y = y * (1.0 + float(scale_shift[t * 2 * pc.channels + c])) +
                    float(scale_shift[t * 2 * pc.channels + pc.channels + c]);
            }
            if (pc.silu != 0) y = y / (1.0 + exp(-y));
            out_data[base + i] = dfv_dst_t(y);
        }
    }
}
