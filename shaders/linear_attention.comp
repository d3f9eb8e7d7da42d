#version 450
// The official linear attention, one workgroup per (frame, head):
//   1. k softmax statistics over the pixels, per head dim d (max, then sum of exp);
//   2. ctx[d][e] = sum_n softmax_n(k)[d][n] * v[e][n], streamed through shared memory in tiles of
//      TILE_N pixels;
//   3. per pixel: q softmax over d, times dim_head^-1/2, out[e][n] = sum_d ctx[d][e] q[d][n].
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int DIM_HEAD = 32;
layout(constant_id = 2) const int TILE_N = 16;

layout(std430, binding = 0) readonly buffer QkvBuf { dfv_src_t qkv[]; };
layout(std430, binding = 1) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int frames, heads, hw;
    float scale;
} pc;

const int WG = int(gl_WorkGroupSize.x);
const int CTX_PER_LANE = (DIM_HEAD * DIM_HEAD + WG - 1) / WG;

shared float red_max[gl_WorkGroupSize.x];
shared float red_sum[gl_WorkGroupSize.x];
shared float k_max[DIM_HEAD];
shared float k_inv_sum[DIM_HEAD];
shared float k_tile[DIM_HEAD * TILE_N];
shared float v_tile[DIM_HEAD * TILE_N];
shared float ctx[DIM_HEAD * DIM_HEAD];

void main() {
    const int lane = int(gl_LocalInvocationID.x);
    const int head = int(gl_WorkGroupID.x);
    const int t = int(gl_WorkGroupID.y);
    const int inner = pc.heads * DIM_HEAD;
    const int frame_base = t * 3 * inner * pc.hw;
    const int q_base = frame_base + head * DIM_HEAD * pc.hw;
    const int k_base = frame_base + (inner + head * DIM_HEAD) * pc.hw;
    const int v_base = frame_base + (2 * inner + head * DIM_HEAD) * pc.hw;

    // 1. Softmax statistics of k over the pixels; lanes split as (d, part) with parts along the pixels
    //    so that neighbouring lanes read neighbouring pixels.
    const int parts = max(WG / DIM_HEAD, 1);
    {
        const int d = lane / parts, part = lane - d * parts;
        float m = -1e30, s = 0.0;
        if (d < DIM_HEAD) {
            for (int n = part; n < pc.hw; n += parts) {
                float x = float(qkv[k_base + d * pc.hw + n]);
                float new_m = max(m, x);
                s = s * exp(m - new_m) + exp(x - new_m);
                m = new_m;
            }
        }
        red_max[lane] = m;
        red_sum[lane] = s;
    }
    barrier();
    for (int d = lane; d < DIM_HEAD; d += WG) {
        float m = -1e30, s = 0.0;
        for (int part = 0; part < parts; ++part) {
            float pm = red_max[d * parts + part], ps = red_sum[d * parts + part];
            float new_m = max(m, pm);
            s = s * exp(m - new_m) + ps * exp(pm - new_m);
            m = new_m;
        }
        k_max[d] = m;
        k_inv_sum[d] = 1.0 / s;
    }
    barrier();

    // 2. ctx accumulated in registers, CTX_PER_LANE entries per lane.
    float acc[CTX_PER_LANE];
    for (int r = 0; r < CTX_PER_LANE; ++r) acc[r] = 0.0;
    for (int n0 = 0; n0 < pc.hw; n0 += TILE_N) {
        for (int a = lane; a < DIM_HEAD * TILE_N; a += WG) {
            int d = a / TILE_N, n = n0 + (a - d * TILE_N);
            bool inside = n < pc.hw;
            float k = inside ? float(qkv[k_base + d * pc.hw + n]) : 0.0;
            k_tile[a] = inside ? exp(k - k_max[d]) * k_inv_sum[d] : 0.0;
            v_tile[a] = inside ? float(qkv[v_base + d * pc.hw + n]) : 0.0;
        }
        barrier();
        for (int r = 0; r < CTX_PER_LANE; ++r) {
            int a = lane + r * WG;
            if (a >= DIM_HEAD * DIM_HEAD) break;
            int d = a / DIM_HEAD, e = a - d * DIM_HEAD;
            float s = 0.0;
            for (int n = 0; n < TILE_N; ++n) s += k_tile[d * TILE_N + n] * v_tile[e * TILE_N + n];
            acc[r] += s;
        }
        barrier();
    }
    for (int r = 0; r < CTX_PER_LANE; ++r) {
        int a = lane + r * WG;
        if (a < DIM_HEAD * DIM_HEAD) ctx[a] = acc[r];
    }
    barrier();

    // 3. One pixel per lane.
    const int out_base = (t * inner + head * DIM_HEAD) * pc.hw;
    for (int n = lane; n < pc.hw; n += WG) {
        float q[DIM_HEAD];
        float m = -1e30;
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[d] = float(qkv[q_base + d * pc.hw + n]);
            m = max(m, q[d]);
        }
        float s = 0.0;
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[d] = exp(q[d] - m);
            s += q[d];
        }
        const float norm = pc.scale / s;
        for (int e = 0; e < DIM_HEAD; ++e) {
            float o = 0.0;
            for (int d = 0; d < DIM_HEAD; ++d) o += ctx[d * DIM_HEAD + e] * q[d];
            out_data[out_base + e * pc.hw + n] = dfv_dst_t(o * norm);
        }
    }
}
