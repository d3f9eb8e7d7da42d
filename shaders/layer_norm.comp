#version 450
// LayerNorm over the channels of every (frame, pixel): one invocation per pixel, so neighbouring lanes
// read neighbouring pixels of the same channel plane. Two-pass variance. Optional affine (AFFINE) and an
// optional per-frame adaLN modulation y·(1 + scale) + shift after it (MODULATE; DiT blocks).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;
// 1: the CPU (lavapipe, subgroups of 8) path, normalize_cpu().
layout(constant_id = 1) const int CPU_PATH = 0;
layout(constant_id = 2) const bool AFFINE = true;
layout(constant_id = 3) const bool MODULATE = false;

layout(std430, binding = 0) readonly buffer InBuf { dfv_src_t in_data[]; };
layout(std430, binding = 1) readonly buffer GammaBuf { dfv_src_t gamma[]; };
layout(std430, binding = 2) readonly buffer BetaBuf { dfv_src_t beta[]; };
layout(std430, binding = 3) writeonly buffer OutBuf { dfv_dst_t out_data[]; };
layout(std430, binding = 4) readonly buffer ModBuf { dfv_src_t modulation[]; }; // {frames, mod_width}

layout(push_constant) uniform Push {
    int frames, channels, hw;
    float eps;
    int mod_width, shift0, scale0; // the frame's shift of channel c at shift0 + c, its scale at scale0 + c
} pc;

float modulate(float y, int t, int c) {
    if (!MODULATE) return y;
    const int row = t * pc.mod_width;
    return y * (1.0 + float(modulation[row + pc.scale0 + c])) + float(modulation[row + pc.shift0 + c]);
}

// On lavapipe every element a lane loads costs a loop over the lanes, and gamma[c] / beta[c] are the same
// for every lane: here lane l loads those of channel c0 + l and the others take them by shuffle, and the
// statistics take one pass (sums shifted by the pixel's first channel, exact enough for any mean).
void normalize_cpu() {
    const int pixels = pc.frames * pc.hw;
    const int p = min(int(gl_GlobalInvocationID.x), pixels - 1); // every lane stays for the shuffles
    const int lane = int(gl_SubgroupInvocationID);
    const int t = p / pc.hw;
    const int base = t * pc.channels * pc.hw + (p - t * pc.hw);

    const float shift = float(in_data[base]);
    float s = 0.0, sq = 0.0;
    for (int c = 0; c < pc.channels; ++c) {
        float d = float(in_data[base + c * pc.hw]) - shift;
        s += d;
        sq += d * d;
    }
    const float mean_shifted = s / float(pc.channels);
    const float mean = shift + mean_shifted;
    const float rstd = inversesqrt(max(sq / float(pc.channels) - mean_shifted * mean_shifted, 0.0) + pc.eps);
    const bool valid = int(gl_GlobalInvocationID.x) < pixels;
    for (int c0 = 0; c0 < pc.channels; c0 += 8) {
        const int mine = min(c0 + lane, pc.channels - 1);
        const float my_gamma = AFFINE ? float(gamma[mine]) : 1.0, my_beta = AFFINE ? float(beta[mine]) : 0.0;
        for (int j = 0; j < 8; ++j) {
            const float a = subgroupShuffle(my_gamma, j) * rstd, b = subgroupShuffle(my_beta, j);
            const int c = c0 + j;
            if (valid && c < pc.channels) {
                const int off = base + c * pc.hw;
                out_data[off] = dfv_dst_t(modulate((float(in_data[off]) - mean) * a + b, t, c));
            }
        }
    }
}

void main() {
    if (CPU_PATH != 0) {
        normalize_cpu();
        return;
    }
    const int p = int(gl_GlobalInvocationID.x);
    if (p >= pc.frames * pc.hw) return;
    const int t = p / pc.hw;
    const int base = t * pc.channels * pc.hw + (p - t * pc.hw);

    float s = 0.0;
    for (int c = 0; c < pc.channels; ++c) s += float(in_data[base + c * pc.hw]);
    const float mean = s / float(pc.channels);
    float sq = 0.0;
    for (int c = 0; c < pc.channels; ++c) {
        float d = float(in_data[base + c * pc.hw]) - mean;
        sq += d * d;
    }
    const float rstd = inversesqrt(sq / float(pc.channels) + pc.eps);
    for (int c = 0; c < pc.channels; ++c) {
        float y = (float(in_data[base + c * pc.hw]) - mean) * rstd;
        if (AFFINE) y = y * float(gamma[c]) + float(beta[c]);
        out_data[base + c * pc.hw] = dfv_dst_t(modulate(y, t, c));
    }
}
