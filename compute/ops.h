/* The operator library: each op records its dispatch(es) into a sequence. One op = shaders/<op>.comp +
 * compute/op_<op>.c (this API) + tests/compute/test_<op>.c (vs a double-accumulating C reference) + a
 * bench entry named <op> in `dfview bench-ops`.
 *
 * Tensors are frame-major NCHW (see vk_core.h). Inside one op every tensor has the same dtype (fp32, or
 * fp16 storage with fp32 arithmetic), except where noted. Shapes are checked; a mismatch returns
 * DFV_ERR_ARGUMENT with a message. */
#ifndef DFV_OPS_H
#define DFV_OPS_H

#include "vk_core.h"

/* Per-frame 2D convolution. weight {t = c_out, c = c_in, h = k, w = k}; bias {1, c_out, 1, 1} or NULL;
 * zero padding. out {T, c_out, (H + 2 pad - k)/stride + 1, ...}. */
dfv_status dfv_op_conv2d(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias,
                         int stride, int pad);
/* The same plus a residual of out's shape and dtype, added in the same dispatch (out = conv + bias +
 * residual: the residual add of ResBlocks and attention blocks). NULL: plain dfv_op_conv2d. */
dfv_status dfv_op_conv2d_add(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias,
                             int stride, int pad, const dfv_tensor *residual);

/* Rows times weightᵀ plus bias: in is (rows = t*c*h) x (k = w), weight {1, n, 1, k}, bias {1, 1, 1, n} or
 * NULL, out (rows) x (n). Used for the noise-level and action MLPs. */
dfv_status dfv_op_linear(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor weight, const dfv_tensor *bias);

typedef struct {
    int groups;
    float eps;
    bool per_frame; /* statistics over one frame; false: over the whole window (the official behaviour) */
    bool silu;      /* SiLU after the affine and the modulation */
    /* Optional per-frame modulation y = norm·(1 + scale) + shift, after the affine: {T, 1, 1, 2C} with
     * the C scales first, then the C shifts (the split of Linear(SiLU(emb))). */
    const dfv_tensor *scale_shift;
} dfv_group_norm_desc;

/* gamma, beta {1, C, 1, 1}. Sum and sum of squares in one pass, shifted by the group's first value so the
 * variance stays exact when the mean is far from zero; fp32 throughout. */
dfv_status dfv_op_group_norm(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor gamma, dfv_tensor beta,
                             const dfv_group_norm_desc *desc);

/* Normalises over the channels of every (frame, pixel). gamma, beta {1, C, 1, 1}. */
dfv_status dfv_op_layer_norm(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor gamma, dfv_tensor beta,
                             float eps);

typedef struct {
    float eps;
    const dfv_tensor *gamma, *beta; /* {1, C, 1, 1} each, or both NULL: no affine */
    /* Optional adaLN modulation after the norm (and the affine), per frame: y·(1 + scale) + shift, the
     * frame's C shifts and C scales read from modulation {T, 1, 1, M} at channels shift_channel0 and
     * scale_channel0 (the chunks of a DiT block's Linear(SiLU(c))). */
    const dfv_tensor *modulation;
    int shift_channel0, scale_channel0;
} dfv_layer_norm_desc;
dfv_status dfv_op_layer_norm_modulated(dfv_seq *seq, dfv_tensor out, dfv_tensor in, const dfv_layer_norm_desc *desc);

/* GELU: the exact erf form; GELU_TANH: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the DiT's MLP. */
typedef enum { DFV_UNARY_SILU, DFV_UNARY_GELU, DFV_UNARY_GELU_TANH } dfv_unary;
dfv_status dfv_op_unary(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_unary fn);

/* out = a + b, same shapes (out may alias a). */
dfv_status dfv_op_add(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b);
/* Gated residual: out = a + gate · b, the gate per frame and channel from gate {T, 1, 1, M} at channel
 * gate_channel0 + c (a DiT block's gate chunk of Linear(SiLU(c))). Same shapes otherwise; out may alias a. */
dfv_status dfv_op_add_gated(dfv_seq *seq, dfv_tensor out, dfv_tensor a, dfv_tensor b, dfv_tensor gate, int gate_channel0);

/* Nearest-neighbour ×2 per frame. */
dfv_status dfv_op_upsample2x(dfv_seq *seq, dfv_tensor out, dfv_tensor in);

/* Copies frames [src_t0, src_t0 + t_n) × channels [src_c0, src_c0 + c_n) of src into dst at
 * (dst_t0, dst_c0). Same H, W. Channel concatenation is two of these; so is appending to a K/V cache.
 * src and dst may differ in dtype (this is also the fp32 <-> fp16 conversion). */
dfv_status dfv_op_copy(dfv_seq *seq, dfv_tensor dst, int dst_t0, int dst_c0, dfv_tensor src, int src_t0, int src_c0,
                       int t_n, int c_n);

typedef struct {
    int heads, dim_head;
    bool temporal; /* tokens are the frames at one pixel; false: the pixels of one frame */
    bool causal;   /* temporal only: query frame i sees key frames j <= q_pos0 + i */
    bool rotary;   /* temporal only: interleaved rotary on q and k; q at q_pos0 + i, k at j (fp32) */
    int q_pos0;    /* position of the first query frame among the key frames (0 without a cache) */
    int q_channel0, k_channel0, v_channel0; /* where q, k, v start in q_src / kv_src */
    /* rotary only: fp32 {1, dim_head/2, 1, 1}, the frequency of each interleaved pair. The checkpoint's
     * stored values or dfv_rotary_default_freqs() (model.h); the official network uses what it stores. */
    dfv_tensor rotary_freqs;
} dfv_attention_desc;

/* Softmax attention, scale 1/sqrt(dim_head), fp32 softmax. q_src {Tq, ≥ q_channel0 + heads·dim_head, H, W};
 * kv_src {Tk, ..., H, W} (the same tensor as q_src without a cache); out {Tq, heads·dim_head, H, W}.
 * Spatial: Tq == Tk, each frame attends within itself. */
dfv_status dfv_op_attention(dfv_seq *seq, dfv_tensor out, dfv_tensor q_src, dfv_tensor kv_src,
                            const dfv_attention_desc *desc);

/* The official spatial linear attention: q softmax over the head dim, k softmax over the pixels,
 * q ·= dim_head^-1/2, ctx = k vᵀ, out = ctxᵀ q. qkv {T, 3·heads·dim_head, H, W} split q | k | v. */
dfv_status dfv_op_linear_attention(dfv_seq *seq, dfv_tensor out, dfv_tensor qkv, int heads, int dim_head);

/* Sinusoidal noise-level embedding: timesteps fp32 {T, 1, 1, 1} (integers as floats, read at submit time);
 * out {T, 1, 1, dim} = [cos(t·f), sin(t·f)], f_i = exp(-ln(10000)·i/(dim/2)). */
dfv_status dfv_op_timestep_embedding(dfv_seq *seq, dfv_tensor out, dfv_tensor timesteps);

typedef struct {
    int heads, dim_head; /* heads·dim_head channels from channel0; pair i of a head is channels (2i, 2i+1) */
    int channel0;
    bool temporal; /* position = frame + pos0; false: the pixel index y·W + x */
    int pos0;
} dfv_rotary_desc;

/* Rotary position embedding from a given table: table fp32 {1, positions, 2, pairs} holds, per position,
 * the cos then the sin of each pair's angle (computed on the host from the model's frequencies); pairs ≤
 * dim_head/2, later pairs pass through. Pair i at position p: (a, b) -> (a·cos − b·sin, b·cos + a·sin).
 * out has in's shape and only the rotated channels are written (in place: q and k inside a qkv tensor).
 * Spatial: positions == H·W; temporal: positions ≥ pos0 + T. */
dfv_status dfv_op_rotary(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor table, const dfv_rotary_desc *desc);

/* Unpatchify: in {T, C·f², h, w} -> out {T, C, h·f, w·f}, out[t, c, y·f + i, x·f + j] = in[t, c·f² + i·f + j, y, x]. */
dfv_status dfv_op_pixel_shuffle(dfv_seq *seq, dfv_tensor out, dfv_tensor in, int factor);
/* Patchify, the inverse: in {T, C, H, W} -> out {T, C·f², H/f, W/f}. A patch embedding (Conv2d, kernel =
 * stride = f) is this and a 1x1 convolution with the same weight viewed {D, C·f², 1, 1}. */
dfv_status dfv_op_pixel_unshuffle(dfv_seq *seq, dfv_tensor out, dfv_tensor in, int factor);

#endif
