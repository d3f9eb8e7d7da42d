#version 450
// The official linear attention, one workgroup per (frame, head):
//   1. k softmax statistics over the pixels for every head dim d (a max pass, then a sum-of-exp pass);
//   2. ctx[d][e] = sum_n softmax_n(k)[d][n] * v[e][n]: each lane owns a BLOCK_D x BLOCK_E block of ctx
//      in registers over a share of the pixels (no shared-memory tiles: on lavapipe they cost more than
//      they save), then the shares are summed into shared memory;
//   3. one pixel per lane: q softmax over d, times dim_head^-1/2, out[e][n] = sum_d ctx[d][e] q[d][n].
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "dfv_storage.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int DIM_HEAD = 32;
// 1: step 3 as in output_cpu() (lavapipe, subgroups of 8); 2: also step 2 as in context_cpu() (DIM_HEAD a
// multiple of 8, at most the workgroup size).
layout(constant_id = 2) const int CPU_PATH = 0;

const int BLOCK_D = 4, BLOCK_E = 8;
const int WG = int(gl_WorkGroupSize.x);
const int BLOCKS_D = (DIM_HEAD + BLOCK_D - 1) / BLOCK_D;
const int BLOCKS_E = (DIM_HEAD + BLOCK_E - 1) / BLOCK_E;

#ifdef DFV_TEXEL_INPUTS
// qkv as a uniform texel buffer over its whole buffer (the CPU path: a texel fetch is one vector gather
// on lavapipe, a storage-buffer load a loop over the lanes), starting at element pc.qkv_texel0.
layout(binding = 0) uniform samplerBuffer qkv_tex;
#define LOAD_QKV(i) texelFetch(qkv_tex, pc.qkv_texel0 + (i)).r
#else
layout(std430, binding = 0) readonly buffer QkvBuf { dfv_src_t qkv[]; };
#define LOAD_QKV(i) float(qkv[i])
#endif
layout(std430, binding = 1) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int frames, heads, hw;
    float scale;
    int qkv_texel0; // DFV_TEXEL_INPUTS only
} pc;

shared float red[gl_WorkGroupSize.x], red_sum[gl_WorkGroupSize.x];
shared float k_max[DIM_HEAD];
shared float k_inv_sum[DIM_HEAD];
shared float ctx[DIM_HEAD * DIM_HEAD];

void k_statistics(int lane, int k_base) {
    // Lanes split as (d, part), parts along the pixels so that neighbouring lanes read neighbouring pixels.
    // One pass: each lane keeps a running max and the sum of exp relative to it (rescaled when the max
    // grows), the parts are merged the same way.
    const int parts = max(WG / DIM_HEAD, 1);
    const int d = lane / parts, part = lane - d * parts;
    float m = -1e30, s = 0.0;
    if (d < DIM_HEAD)
        for (int n = part; n < pc.hw; n += parts) {
            const float x = LOAD_QKV(k_base + d * pc.hw + n), m_new = max(m, x);
            s = s * exp(m - m_new) + exp(x - m_new);
            m = m_new;
        }
    red[lane] = m;
    red_sum[lane] = s;
    barrier();
    for (int dd = lane; dd < DIM_HEAD; dd += WG) {
        float mm = -1e30;
        for (int p = 0; p < parts; ++p) mm = max(mm, red[dd * parts + p]);
        float ss = 0.0;
        for (int p = 0; p < parts; ++p) ss += red_sum[dd * parts + p] * exp(red[dd * parts + p] - mm);
        k_max[dd] = mm;
        k_inv_sum[dd] = 1.0 / ss;
    }
    barrier();
}

// Step 2 for CPUs (lavapipe, subgroups of 8, DIM_HEAD a multiple of 8): with the register blocks of
// context() every lane reloads k and v rows that its neighbours load too (384 element loads per pixel
// at DIM_HEAD 32). Here subgroup s takes output columns [8 (s % Q), +8) over pixels s / Q, s / Q + P, ...
// (Q = DIM_HEAD / 8 column blocks, P = subgroups / Q), lane l rows [l R, +R) (R = DIM_HEAD / 8): a lane
// loads its R k values and one v value per pixel and takes the other 7 v values by shuffle.
const int CPU_ROWS = DIM_HEAD < 8 ? 1 : DIM_HEAD / 8; // (1 where the path is off: arrays stay legal)
void context_cpu(int lane, int k_base, int v_base) {
    const int sub = int(gl_SubgroupInvocationID), subgroup = lane / 8;
    const int col_blocks = max(DIM_HEAD / 8, 1), parts = max(WG / 8 / col_blocks, 1);
    const int part = subgroup / col_blocks, e0 = (subgroup - part * col_blocks) * 8, d0 = sub * CPU_ROWS;
    for (int a = lane; a < DIM_HEAD * DIM_HEAD; a += WG) ctx[a] = 0.0;

    float acc[CPU_ROWS * 8];
    for (int i = 0; i < CPU_ROWS; ++i)
        for (int e = 0; e < 8; ++e) acc[i * 8 + e] = 0.0;
    if (part < parts) { // uniform per subgroup
        float kmax[CPU_ROWS], kinv[CPU_ROWS];
        for (int i = 0; i < CPU_ROWS; ++i) {
            kmax[i] = k_max[d0 + i];
            kinv[i] = k_inv_sum[d0 + i];
        }
        const int v_row = v_base + (e0 + sub) * pc.hw;
        for (int n = part; n < pc.hw; n += parts) {
            float kn[CPU_ROWS];
            for (int i = 0; i < CPU_ROWS; ++i) kn[i] = exp(LOAD_QKV(k_base + (d0 + i) * pc.hw + n) - kmax[i]) * kinv[i];
            const float my_v = LOAD_QKV(v_row + n);
            for (int e = 0; e < 8; ++e) {
                const float v = subgroupShuffle(my_v, e);
                for (int i = 0; i < CPU_ROWS; ++i) acc[i * 8 + e] += kn[i] * v;
            }
        }
    }
    barrier();
    for (int p = 0; p < parts; ++p) {
        if (part == p) {
            for (int i = 0; i < CPU_ROWS; ++i)
                for (int e = 0; e < 8; ++e) ctx[(d0 + i) * DIM_HEAD + e0 + e] += acc[i * 8 + e];
        }
        barrier();
    }
}

void context(int lane, int k_base, int v_base) {
    const int blocks = BLOCKS_D * BLOCKS_E;
    const int parts = max(WG / blocks, 1);
    const int part = lane / blocks, block = lane - part * blocks;
    const int d0 = (block / BLOCKS_E) * BLOCK_D, e0 = (block % BLOCKS_E) * BLOCK_E;
    for (int a = lane; a < DIM_HEAD * DIM_HEAD; a += WG) ctx[a] = 0.0;

    float acc[BLOCK_D * BLOCK_E];
    for (int a = 0; a < BLOCK_D * BLOCK_E; ++a) acc[a] = 0.0;
    if (part < parts) {
        int k_row[BLOCK_D], v_row[BLOCK_E];
        float kmax[BLOCK_D], kinv[BLOCK_D];
        for (int i = 0; i < BLOCK_D; ++i) {
            int d = min(d0 + i, DIM_HEAD - 1); // rows past dim_head compute garbage, never stored
            k_row[i] = k_base + d * pc.hw;
            kmax[i] = k_max[d];
            kinv[i] = k_inv_sum[d];
        }
        for (int j = 0; j < BLOCK_E; ++j) v_row[j] = v_base + min(e0 + j, DIM_HEAD - 1) * pc.hw;
        for (int n = part; n < pc.hw; n += parts) {
            float kn[BLOCK_D], v[BLOCK_E];
            for (int i = 0; i < BLOCK_D; ++i) kn[i] = exp(LOAD_QKV(k_row[i] + n) - kmax[i]) * kinv[i];
            for (int j = 0; j < BLOCK_E; ++j) v[j] = LOAD_QKV(v_row[j] + n);
            for (int i = 0; i < BLOCK_D; ++i)
                for (int j = 0; j < BLOCK_E; ++j) acc[i * BLOCK_E + j] += kn[i] * v[j];
        }
    }
    barrier();
    // Sum the parts' blocks one part at a time: no float atomics needed.
    for (int p = 0; p < parts; ++p) {
        if (part == p) {
            for (int i = 0; i < BLOCK_D; ++i)
                for (int j = 0; j < BLOCK_E; ++j)
                    if (d0 + i < DIM_HEAD && e0 + j < DIM_HEAD) ctx[(d0 + i) * DIM_HEAD + e0 + j] += acc[i * BLOCK_E + j];
        }
        barrier();
    }
}

// Step 3 for CPUs (lavapipe). Every lane reading the same ctx element from shared memory costs 8 element
// loads there (llvmpipe loads lane by lane), and the plain loop reads all of ctx for every pixel. Here
// lane l of each subgroup of 8 holds column e0 + l of ctx and the others take it by shuffle: per pixel
// DIM_HEAD elements per block of 8 output channels instead of 8 DIM_HEAD^2.
void output_cpu(int lane, int q_base, int out_base) {
    const int sub = int(gl_SubgroupInvocationID);
    for (int n0 = 0; n0 < pc.hw; n0 += WG) { // uniform trip count: shuffles need every lane
        const int n = min(n0 + lane, pc.hw - 1);
        float q[DIM_HEAD];
        float m = -1e30;
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[d] = LOAD_QKV(q_base + d * pc.hw + n);
            m = max(m, q[d]);
        }
        float s = 0.0;
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[d] = exp(q[d] - m);
            s += q[d];
        }
        const float norm = pc.scale / s;
        for (int e0 = 0; e0 < DIM_HEAD; e0 += 8) {
            float column[DIM_HEAD];
            for (int d = 0; d < DIM_HEAD; ++d) column[d] = ctx[d * DIM_HEAD + min(e0 + sub, DIM_HEAD - 1)];
            float o[8];
            for (int j = 0; j < 8; ++j) o[j] = 0.0;
            for (int d = 0; d < DIM_HEAD; ++d)
                for (int j = 0; j < 8; ++j) o[j] += subgroupShuffle(column[d], j) * q[d];
            if (n0 + lane < pc.hw)
                for (int j = 0; j < 8; ++j)
                    if (e0 + j < DIM_HEAD) out_data[out_base + (e0 + j) * pc.hw + n] = dfv_dst_t(o[j] * norm);
        }
    }
}

void main() {
    const int lane = int(gl_LocalInvocationID.x);
    const int head = int(gl_WorkGroupID.x);
    const int t = int(gl_WorkGroupID.y);
    const int inner = pc.heads * DIM_HEAD;
    const int frame_base = t * 3 * inner * pc.hw;
    const int q_base = frame_base + head * DIM_HEAD * pc.hw;
    const int k_base = frame_base + (inner + head * DIM_HEAD) * pc.hw;
    const int v_base = frame_base + (2 * inner + head * DIM_HEAD) * pc.hw;

    k_statistics(lane, k_base);
    if (CPU_PATH == 2) {
        context_cpu(lane, k_base, v_base);
    } else {
        context(lane, k_base, v_base);
    }

    const int out_base = (t * inner + head * DIM_HEAD) * pc.hw;
    if (CPU_PATH != 0) {
        output_cpu(lane, q_base, out_base);
        return;
    }
    for (int n = lane; n < pc.hw; n += WG) {
        float q[DIM_HEAD];
        float m = -1e30;
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[d] = LOAD_QKV(q_base + d * pc.hw + n);
            m = max(m, q[d]);
        }
        float s = 0.0;
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[d] = exp(q[d] - m);
            s += q[d];
        }
        const float norm = pc.scale / s;
        // Output channels in blocks of BLOCK_E keep the accumulator small (whole-row accumulators spill).
        for (int e0 = 0; e0 < DIM_HEAD; e0 += BLOCK_E) {
            float o[BLOCK_E];
            for (int j = 0; j < BLOCK_E; ++j) o[j] = 0.0;
            for (int d = 0; d < DIM_HEAD; ++d)
                for (int j = 0; j < BLOCK_E; ++j) o[j] += ctx[d * DIM_HEAD + min(e0 + j, DIM_HEAD - 1)] * q[d];
            for (int j = 0; j < BLOCK_E; ++j)
                if (e0 + j < DIM_HEAD) out_data[out_base + (e0 + j) * pc.hw + n] = dfv_dst_t(o[j] * norm);
        }
    }
}
