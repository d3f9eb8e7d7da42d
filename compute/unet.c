/* The Unet3D graph. One builder function describes the network; it runs twice per window length: first
 * to plan (activation sizes and lifetimes, then offsets packed into pools no larger than one storage
 * binding), then to record the dispatches into a sequence that every later call resubmits. */
#include "unet.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define DFV_UNET_MAX_ACTS 4096
#define DFV_UNET_MAX_POOLS 16
#define DFV_UNET_ALIGN 256

typedef struct {
    char name[96];
    int pool;
    dfv_tensor tensor;
} unet_weight;

typedef struct {
    size_t bytes;
    int first, last; /* op indices of the first write and the last read */
    int pool;
    size_t offset;
    dfv_tensor shape; /* t, c, h, w, dtype */
} unet_act;

typedef enum { MODE_FULL, MODE_CONTEXT, MODE_CACHED } unet_mode;

/* One recorded network call for a given (mode, T). */
typedef struct {
    unet_mode mode;
    int T;
    dfv_seq *seq;
    int act_count;
    unet_act acts[DFV_UNET_MAX_ACTS];
    dfv_buffer *pools[DFV_UNET_MAX_POOLS];
    int pool_count;
} unet_plan;

struct dfv_unet {
    dfv_ctx *ctx;
    const dfv_model *model;
    const dfv_model_config *cfg;
    dfv_dtype dtype;
    int in_channels, res, window, action_dim;

    unet_weight *weights;
    int weight_count;
    dfv_buffer *weight_pools[DFV_UNET_MAX_POOLS];
    int weight_pool_count;

    /* Host-visible input/output, sized for the full window. */
    dfv_buffer *x_in, *t_in, *a_in, *v_out;
    /* fp32 rotary frequencies of the temporal attention, whatever the storage dtype */
    dfv_buffer *rotary_freqs;
    /* Per temporal-attention layer: keys and values of the cached context frames, unrotated. */
    dfv_buffer *kv_cache[64];
    int kv_layers;
    int cached_frames;

    unet_plan *plans_full[DFV_MAX_WINDOW + 1], *plans_context[DFV_MAX_WINDOW + 1];
    unet_plan *plans_cached[DFV_MAX_WINDOW][DFV_MAX_WINDOW + 1]; /* [cached frames][new frames]: where keys go is baked in */
    dfv_seq *last_seq;
};

/* ---- weights ------------------------------------------------------------------------------------- */

static uint16_t f32_to_f16(float value)
{
    uint32_t x;
    memcpy(&x, &value, 4);
    uint32_t sign = (x >> 16) & 0x8000u, mant = x & 0x7fffffu;
    int exp = (int)((x >> 23) & 0xff) - 127 + 15;
    if (((x >> 23) & 0xff) == 0xff) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
    if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
    if (exp <= 0) {
        if (exp < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - exp), half = mant >> shift, rest = mant & ((1u << shift) - 1);
        uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13), rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1))) half++; /* carry into the exponent is correct */
    return (uint16_t)half;
}

static size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

static size_t pool_limit(const dfv_unet *net)
{
    uint64_t range = dfv_ctx_caps(net->ctx)->max_storage_buffer_range;
    uint64_t limit = 1ull << 30;
    return (size_t)(range < limit ? range : limit);
}

/* Packs every tensor of the model into as few buffers as one binding allows and uploads them. */
static dfv_status upload_weights(dfv_unet *net)
{
    const dfv_st_file *file = dfv_model_file(net->model);
    int count = dfv_st_tensor_count(file);
    size_t esize = dfv_dtype_size(net->dtype), limit = pool_limit(net);
    net->weights = calloc((size_t)count, sizeof *net->weights);
    if (!net->weights) return dfv_ctx_fail(net->ctx, DFV_ERR_MEMORY, "out of host memory for the weight table");
    size_t pool_bytes[DFV_UNET_MAX_POOLS] = {0};
    int pool = 0;
    for (int i = 0; i < count; i++) {
        const dfv_st_tensor *st = dfv_st_tensor_at(file, i);
        size_t bytes = align_up((size_t)st->count * esize, DFV_UNET_ALIGN);
        if (bytes > limit)
            return dfv_ctx_fail(net->ctx, DFV_ERR_UNSUPPORTED, "tensor %s is larger than one storage binding", st->name);
        if (pool_bytes[pool] + bytes > limit && ++pool >= DFV_UNET_MAX_POOLS)
            return dfv_ctx_fail(net->ctx, DFV_ERR_UNSUPPORTED, "model too large for the weight pools");
        unet_weight *w = &net->weights[i];
        snprintf(w->name, sizeof w->name, "%s", st->name);
        w->pool = pool;
        w->tensor = (dfv_tensor){.offset = pool_bytes[pool], .dtype = net->dtype, .t = 1, .c = 1, .h = 1, .w = 1};
        pool_bytes[pool] += bytes;
    }
    net->weight_count = count;
    net->weight_pool_count = pool + 1;
    for (int p = 0; p < net->weight_pool_count; p++) {
        dfv_status s = dfv_buffer_create(net->ctx, pool_bytes[p] ? pool_bytes[p] : DFV_UNET_ALIGN, DFV_MEM_DEVICE,
                                         &net->weight_pools[p]);
        if (s) return s;
    }
    size_t staging_bytes = 0;
    for (int i = 0; i < count; i++) {
        size_t b = (size_t)dfv_st_tensor_at(file, i)->count * 4;
        if (b > staging_bytes) staging_bytes = b;
    }
    float *f32 = malloc(staging_bytes ? staging_bytes : 4);
    if (!f32) return dfv_ctx_fail(net->ctx, DFV_ERR_MEMORY, "out of host memory while uploading weights");
    dfv_status s = DFV_OK;
    for (int i = 0; i < count && !s; i++) {
        const dfv_st_tensor *st = dfv_st_tensor_at(file, i);
        unet_weight *w = &net->weights[i];
        w->tensor.buf = net->weight_pools[w->pool];
        dfv_st_to_f32(st, f32);
        if (net->dtype == DFV_F16) {
            uint16_t *h = (uint16_t *)f32; /* narrowing in place is safe: index i reads 4i, writes 2i */
            for (uint64_t k = 0; k < st->count; k++) h[k] = f32_to_f16(f32[k]);
        }
        s = dfv_buffer_upload(net->ctx, w->tensor.buf, w->tensor.offset, f32, (size_t)st->count * esize);
    }
    free(f32);
    return s;
}

typedef struct {
    dfv_unet *net;
    unet_plan *plan;
    bool recording;
    int op; /* index of the op being described */
    dfv_status status;
    int kv_layer; /* temporal-attention layers seen so far */
} builder;

/* A weight viewed with the shape the op expects; a missing name is a bug in the graph, not the file
 * (the loader has checked the file against the config). */
static dfv_tensor weight(builder *b, int t, int c, int h, int w, const char *fmt, ...)
{
    dfv_unet *net = b->net;
    char name[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    int lo = 0, hi = net->weight_count - 1; /* the file's tensors are sorted by name */
    while (lo <= hi) {
        int mid = (lo + hi) / 2, cmp = strcmp(net->weights[mid].name, name);
        if (!cmp) {
            dfv_tensor x = net->weights[mid].tensor;
            x.t = t, x.c = c, x.h = h, x.w = w;
            return x;
        }
        if (cmp < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    if (!b->status) b->status = dfv_ctx_fail(net->ctx, DFV_ERR_ARGUMENT, "graph asks for unknown tensor %s", name);
    return (dfv_tensor){0};
}

/* ---- the builder: one description of the network, run to plan and to record ------------------------ */

typedef int act_id;

static act_id new_act(builder *b, int t, int c, int h, int w)
{
    unet_plan *p = b->plan;
    if (p->act_count >= DFV_UNET_MAX_ACTS) {
        if (!b->status) b->status = dfv_ctx_fail(b->net->ctx, DFV_ERR_ARGUMENT, "graph has too many activations");
        return 0;
    }
    act_id id = p->act_count++;
    if (!b->recording) {
        unet_act *a = &p->acts[id];
        a->shape = (dfv_tensor){.dtype = b->net->dtype, .t = t, .c = c, .h = h, .w = w};
        a->bytes = align_up(dfv_tensor_bytes(a->shape), DFV_UNET_ALIGN);
        a->first = a->last = b->op;
    }
    return id;
}

static dfv_tensor use(builder *b, act_id id)
{
    unet_act *a = &b->plan->acts[id];
    if (!b->recording && b->op > a->last) a->last = b->op;
    return a->shape;
}

static void check(builder *b, dfv_status s)
{
    if (s && !b->status) b->status = s; /* the op left its message in the context */
}

/* Ends the description of one op; returns whether to record it. */
static bool op_begin(builder *b)
{
    b->op++;
    return b->recording && !b->status;
}

static act_id conv(builder *b, act_id in, int c_out, int k, int stride, bool bias, const char *prefix)
{
    dfv_tensor x = use(b, in);
    int h = (x.h + 2 * (k / 2) - k) / stride + 1, w = (x.w + 2 * (k / 2) - k) / stride + 1;
    act_id out = new_act(b, x.t, c_out, h, w);
    if (op_begin(b)) {
        dfv_tensor wt = weight(b, c_out, x.c, k, k, "%s.weight", prefix);
        dfv_tensor bt = bias ? weight(b, 1, c_out, 1, 1, "%s.bias", prefix) : (dfv_tensor){0};
        check(b, dfv_op_conv2d(b->plan->seq, use(b, out), x, wt, bias ? &bt : NULL, stride, k / 2));
    }
    return out;
}

/* conv(in) + bias + residual in one dispatch (stride 1, same size): the residual adds of ResBlocks and
 * attention blocks, without a separate add over the activation. */
static act_id conv_add(builder *b, act_id in, act_id residual, int c_out, int k, const char *prefix)
{
    dfv_tensor x = use(b, in), r = use(b, residual);
    act_id out = new_act(b, x.t, c_out, x.h, x.w);
    if (op_begin(b)) {
        dfv_tensor wt = weight(b, c_out, x.c, k, k, "%s.weight", prefix);
        dfv_tensor bt = weight(b, 1, c_out, 1, 1, "%s.bias", prefix);
        check(b, dfv_op_conv2d_add(b->plan->seq, use(b, out), x, wt, &bt, 1, k / 2, &r));
    }
    return out;
}

static act_id linear(builder *b, act_id in, int n_out, const char *prefix)
{
    dfv_tensor x = use(b, in);
    act_id out = new_act(b, x.t, 1, 1, n_out);
    if (op_begin(b)) {
        dfv_tensor wt = weight(b, 1, n_out, 1, x.w, "%s.weight", prefix);
        dfv_tensor bt = weight(b, 1, 1, 1, n_out, "%s.bias", prefix);
        check(b, dfv_op_linear(b->plan->seq, use(b, out), x, wt, &bt));
    }
    return out;
}

static act_id unary(builder *b, act_id in, dfv_unary fn)
{
    dfv_tensor x = use(b, in);
    act_id out = new_act(b, x.t, x.c, x.h, x.w);
    if (op_begin(b)) check(b, dfv_op_unary(b->plan->seq, use(b, out), x, fn));
    return out;
}

static act_id add(builder *b, act_id x_id, act_id y_id)
{
    dfv_tensor x = use(b, x_id), y = use(b, y_id);
    act_id out = new_act(b, x.t, x.c, x.h, x.w);
    if (op_begin(b)) check(b, dfv_op_add(b->plan->seq, use(b, out), x, y));
    return out;
}

static act_id group_norm(builder *b, act_id in, const act_id *scale_shift, const char *prefix)
{
    const dfv_model_arch *arch = &b->net->cfg->arch;
    dfv_tensor x = use(b, in), ss = scale_shift ? use(b, *scale_shift) : (dfv_tensor){0};
    act_id out = new_act(b, x.t, x.c, x.h, x.w);
    if (op_begin(b)) {
        dfv_group_norm_desc d = {.groups = arch->groupnorm_groups, .eps = arch->groupnorm_eps,
                                 .per_frame = arch->groupnorm_per_frame, .silu = true,
                                 .scale_shift = scale_shift ? &ss : NULL};
        dfv_tensor g = weight(b, 1, x.c, 1, 1, "%s.weight", prefix);
        dfv_tensor be = weight(b, 1, x.c, 1, 1, "%s.bias", prefix);
        check(b, dfv_op_group_norm(b->plan->seq, use(b, out), x, g, be, &d));
    }
    return out;
}

static act_id concat(builder *b, act_id a_id, act_id c_id)
{
    dfv_tensor a = use(b, a_id), c = use(b, c_id);
    act_id out = new_act(b, a.t, a.c + c.c, a.h, a.w);
    if (op_begin(b)) check(b, dfv_op_copy(b->plan->seq, use(b, out), 0, 0, a, 0, 0, a.t, a.c));
    if (op_begin(b)) check(b, dfv_op_copy(b->plan->seq, use(b, out), 0, a.c, c, 0, 0, c.t, c.c));
    return out;
}

/* ResBlock: skip(x) + conv(SiLU(GN(conv(SiLU(GN(x))))·(1 + s) + b)). */
static act_id resblock(builder *b, act_id x, act_id emb_silu, bool has_emb, int c_out, const char *prefix)
{
    char name[96];
    int c_in = use(b, x).c;
    snprintf(name, sizeof name, "%s.in_layers.0", prefix);
    act_id h = group_norm(b, x, NULL, name);
    snprintf(name, sizeof name, "%s.in_layers.2", prefix);
    h = conv(b, h, c_out, 3, 1, true, name);
    act_id ss = 0;
    if (has_emb) {
        snprintf(name, sizeof name, "%s.emb_layers.1", prefix);
        ss = linear(b, emb_silu, 2 * c_out, name);
    }
    snprintf(name, sizeof name, "%s.out_layers.0", prefix);
    h = group_norm(b, h, has_emb ? &ss : NULL, name);
    act_id skip = x;
    if (c_in != c_out) {
        snprintf(name, sizeof name, "%s.skip_conv", prefix);
        skip = conv(b, x, c_out, 1, 1, true, name);
    }
    snprintf(name, sizeof name, "%s.out_layers.2", prefix);
    return conv_add(b, h, skip, c_out, 3, name);
}

static act_id layer_norm(builder *b, act_id in, const char *prefix)
{
    dfv_tensor x = use(b, in);
    act_id out = new_act(b, x.t, x.c, x.h, x.w);
    if (op_begin(b)) {
        dfv_tensor g = weight(b, 1, x.c, 1, 1, "%s.weight", prefix);
        dfv_tensor be = weight(b, 1, x.c, 1, 1, "%s.bias", prefix);
        check(b, dfv_op_layer_norm(b->plan->seq, use(b, out), x, g, be, b->net->cfg->arch.layernorm_eps));
    }
    return out;
}

typedef enum { ATTN_SPATIAL_FULL, ATTN_SPATIAL_LINEAR, ATTN_TEMPORAL } attn_kind;

/* Temporal attention with a K/V cache: CONTEXT mode stores this layer's keys and values; CACHED mode
 * appends the new frames' keys and values after the cached ones and attends over all of them. */
static act_id attend(builder *b, act_id qkv_id, attn_kind kind)
{
    dfv_unet *net = b->net;
    const dfv_model_arch *arch = &net->cfg->arch;
    int hd = arch->heads * arch->dim_head;
    dfv_tensor qkv = use(b, qkv_id);
    act_id out = new_act(b, qkv.t, hd, qkv.h, qkv.w);
    if (kind == ATTN_SPATIAL_LINEAR) {
        if (op_begin(b))
            check(b, dfv_op_linear_attention(b->plan->seq, use(b, out), qkv, arch->heads, arch->dim_head));
        return out;
    }
    dfv_attention_desc d = {.heads = arch->heads, .dim_head = arch->dim_head, .temporal = kind == ATTN_TEMPORAL,
                            .causal = kind == ATTN_TEMPORAL && arch->causal,
                            .rotary = kind == ATTN_TEMPORAL && arch->rotary,
                            .q_channel0 = 0, .k_channel0 = hd, .v_channel0 = 2 * hd,
                            .rotary_freqs = {.buf = net->rotary_freqs, .dtype = DFV_F32, .t = 1,
                                             .c = arch->dim_head / 2, .h = 1, .w = 1}};
    dfv_tensor kv = qkv;
    unet_mode mode = b->plan->mode;
    if (kind == ATTN_TEMPORAL && mode != MODE_FULL) {
        int layer = b->kv_layer++;
        kv = (dfv_tensor){.buf = net->kv_cache[layer], .dtype = net->dtype, .t = net->window, .c = 2 * hd,
                          .h = qkv.h, .w = qkv.w};
        int first = mode == MODE_CONTEXT ? 0 : net->cached_frames;
        if (op_begin(b)) check(b, dfv_op_copy(b->plan->seq, kv, first, 0, qkv, 0, hd, qkv.t, 2 * hd));
        if (mode == MODE_CONTEXT && layer == net->kv_layers - 1) return -1; /* see build() */
        kv.t = first + qkv.t;
        d.q_pos0 = first;
        d.k_channel0 = 0, d.v_channel0 = hd;
    }
    if (op_begin(b)) check(b, dfv_op_attention(b->plan->seq, use(b, out), qkv, kv, &d));
    return out;
}

/* x + to_out(Attn(to_qkv(LayerNorm(x)))). */
static act_id attention_block(builder *b, act_id x, attn_kind kind, const char *prefix)
{
    const dfv_model_arch *arch = &b->net->cfg->arch;
    int hd = arch->heads * arch->dim_head, c = use(b, x).c;
    char name[128];
    snprintf(name, sizeof name, "%s.norm", prefix);
    act_id h = layer_norm(b, x, name);
    snprintf(name, sizeof name, "%s.attn.to_qkv", prefix);
    h = conv(b, h, 3 * hd, 1, 1, false, name);
    h = attend(b, h, kind);
    if (h < 0) return h;
    snprintf(name, sizeof name, "%s.attn.to_out", prefix);
    return conv_add(b, h, x, c, 1, name);
}

static act_id spatial_attention(builder *b, act_id x, char where, int index, const char *prefix)
{
    char name[128];
    snprintf(name, sizeof name, "%s.wrapper.module", prefix);
    bool lin = dfv_model_linear_attention_at(&b->net->cfg->arch, where, index);
    return attention_block(b, x, lin ? ATTN_SPATIAL_LINEAR : ATTN_SPATIAL_FULL, name);
}

static act_id temporal_attention(builder *b, act_id x, const char *prefix)
{
    char name[128];
    snprintf(name, sizeof name, "%s.wrapper.module.attn_block", prefix);
    return attention_block(b, x, ATTN_TEMPORAL, name);
}

/* SiLU(noise-level embedding [+ action MLP]): every ResBlock's emb_layers start with SiLU. */
static act_id embedding(builder *b, int T)
{
    dfv_unet *net = b->net;
    int dim = net->cfg->arch.dim;
    act_id t_emb = new_act(b, T, 1, 1, dim);
    if (op_begin(b)) {
        dfv_tensor ts = {.buf = net->t_in, .dtype = DFV_F32, .t = T, .c = 1, .h = 1, .w = 1};
        check(b, dfv_op_timestep_embedding(b->plan->seq, use(b, t_emb), ts));
    }
    act_id e = linear(b, t_emb, 4 * dim, "noise_level_pos_embedding.1.linear_1");
    e = unary(b, e, DFV_UNARY_SILU);
    e = linear(b, e, 4 * dim, "noise_level_pos_embedding.1.linear_2");
    if (net->action_dim > 0) {
        act_id a = new_act(b, T, 1, 1, net->action_dim);
        if (op_begin(b)) {
            dfv_tensor src = {.buf = net->a_in, .dtype = DFV_F32, .t = T, .c = 1, .h = 1, .w = net->action_dim};
            check(b, dfv_op_copy(b->plan->seq, use(b, a), 0, 0, src, 0, 0, T, 1));
        }
        a = linear(b, a, 4 * dim, "action_mlp.0");
        a = unary(b, a, DFV_UNARY_SILU);
        a = linear(b, a, 4 * dim, "action_mlp.2");
        e = add(b, e, a);
    }
    return unary(b, e, DFV_UNARY_SILU);
}

static void build(builder *b, int T)
{
    dfv_unet *net = b->net;
    const dfv_model_arch *arch = &net->cfg->arch;
    int dims[DFV_MODEL_MAX_LEVELS + 1], L = arch->levels;
    dims[0] = arch->dim;
    for (int i = 0; i < L; i++) dims[i + 1] = arch->dim * arch->dim_mults[i];

    act_id emb = embedding(b, T);
    act_id x = new_act(b, T, net->in_channels, net->res, net->res);
    if (op_begin(b)) {
        dfv_tensor src = {.buf = net->x_in, .dtype = DFV_F32, .t = T, .c = net->in_channels, .h = net->res, .w = net->res};
        check(b, dfv_op_copy(b->plan->seq, use(b, x), 0, 0, src, 0, 0, T, net->in_channels));
    }
    x = conv(b, x, dims[0], arch->init_kernel, 1, true, "init_conv");
    x = temporal_attention(b, x, "init_temporal_attn");
    act_id h = x, skips[DFV_MODEL_MAX_LEVELS];
    char p[96];
    for (int i = 0; i < L; i++) {
        snprintf(p, sizeof p, "down_blocks.%d.0.0", i);
        h = resblock(b, h, emb, true, dims[i + 1], p);
        snprintf(p, sizeof p, "down_blocks.%d.0.1", i);
        h = resblock(b, h, emb, true, dims[i + 1], p);
        snprintf(p, sizeof p, "down_blocks.%d.0.2", i);
        h = spatial_attention(b, h, 'd', i, p);
        snprintf(p, sizeof p, "down_blocks.%d.0.3", i);
        h = temporal_attention(b, h, p);
        skips[i] = h;
        if (i < L - 1) {
            snprintf(p, sizeof p, "down_blocks.%d.1.conv", i);
            h = conv(b, h, dims[i + 1], 3, 2, true, p);
        }
    }
    h = resblock(b, h, emb, true, dims[L], "mid_block.0");
    h = spatial_attention(b, h, 'm', 0, "mid_block.1");
    h = temporal_attention(b, h, "mid_block.2");
    h = resblock(b, h, emb, true, dims[L], "mid_block.3");
    for (int j = 0; j < L; j++) {
        int lvl = L - 1 - j;
        h = concat(b, h, skips[lvl]);
        snprintf(p, sizeof p, "up_blocks.%d.0", j);
        h = resblock(b, h, emb, true, dims[lvl], p);
        snprintf(p, sizeof p, "up_blocks.%d.1", j);
        h = resblock(b, h, emb, true, dims[lvl], p);
        snprintf(p, sizeof p, "up_blocks.%d.2", j);
        h = spatial_attention(b, h, 'u', j, p);
        snprintf(p, sizeof p, "up_blocks.%d.3", j);
        h = temporal_attention(b, h, p);
        /* Caching context needs only the keys and values of every temporal layer: past the last layer's
         * K/V copy, nothing it computes is read (its output is never returned). */
        if (h < 0) return;
        if (j < L - 1) {
            dfv_tensor t = use(b, h);
            act_id up = new_act(b, t.t, t.c, 2 * t.h, 2 * t.w);
            if (op_begin(b)) check(b, dfv_op_upsample2x(b->plan->seq, use(b, up), t));
            snprintf(p, sizeof p, "up_blocks.%d.4.conv", j);
            h = conv(b, up, dims[lvl], 3, 1, true, p);
        }
    }
    h = concat(b, h, x);
    h = resblock(b, h, 0, false, dims[0], "out.0");
    h = conv(b, h, net->in_channels, 1, 1, true, "out.1");
    if (op_begin(b)) {
        dfv_tensor dst = {.buf = net->v_out, .dtype = DFV_F32, .t = T, .c = net->in_channels, .h = net->res, .w = net->res};
        check(b, dfv_op_copy(b->plan->seq, dst, 0, 0, use(b, h), 0, 0, T, net->in_channels));
    }
}

/* ---- planning: pack activations with overlapping lifetimes apart, reuse the rest ------------------ */

static int by_size_desc(const void *a, const void *b)
{
    const unet_act *x = *(unet_act *const *)a, *y = *(unet_act *const *)b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static bool overlaps(const unet_act *a, const unet_act *b)
{
    return a->first <= b->last && b->first <= a->last;
}

/* Greedy: biggest first, each at the lowest offset of the first pool where no live neighbour sits. */
static dfv_status place_acts(dfv_unet *net, unet_plan *p, size_t *pool_bytes)
{
    unet_act **order = malloc((size_t)p->act_count * sizeof *order);
    if (!order) return dfv_ctx_fail(net->ctx, DFV_ERR_MEMORY, "out of host memory while planning");
    for (int i = 0; i < p->act_count; i++) order[i] = &p->acts[i];
    qsort(order, (size_t)p->act_count, sizeof *order, by_size_desc);
    size_t limit = pool_limit(net);
    dfv_status s = DFV_OK;
    for (int i = 0; i < p->act_count && !s; i++) {
        unet_act *a = order[i];
        if (a->bytes > limit) {
            s = dfv_ctx_fail(net->ctx, DFV_ERR_UNSUPPORTED, "an activation of %zu bytes exceeds one storage binding (%zu)",
                             a->bytes, limit);
            break;
        }
        for (int pool = 0;; pool++) {
            if (pool >= DFV_UNET_MAX_POOLS) {
                s = dfv_ctx_fail(net->ctx, DFV_ERR_UNSUPPORTED, "activations do not fit the activation pools");
                break;
            }
            size_t offset = 0;
            for (bool moved = true; moved;) {
                moved = false;
                for (int j = 0; j < i; j++) {
                    unet_act *o = order[j];
                    if (o->pool == pool && overlaps(a, o) && offset < o->offset + o->bytes && o->offset < offset + a->bytes) {
                        offset = o->offset + o->bytes;
                        moved = true;
                    }
                }
            }
            if (offset + a->bytes <= limit) {
                a->pool = pool, a->offset = offset;
                if (offset + a->bytes > pool_bytes[pool]) pool_bytes[pool] = offset + a->bytes;
                if (pool + 1 > p->pool_count) p->pool_count = pool + 1;
                break;
            }
        }
    }
    free(order);
    return s;
}

static void plan_free(dfv_unet *net, unet_plan *p)
{
    if (!p) return;
    dfv_seq_destroy(p->seq);
    for (int i = 0; i < p->pool_count; i++) dfv_buffer_destroy(net->ctx, p->pools[i]);
    free(p);
}

static dfv_status plan_create(dfv_unet *net, unet_mode mode, int T, unet_plan **out)
{
    unet_plan *p = calloc(1, sizeof *p);
    if (!p) return dfv_ctx_fail(net->ctx, DFV_ERR_MEMORY, "out of host memory while planning");
    p->mode = mode, p->T = T;
    builder b = {.net = net, .plan = p};
    build(&b, T);
    size_t pool_bytes[DFV_UNET_MAX_POOLS] = {0};
    dfv_status s = b.status ? b.status : place_acts(net, p, pool_bytes);
    for (int i = 0; i < p->pool_count && !s; i++)
        s = dfv_buffer_create(net->ctx, pool_bytes[i], DFV_MEM_DEVICE, &p->pools[i]);
    for (int i = 0; i < p->act_count && !s; i++) {
        p->acts[i].shape.buf = p->pools[p->acts[i].pool];
        p->acts[i].shape.offset = p->acts[i].offset;
    }
    if (!s) s = dfv_seq_create(net->ctx, &p->seq);
    if (!s) {
        int planned = p->act_count;
        builder r = {.net = net, .plan = p, .recording = true};
        p->act_count = 0;
        build(&r, T);
        s = r.status;
        if (!s && p->act_count != planned)
            s = dfv_ctx_fail(net->ctx, DFV_ERR_ARGUMENT, "graph differs between planning and recording");
    }
    if (s) {
        plan_free(net, p);
        return s;
    }
    *out = p;
    return DFV_OK;
}

/* ---- public API ------------------------------------------------------------------------------------ */

static dfv_status create_io(dfv_unet *net)
{
    size_t frame = (size_t)net->in_channels * net->res * net->res * 4;
    dfv_status s = dfv_buffer_create(net->ctx, frame * net->window, DFV_MEM_HOST, &net->x_in);
    if (!s) s = dfv_buffer_create(net->ctx, align_up(4 * (size_t)net->window, 16), DFV_MEM_HOST, &net->t_in);
    if (!s) s = dfv_buffer_create(net->ctx, align_up(4 * (size_t)net->window * (net->action_dim ? net->action_dim : 1), 16),
                                  DFV_MEM_HOST, &net->a_in);
    if (!s) s = dfv_buffer_create(net->ctx, frame * net->window, DFV_MEM_HOST, &net->v_out);
    return s;
}

static dfv_status upload_rotary_freqs(dfv_unet *net)
{
    size_t bytes = sizeof(float) * (size_t)(net->cfg->arch.dim_head / 2);
    dfv_status s = dfv_buffer_create(net->ctx, align_up(bytes, 16), DFV_MEM_DEVICE, &net->rotary_freqs);
    if (!s) s = dfv_buffer_upload(net->ctx, net->rotary_freqs, 0, dfv_model_rotary_freqs(net->model, NULL), bytes);
    return s;
}

/* One K/V buffer per temporal-attention layer, sized for a full window at that layer's resolution. */
static dfv_status create_kv_cache(dfv_unet *net)
{
    const dfv_model_arch *arch = &net->cfg->arch;
    size_t hd2 = 2 * (size_t)arch->heads * arch->dim_head * dfv_dtype_size(net->dtype) * net->window;
    int res[2 * DFV_MODEL_MAX_LEVELS + 2], n = 0, r = net->res;
    res[n++] = r; /* init */
    for (int i = 0; i < arch->levels; i++) {
        res[n++] = r;
        if (i < arch->levels - 1) r /= 2;
    }
    res[n++] = r; /* mid */
    for (int j = 0; j < arch->levels; j++) {
        res[n++] = r;
        if (j < arch->levels - 1) r *= 2;
    }
    for (int i = 0; i < n; i++) {
        dfv_status s = dfv_buffer_create(net->ctx, hd2 * res[i] * res[i], DFV_MEM_DEVICE, &net->kv_cache[i]);
        if (s) return s;
        net->kv_layers = i + 1; /* what dfv_unet_destroy frees if a later buffer fails */
    }
    return DFV_OK;
}

dfv_status dfv_unet_create(dfv_ctx *ctx, const dfv_model *model, const dfv_unet_desc *desc, dfv_unet **out)
{
    *out = NULL;
    dfv_unet *net = calloc(1, sizeof *net);
    if (!net) return dfv_ctx_fail(ctx, DFV_ERR_MEMORY, "out of host memory for the network");
    net->ctx = ctx, net->model = model, net->cfg = dfv_model_get_config(model);
    net->dtype = desc && desc->dtype == DFV_F16 ? DFV_F16 : DFV_F32;
    net->in_channels = dfv_model_in_channels(net->cfg);
    net->res = net->cfg->arch.resolution;
    net->window = net->cfg->diffusion.window;
    net->action_dim = net->cfg->actions.dim;
    dfv_status s = DFV_OK;
    if (net->dtype == DFV_F16 && !dfv_ctx_caps(ctx)->fp16_storage)
        s = dfv_ctx_fail(ctx, DFV_ERR_UNSUPPORTED, "this device has no 16-bit storage buffers; run without --fp16");
    else if (net->window > DFV_MAX_WINDOW)
        s = dfv_ctx_fail(ctx, DFV_ERR_UNSUPPORTED, "window %d is longer than %d frames", net->window, DFV_MAX_WINDOW);
    if (!s) s = upload_weights(net);
    if (!s) s = create_io(net);
    if (!s) s = upload_rotary_freqs(net);
    if (!s && dfv_unet_can_cache(net)) s = create_kv_cache(net);
    if (s) dfv_unet_destroy(net);
    else *out = net;
    return s;
}

void dfv_unet_destroy(dfv_unet *net)
{
    if (!net) return;
    for (int t = 0; t <= DFV_MAX_WINDOW; t++) {
        plan_free(net, net->plans_full[t]);
        plan_free(net, net->plans_context[t]);
        for (int c = 0; c < DFV_MAX_WINDOW; c++) plan_free(net, net->plans_cached[c][t]);
    }
    for (int i = 0; i < net->kv_layers; i++) dfv_buffer_destroy(net->ctx, net->kv_cache[i]);
    dfv_buffer_destroy(net->ctx, net->x_in);
    dfv_buffer_destroy(net->ctx, net->t_in);
    dfv_buffer_destroy(net->ctx, net->a_in);
    dfv_buffer_destroy(net->ctx, net->v_out);
    dfv_buffer_destroy(net->ctx, net->rotary_freqs);
    for (int p = 0; p < net->weight_pool_count; p++) dfv_buffer_destroy(net->ctx, net->weight_pools[p]);
    free(net->weights);
    free(net);
}

bool dfv_unet_can_cache(const dfv_unet *net)
{
    return net->cfg->arch.groupnorm_per_frame && net->cfg->arch.causal;
}

/* Fills the host-visible inputs: frames, timesteps as floats, actions with the window's first zeroed
 * (no action leads into it) unless `first_is_window_start` is false (cached frames come before). */
static void write_inputs(dfv_unet *net, const float *x, const int32_t *timesteps, const float *actions, int T,
                         bool first_is_window_start)
{
    size_t frame = (size_t)net->in_channels * net->res * net->res;
    memcpy(dfv_buffer_map(net->x_in), x, frame * T * sizeof(float));
    float *t = dfv_buffer_map(net->t_in);
    for (int i = 0; i < T; i++) t[i] = (float)timesteps[i];
    if (net->action_dim > 0) {
        float *a = dfv_buffer_map(net->a_in);
        size_t n = (size_t)T * net->action_dim;
        if (actions) memcpy(a, actions, n * sizeof(float));
        else memset(a, 0, n * sizeof(float));
        if (first_is_window_start) memset(a, 0, (size_t)net->action_dim * sizeof(float));
    }
}

static unet_plan **plan_slot(dfv_unet *net, unet_mode mode, int T)
{
    if (mode == MODE_FULL) return &net->plans_full[T];
    if (mode == MODE_CONTEXT) return &net->plans_context[T];
    return &net->plans_cached[net->cached_frames][T];
}

static dfv_status run(dfv_unet *net, unet_mode mode, int T, float *out)
{
    unet_plan **slot = plan_slot(net, mode, T);
    dfv_status s = *slot ? DFV_OK : plan_create(net, mode, T, slot);
    if (s) return s;
    net->last_seq = (*slot)->seq;
    if ((s = dfv_seq_submit((*slot)->seq))) return s;
    if (out) memcpy(out, dfv_buffer_map(net->v_out), (size_t)T * net->in_channels * net->res * net->res * sizeof(float));
    return DFV_OK;
}

dfv_status dfv_unet_forward(dfv_unet *net, const float *x, const int32_t *timesteps, const float *actions, int T,
                            float *out)
{
    if (T < 1 || T > net->window)
        return dfv_ctx_fail(net->ctx, DFV_ERR_ARGUMENT, "%d frames given; this model takes 1 to %d per call", T, net->window);
    write_inputs(net, x, timesteps, actions, T, true);
    return run(net, MODE_FULL, T, out);
}

dfv_status dfv_unet_cache_context(dfv_unet *net, const float *x, const int32_t *timesteps, const float *actions,
                                  int n_ctx)
{
    if (!dfv_unet_can_cache(net))
        return dfv_ctx_fail(net->ctx, DFV_ERR_UNSUPPORTED,
                            "this model normalises over the whole window, so its context cannot be cached");
    if (n_ctx < 1 || n_ctx >= net->window)
        return dfv_ctx_fail(net->ctx, DFV_ERR_ARGUMENT, "%d context frames; this model caches 1 to %d", n_ctx,
                            net->window - 1);
    write_inputs(net, x, timesteps, actions, n_ctx, true);
    dfv_status s = run(net, MODE_CONTEXT, n_ctx, NULL);
    net->cached_frames = s ? 0 : n_ctx;
    return s;
}

dfv_status dfv_unet_forward_cached(dfv_unet *net, const float *x_new, const int32_t *timesteps_new,
                                   const float *actions_new, int n_new, float *out)
{
    if (!net->cached_frames) return dfv_ctx_fail(net->ctx, DFV_ERR_ARGUMENT, "no context is cached");
    if (n_new < 1 || net->cached_frames + n_new > net->window)
        return dfv_ctx_fail(net->ctx, DFV_ERR_ARGUMENT, "%d new frames after %d cached exceed the window of %d", n_new,
                    net->cached_frames, net->window);
    write_inputs(net, x_new, timesteps_new, actions_new, n_new, false);
    return run(net, MODE_CACHED, n_new, out);
}

dfv_seq *dfv_unet_last_seq(dfv_unet *net) { return net->last_seq; }

double dfv_unet_flops(const dfv_unet *net, int T) { return dfv_model_flops(net->cfg, T); }
