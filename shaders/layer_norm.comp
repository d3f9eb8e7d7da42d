#version 450
// LayerNorm over the channels of every (frame, pixel): one invocation per pixel, so neighbouring lanes
// read neighbouring pixels of the same channel plane. Two-pass variance.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer InBuf { dfv_src_t in_data[]; };
layout(std430, binding = 1) readonly buffer GammaBuf { dfv_src_t gamma[]; };
layout(std430, binding = 2) readonly buffer BetaBuf { dfv_src_t beta[]; };
layout(std430, binding = 3) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int frames, channels, hw;
    float eps;
} pc;

void main() {
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
        out_data[base + c * pc.hw] = dfv_dst_t(y * float(gamma[c]) + float(beta[c]));
    }
}
