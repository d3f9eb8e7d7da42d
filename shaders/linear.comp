#version 450
// out[r][n] = sum_k in[r][k] * weight[n][k] + bias[n]. The network uses it only for the small per-frame
// MLPs (noise level, actions): few rows, so one invocation per output, lanes along n, and BLOCK_R rows
// per invocation so that each weight load serves several rows.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int BLOCK_R = 4;

layout(std430, binding = 0) readonly buffer InBuf { dfv_src_t in_data[]; };
layout(std430, binding = 1) readonly buffer WeightBuf { dfv_src_t weight[]; };
layout(std430, binding = 2) readonly buffer BiasBuf { dfv_src_t bias[]; };
layout(std430, binding = 3) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int rows, n, k, has_bias;
} pc;

void main() {
    const int col = int(gl_GlobalInvocationID.x);
    const int r0 = int(gl_WorkGroupID.y) * BLOCK_R;
    if (col >= pc.n) return;
    int in_row[BLOCK_R];
    for (int i = 0; i < BLOCK_R; ++i) in_row[i] = min(r0 + i, pc.rows - 1) * pc.k;
    float acc[BLOCK_R];
    for (int i = 0; i < BLOCK_R; ++i) acc[i] = 0.0;
    for (int kk = 0; kk < pc.k; ++kk) {
        float w = float(weight[col * pc.k + kk]);
        for (int i = 0; i < BLOCK_R; ++i) acc[i] += w * float(in_data[in_row[i] + kk]);
    }
    const float b = pc.has_bias != 0 ? float(bias[col]) : 0.0;
    for (int i = 0; i < BLOCK_R; ++i) {
        if (r0 + i < pc.rows) out_data[(r0 + i) * pc.n + col] = dfv_dst_t(acc[i] + b);
    }
}
