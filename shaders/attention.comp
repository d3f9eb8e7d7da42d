#version 450
// Softmax attention, one invocation per (sequence, query, head) with an online softmax over blocks of
// KEY_BLOCK keys, so the keys stream through registers (256-1024 spatial tokens and more: within the loop
// budget below).
// A "sequence" is one frame (spatial: tokens are its pixels) or one pixel (temporal: tokens are its
// frames); strides in the push constants cover both, and the lane axis is whichever keeps neighbouring
// lanes on neighbouring addresses (queries for spatial, pixels for temporal).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "dfv_storage.glsl"

// Loop trips: lavapipe (llvmpipe) counts the iterations of all loops of an invocation together and
// silently leaves every loop once 65535 have run (NIR unrolls loops of <= 32 short trips only). So the
// per-query path takes its keys in blocks of KEY_BLOCK with the channel loops outside and the keys of a
// block unrolled inside them: a loop trip covers KEY_BLOCK keys of one channel, without unrolling the
// channels (unrolled, wide heads compiled for minutes on lavapipe). compute/op_attention.c counts the
// trips of an invocation (dfv_attention_loop_trips) and refuses shapes past the budget.

// Runs STMT for c = 0 .. N-1 (STMT without top-level commas): a loop on CPUs (lavapipe); unrolled on
// GPUs (UNROLL_CHANNELS), where q and the accumulator then stay in registers rather than in scratch.
#define FOR_CHANNELS(c, N, STMT)                                                                      \
    if (UNROLL_CHANNELS != 0) {                                                                       \
        [[unroll]] for (int c = 0; c < (N); ++c) { STMT; }                                            \
    } else {                                                                                          \
        for (int c = 0; c < (N); ++c) { STMT; }                                                       \
    }

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int DIM_HEAD = 32; // specialised so q and the accumulator stay in registers
layout(constant_id = 2) const int KEY_BLOCK = 8;
// 1 (temporal only): one invocation answers QUERY_BLOCK consecutive queries of its pixel, see
// attend_query_block().
layout(constant_id = 3) const int QUERY_BLOCK = 1;
layout(constant_id = 4) const int BLOCKED = 0;
layout(constant_id = 5) const int UNROLL_CHANNELS = 0; // per-query path: see FOR_CHANNELS

#ifdef DFV_TEXEL_INPUTS
// q and k/v as uniform texel buffers over their whole buffers (the CPU path: a texel fetch is a vector
// gather on lavapipe); push constants say where each tensor starts.
layout(binding = 0) uniform samplerBuffer q_tex;
layout(binding = 1) uniform samplerBuffer kv_tex;
#define LOAD_Q(i) texelFetch(q_tex, pc.q_texel0 + (i)).r
#define LOAD_KV(i) texelFetch(kv_tex, pc.kv_texel0 + (i)).r
#else
layout(std430, binding = 0) readonly buffer QBuf { dfv_src_t q_src[]; };
layout(std430, binding = 1) readonly buffer KVBuf { dfv_src_t kv_src[]; };
#define LOAD_Q(i) float(q_src[i])
#define LOAD_KV(i) float(kv_src[i])
#endif
layout(std430, binding = 2) writeonly buffer OutBuf { dfv_dst_t out_data[]; };
// The rotary frequency of each interleaved pair, always fp32: the checkpoint's stored values (the official
// network uses what it stores), or 10000^(-2i/dim_head) for models that store none. Bound but unread
// without rotary.
layout(std430, binding = 3) readonly buffer RotaryBuf { float rotary_freqs[]; };

layout(push_constant) uniform Push {
    int seq_count, q_count, k_count, lanes_are_sequences;
    int q_tok_stride, q_seq_stride, kv_tok_stride, kv_seq_stride;
    int out_tok_stride, out_seq_stride, chan_stride, heads;
    int q_c0, k_c0, v_c0, q_pos0;
    int causal, rotary;
    float scale;
    int q_texel0, kv_texel0; // DFV_TEXEL_INPUTS only
} pc;

const float NEG_BIG = -1e30; // finite stand-in for -inf: exp() of it is 0 without inf - inf = NaN

void attend_one_query() {
    const int lane_index = int(gl_GlobalInvocationID.x);
    const int seq = pc.lanes_are_sequences != 0 ? lane_index : int(gl_WorkGroupID.y);
    const int qi = pc.lanes_are_sequences != 0 ? int(gl_WorkGroupID.y) : lane_index;
    const int head = int(gl_WorkGroupID.z);
    if (seq >= pc.seq_count || qi >= pc.q_count) return;

    const int q_base = seq * pc.q_seq_stride + qi * pc.q_tok_stride + (pc.q_c0 + head * DIM_HEAD) * pc.chan_stride;
    const int kv_seq = seq * pc.kv_seq_stride;
    const int k_head = (pc.k_c0 + head * DIM_HEAD) * pc.chan_stride;
    const int v_head = (pc.v_c0 + head * DIM_HEAD) * pc.chan_stride;

    float q[DIM_HEAD], acc[DIM_HEAD];
    FOR_CHANNELS(d, DIM_HEAD, q[d] = LOAD_Q(q_base + d * pc.chan_stride))
    // Rotary: q starts rotated to its position relative to key 0, R(q_pos0 + qi), and turns back by one
    // key position after each key (see the key loop).
    float step_cos[DIM_HEAD / 2 + 1], step_sin[DIM_HEAD / 2 + 1];
    if (pc.rotary != 0) {
        const float pos = float(pc.q_pos0 + qi);
        FOR_CHANNELS(i, DIM_HEAD / 2, {
            const float theta = rotary_freqs[i];
            const float c = cos(pos * theta);
            const float s = sin(pos * theta);
            const float a = q[2 * i];
            const float b = q[2 * i + 1];
            step_cos[i] = cos(theta);
            step_sin[i] = sin(theta);
            q[2 * i] = a * c - b * s;
            q[2 * i + 1] = b * c + a * s;
        })
    }
    FOR_CHANNELS(d, DIM_HEAD, q[d] *= pc.scale; acc[d] = 0.0)

    const int key_end = pc.causal != 0 ? min(pc.k_count, pc.q_pos0 + qi + 1) : pc.k_count;
    float running_max = NEG_BIG, running_sum = 0.0;
    for (int j0 = 0; j0 < key_end; j0 += KEY_BLOCK) {
        int tok[KEY_BLOCK]; // where each key of the block starts; keys past the end repeat the last one
        float score[KEY_BLOCK];
        [[unroll]] for (int jj = 0; jj < KEY_BLOCK; ++jj) {
            tok[jj] = kv_seq + min(j0 + jj, key_end - 1) * pc.kv_tok_stride;
            score[jj] = 0.0;
        }
        if (pc.rotary != 0) {
            // R(p)q . R(j)k = R(p - j)q . k: step q back by one position per key instead of rotating
            // every key (cos/sin once per invocation, not per key).
            FOR_CHANNELS(i, DIM_HEAD / 2, {
                float a = q[2 * i];
                float b = q[2 * i + 1];
                const float c = step_cos[i];
                const float s = step_sin[i];
                const int ch = k_head + 2 * i * pc.chan_stride;
                [[unroll]] for (int jj = 0; jj < KEY_BLOCK; ++jj) {
                    score[jj] += a * LOAD_KV(tok[jj] + ch) + b * LOAD_KV(tok[jj] + ch + pc.chan_stride);
                    const float a_next = a * c + b * s;
                    b = b * c - a * s;
                    a = a_next;
                }
                q[2 * i] = a;
                q[2 * i + 1] = b;
            })
        } else {
            FOR_CHANNELS(d, DIM_HEAD, {
                const int ch = k_head + d * pc.chan_stride;
                [[unroll]] for (int jj = 0; jj < KEY_BLOCK; ++jj) score[jj] += q[d] * LOAD_KV(tok[jj] + ch);
            })
        }
        float block_max = NEG_BIG;
        [[unroll]] for (int jj = 0; jj < KEY_BLOCK; ++jj) {
            if (j0 + jj >= key_end) score[jj] = NEG_BIG;
            block_max = max(block_max, score[jj]);
        }
        const float new_max = max(running_max, block_max);
        const float correction = exp(running_max - new_max);
        running_sum *= correction;
        [[unroll]] for (int jj = 0; jj < KEY_BLOCK; ++jj) {
            score[jj] = exp(score[jj] - new_max); // now the weight: 0 for keys past the end
            running_sum += score[jj];
        }
        FOR_CHANNELS(d, DIM_HEAD, {
            const int ch = v_head + d * pc.chan_stride;
            float sum = acc[d] * correction;
            [[unroll]] for (int jj = 0; jj < KEY_BLOCK; ++jj) sum += score[jj] * LOAD_KV(tok[jj] + ch);
            acc[d] = sum;
        })
        running_max = new_max;
    }

    const float inv_sum = 1.0 / running_sum;
    const int out_base = seq * pc.out_seq_stride + qi * pc.out_tok_stride + head * DIM_HEAD * pc.chan_stride;
    FOR_CHANNELS(d, DIM_HEAD, out_data[out_base + d * pc.chan_stride] = dfv_dst_t(acc[d] * inv_sum))
}

// Temporal attention for CPUs (lavapipe): there every storage-buffer element a lane loads costs far more
// than arithmetic, and attend_one_query() reloads every key and value once per query. Here one
// invocation holds QUERY_BLOCK queries of one pixel and streams each key and value once for all of them
// (plain online softmax, one key at a time). Keys are rotated by their own position (a cos/sin pair
// stepped once per key) instead of stepping every query back.
void attend_query_block() {
    const int seq = int(gl_GlobalInvocationID.x); // a pixel
    const int q0 = int(gl_WorkGroupID.y) * QUERY_BLOCK;
    const int head = int(gl_WorkGroupID.z);
    if (seq >= pc.seq_count) return;

    const int kv_seq = seq * pc.kv_seq_stride;
    const int k_head = (pc.k_c0 + head * DIM_HEAD) * pc.chan_stride;
    const int v_head = (pc.v_c0 + head * DIM_HEAD) * pc.chan_stride;

    float q[QUERY_BLOCK * DIM_HEAD], acc[QUERY_BLOCK * DIM_HEAD];
    float running_max[QUERY_BLOCK], running_sum[QUERY_BLOCK];
    int key_end[QUERY_BLOCK];
    int last_key = 0;
    for (int i = 0; i < QUERY_BLOCK; ++i) {
        const int qi = min(q0 + i, pc.q_count - 1); // queries past the end repeat the last, never stored
        const int q_base = seq * pc.q_seq_stride + qi * pc.q_tok_stride + (pc.q_c0 + head * DIM_HEAD) * pc.chan_stride;
        for (int d = 0; d < DIM_HEAD; ++d) q[i * DIM_HEAD + d] = LOAD_Q(q_base + d * pc.chan_stride);
        if (pc.rotary != 0) {
            const float pos = float(pc.q_pos0 + qi);
            for (int r = 0; r < DIM_HEAD / 2; ++r) {
                float angle = pos * rotary_freqs[r], c = cos(angle), s = sin(angle);
                float a = q[i * DIM_HEAD + 2 * r], b = q[i * DIM_HEAD + 2 * r + 1];
                q[i * DIM_HEAD + 2 * r] = a * c - b * s;
                q[i * DIM_HEAD + 2 * r + 1] = b * c + a * s;
            }
        }
        for (int d = 0; d < DIM_HEAD; ++d) {
            q[i * DIM_HEAD + d] *= pc.scale;
            acc[i * DIM_HEAD + d] = 0.0;
        }
        running_max[i] = NEG_BIG;
        running_sum[i] = 0.0;
        key_end[i] = pc.causal != 0 ? min(pc.k_count, pc.q_pos0 + qi + 1) : pc.k_count;
        last_key = max(last_key, key_end[i]);
    }

    // Rotation of key j: angle j * theta_r, kept as cos/sin and stepped by theta_r per key.
    float key_cos[DIM_HEAD / 2 + 1], key_sin[DIM_HEAD / 2 + 1], step_cos[DIM_HEAD / 2 + 1], step_sin[DIM_HEAD / 2 + 1];
    for (int r = 0; r < DIM_HEAD / 2; ++r) {
        float theta = rotary_freqs[r];
        key_cos[r] = 1.0;
        key_sin[r] = 0.0;
        step_cos[r] = cos(theta);
        step_sin[r] = sin(theta);
    }

    for (int j = 0; j < last_key; ++j) {
        const int k_off = kv_seq + j * pc.kv_tok_stride + k_head;
        const int v_off = kv_seq + j * pc.kv_tok_stride + v_head;
        float k[DIM_HEAD], v[DIM_HEAD];
        for (int d = 0; d < DIM_HEAD; ++d) {
            k[d] = LOAD_KV(k_off + d * pc.chan_stride);
            v[d] = LOAD_KV(v_off + d * pc.chan_stride);
        }
        if (pc.rotary != 0) {
            for (int r = 0; r < DIM_HEAD / 2; ++r) {
                float a = k[2 * r], b = k[2 * r + 1], c = key_cos[r], s = key_sin[r];
                k[2 * r] = a * c - b * s;
                k[2 * r + 1] = b * c + a * s;
                key_cos[r] = c * step_cos[r] - s * step_sin[r];
                key_sin[r] = s * step_cos[r] + c * step_sin[r];
            }
        }
        for (int i = 0; i < QUERY_BLOCK; ++i) {
            float dot_qk = 0.0;
            for (int d = 0; d < DIM_HEAD; ++d) dot_qk += q[i * DIM_HEAD + d] * k[d];
            const bool visible = j < key_end[i];
            const float new_max = visible ? max(running_max[i], dot_qk) : running_max[i];
            const float correction = exp(running_max[i] - new_max);
            const float p = visible ? exp(dot_qk - new_max) : 0.0;
            running_sum[i] = running_sum[i] * correction + p;
            for (int d = 0; d < DIM_HEAD; ++d) acc[i * DIM_HEAD + d] = acc[i * DIM_HEAD + d] * correction + p * v[d];
            running_max[i] = new_max;
        }
    }

    for (int i = 0; i < QUERY_BLOCK; ++i) {
        const int qi = q0 + i;
        if (qi >= pc.q_count) break;
        const float inv_sum = 1.0 / running_sum[i];
        const int out_base = seq * pc.out_seq_stride + qi * pc.out_tok_stride + head * DIM_HEAD * pc.chan_stride;
        for (int d = 0; d < DIM_HEAD; ++d)
            out_data[out_base + d * pc.chan_stride] = dfv_dst_t(acc[i * DIM_HEAD + d] * inv_sum);
    }
}

void main() {
    if (BLOCKED != 0) {
        attend_query_block();
    } else {
        attend_one_query();
    }
}
