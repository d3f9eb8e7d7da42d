/* The Oasis DiT (open-oasis dit.py) as engine ops, fp32 or fp16 storage, activations channel-planar per frame
 * (models/oasis/oasis_np.py is the same decomposition in numpy, checked against the official outputs):
 *   patch embedding    pixel_unshuffle + 1x1 conv
 *   c                  Linear(SiLU(Linear(sinusoid(t)))) + Linear(actions); every adaLN reads SiLU(c)
 *   each block         spatial then temporal half: adaLN norm, qkv, rotary, attention (temporal: causal,
 *                      per batch item), out projection, gated residual; adaLN norm, MLP (GELU tanh),
 *                      gated residual — the six chunks of Linear(SiLU(c)) read in place
 *   final layer        adaLN norm, Linear (rows reordered at upload to c·p² + row·p + col), pixel_shuffle
 * Cached context (dfv_dit_context, dfv_dit_forward_cached): with spatial attention per frame and causal
 * temporal attention, a frame's activations depend on no later frame, so the context frames run once and
 * keep each block's temporal keys (rotated at their positions) and values; the new frame then runs alone,
 * its queries at position cached_frames. Every call records a fresh sequence (none kept yet). */
#include <stdlib.h>
#include <string.h>

#include "oasis_graph.h"

typedef struct {
    dfv_tensor mod_w, mod_b, qkv_w, out_w, out_b, fc1_w, fc1_b, fc2_w, fc2_b;
} dit_half;

struct dfv_dit {
    dfv_oasis_dit_arch a;
    dfv_oasis_graph g;
    int weight_count; /* g's tensors up to here live as long as the net */
    dfv_tensor patch_w, patch_b, t1_w, t1_b, t2_w, t2_b, act_w, act_b, final_mod_w, final_mod_b, final_w, final_b;
    dfv_tensor spatial_table, temporal_table;
    dit_half *halves; /* 2 per block: spatial, temporal */
    /* Per block: the context frames' temporal keys and values (rotated keys, then values), {max_frames,
     * 2·hidden, h, w}, made by dfv_dit_context; the new frame's are written after them at every step. */
    dfv_tensor *kv_cache;
    int cached_frames; /* -1: no context recorded */
};

const dfv_oasis_dit_arch *dfv_dit_arch(const dfv_dit *net) { return &net->a; }
dfv_ctx *dfv_dit_ctx(dfv_dit *net) { return net->g.ctx; }

/* A Linear (out, in) as the linear op wants it (rows of tokens {F,1,1,in}): weight {1,out,1,in}, bias {1,1,1,out}. */
static dfv_status load_linear(dfv_dit *net, const char *prefix, int out, int in, dfv_tensor *w, dfv_tensor *b)
{
    char name[128];
    snprintf(name, sizeof name, "dit.%s.weight", prefix);
    dfv_status s = dfv_oasis_graph_weight(&net->g, name, 1, out, 1, in, NULL, w);
    snprintf(name, sizeof name, "dit.%s.bias", prefix);
    return s ? s : dfv_oasis_graph_weight(&net->g, name, 1, 1, 1, out, NULL, b);
}

/* A Linear on channel-planar tokens: a 1x1 conv, weight {out,in,1,1}, bias {1,out,1,1} (b NULL: none). */
static dfv_status load_pointwise(dfv_dit *net, const char *prefix, int out, int in, const dfv_oasis_rows *rows,
                                 dfv_tensor *w, dfv_tensor *b)
{
    char name[128];
    snprintf(name, sizeof name, "dit.%s.weight", prefix);
    dfv_status s = dfv_oasis_graph_weight(&net->g, name, out, in, 1, 1, rows, w);
    snprintf(name, sizeof name, "dit.%s.bias", prefix);
    return s || !b ? s : dfv_oasis_graph_weight(&net->g, name, 1, out, 1, 1, rows, b);
}

static dfv_status load_half(dfv_dit *net, int block, char kind, dit_half *h)
{
    const int d = net->a.hidden, m = net->a.mlp_hidden;
    char pre[96];
    dfv_status s;
    snprintf(pre, sizeof pre, "blocks.%d.%c_adaLN_modulation.1", block, kind);
    if ((s = load_linear(net, pre, 6 * d, d, &h->mod_w, &h->mod_b)))
        return s;
    snprintf(pre, sizeof pre, "blocks.%d.%c_attn.to_qkv", block, kind);
    if ((s = load_pointwise(net, pre, 3 * d, d, NULL, &h->qkv_w, NULL)))
        return s;
    snprintf(pre, sizeof pre, "blocks.%d.%c_attn.to_out", block, kind);
    if ((s = load_pointwise(net, pre, d, d, NULL, &h->out_w, &h->out_b)))
        return s;
    snprintf(pre, sizeof pre, "blocks.%d.%c_mlp.fc1", block, kind);
    if ((s = load_pointwise(net, pre, m, d, NULL, &h->fc1_w, &h->fc1_b)))
        return s;
    snprintf(pre, sizeof pre, "blocks.%d.%c_mlp.fc2", block, kind);
    return load_pointwise(net, pre, d, m, NULL, &h->fc2_w, &h->fc2_b);
}

static dfv_status load_freqs(dfv_dit *net, const char *name, int n, float *out)
{
    const dfv_st_tensor *st = dfv_oasis_model_tensor(net->g.model, name);
    if (!st || (int)st->count != n)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "the model's %s is not %d values", name, n);
    dfv_st_to_f32(st, out);
    return DFV_OK;
}

static dfv_status load_rotary(dfv_dit *net)
{
    const int dh = net->a.hidden / net->a.heads;
    float *freqs = malloc((size_t)dh * sizeof *freqs);
    if (!freqs)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_MEMORY, "out of host memory");
    dfv_status s = load_freqs(net, "dit.spatial_rotary_emb.freqs", dh / 4, freqs);
    if (!s)
        s = dfv_oasis_axial_table(&net->g, freqs, dh / 4, net->a.input_h / net->a.patch,
                                  net->a.input_w / net->a.patch, &net->spatial_table);
    if (!s)
        s = load_freqs(net, "dit.temporal_rotary_emb.freqs", dh / 2, freqs);
    if (!s)
        s = dfv_oasis_sequence_table(&net->g, freqs, dh / 2, net->a.max_frames, &net->temporal_table);
    free(freqs);
    return s;
}

/* The official final Linear emits (row, col, c) per token; pixel_shuffle wants c·p² + row·p + col. */
static dfv_status load_final(dfv_dit *net)
{
    const int p = net->a.patch, c = net->a.channels, n = p * p * c, d = net->a.hidden;
    int *order = malloc((size_t)n * sizeof *order);
    if (!order)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_MEMORY, "out of host memory");
    for (int ch = 0; ch < c; ch++)
        for (int r = 0; r < p; r++)
            for (int q = 0; q < p; q++)
                order[(ch * p + r) * p + q] = (r * p + q) * c + ch;
    dfv_oasis_rows rows = {order, 0, 1.0f};
    dfv_status s = load_pointwise(net, "final_layer.linear", n, d, &rows, &net->final_w, &net->final_b);
    free(order);
    return s ? s : load_linear(net, "final_layer.adaLN_modulation.1", 2 * d, d, &net->final_mod_w, &net->final_mod_b);
}

static dfv_status load_weights(dfv_dit *net)
{
    const dfv_oasis_dit_arch *a = &net->a;
    const int d = a->hidden, p = a->patch;
    dfv_status s;
    /* The patch embedding's Conv2d weight (D, C, p, p) is, row by row, a 1x1 conv over (c, row, col). */
    if ((s = dfv_oasis_graph_weight(&net->g, "dit.x_embedder.proj.weight", d, a->channels * p * p, 1, 1, NULL,
                                    &net->patch_w)) ||
        (s = dfv_oasis_graph_weight(&net->g, "dit.x_embedder.proj.bias", 1, d, 1, 1, NULL, &net->patch_b)) ||
        (s = load_linear(net, "t_embedder.mlp.0", d, a->frequency_dim, &net->t1_w, &net->t1_b)) ||
        (s = load_linear(net, "t_embedder.mlp.2", d, d, &net->t2_w, &net->t2_b)) ||
        (a->action_dim && (s = load_linear(net, "external_cond", d, a->action_dim, &net->act_w, &net->act_b))) ||
        (s = load_final(net)) || (s = load_rotary(net)))
        return s;
    for (int i = 0; i < a->depth; i++)
        if ((s = load_half(net, i, 's', &net->halves[2 * i])) || (s = load_half(net, i, 't', &net->halves[2 * i + 1])))
            return s;
    return DFV_OK;
}

dfv_status dfv_dit_create(dfv_ctx *ctx, const dfv_oasis_model *model, dfv_dtype dtype, dfv_dit **out)
{
    *out = NULL;
    dfv_dit *net = calloc(1, sizeof *net);
    if (!net)
        return dfv_ctx_fail(ctx, DFV_ERR_MEMORY, "out of host memory");
    net->a = *dfv_oasis_model_dit(model);
    net->g = (dfv_oasis_graph){.ctx = ctx, .model = model, .dtype = dtype};
    net->halves = calloc((size_t)net->a.depth * 2, sizeof *net->halves);
    dfv_status s = net->halves ? load_weights(net) : dfv_ctx_fail(ctx, DFV_ERR_MEMORY, "out of host memory");
    net->weight_count = net->g.count;
    net->cached_frames = -1;
    if (s)
        dfv_dit_destroy(net);
    else
        *out = net;
    return s;
}

void dfv_dit_destroy(dfv_dit *net)
{
    if (!net)
        return;
    dfv_oasis_graph_release(&net->g, 0);
    free(net->halves);
    free(net->kv_cache);
    free(net);
}

/* ---- one forward ------------------------------------------------------------------------------------ */

typedef struct {
    dfv_tensor xin, patches, x, normed, qkv, att, proj, hidden, tin, temb, e1, c, ain, aemb, cs, mod, mod_final, o, v;
} dit_acts;

/* Frames [t0, t0 + n) of x: a view at a byte offset. */
static dfv_tensor frames(dfv_tensor x, int t0, int n)
{
    x.offset += (size_t)t0 * x.c * x.h * x.w * dfv_dtype_size(x.dtype);
    x.t = n;
    return x;
}

static dfv_status make_acts(dfv_dit *net, int f, dit_acts *t)
{
    const dfv_oasis_dit_arch *a = &net->a;
    const int d = a->hidden, p = a->patch, h = a->input_h / p, w = a->input_w / p, cp = a->channels * p * p;
    dfv_oasis_graph *g = &net->g;
    dfv_status s;
    if ((s = dfv_oasis_graph_tensor(g, f, a->channels, a->input_h, a->input_w, &t->xin)) ||
        (s = dfv_oasis_graph_tensor(g, f, cp, h, w, &t->patches)) || (s = dfv_oasis_graph_tensor(g, f, d, h, w, &t->x)) ||
        (s = dfv_oasis_graph_tensor(g, f, d, h, w, &t->normed)) ||
        (s = dfv_oasis_graph_tensor(g, f, 3 * d, h, w, &t->qkv)) ||
        (s = dfv_oasis_graph_tensor(g, f, d, h, w, &t->att)) || (s = dfv_oasis_graph_tensor(g, f, d, h, w, &t->proj)) ||
        (s = dfv_oasis_graph_tensor(g, f, a->mlp_hidden, h, w, &t->hidden)) ||
        (s = dfv_oasis_graph_tensor_f32(g, f, 1, 1, 1, &t->tin)) ||
        (s = dfv_oasis_graph_tensor(g, f, 1, 1, a->frequency_dim, &t->temb)) ||
        (s = dfv_oasis_graph_tensor(g, f, 1, 1, d, &t->e1)) || (s = dfv_oasis_graph_tensor(g, f, 1, 1, d, &t->c)) ||
        (s = dfv_oasis_graph_tensor(g, f, 1, 1, a->action_dim ? a->action_dim : 1, &t->ain)) ||
        (s = dfv_oasis_graph_tensor(g, f, 1, 1, d, &t->aemb)) || (s = dfv_oasis_graph_tensor(g, f, 1, 1, d, &t->cs)) ||
        (s = dfv_oasis_graph_tensor(g, f, 1, 1, 6 * d, &t->mod)) ||
        (s = dfv_oasis_graph_tensor(g, f, 1, 1, 2 * d, &t->mod_final)) ||
        (s = dfv_oasis_graph_tensor(g, f, cp, h, w, &t->o)) ||
        (s = dfv_oasis_graph_tensor(g, f, a->channels, a->input_h, a->input_w, &t->v)))
        return s;
    return DFV_OK;
}

static dfv_status conv1x1(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor w, const dfv_tensor *b)
{
    return dfv_op_conv2d(seq, out, in, w, b, 1, 0);
}

/* What a forward does with the temporal keys and values: attend within its own frames (FULL), also keep
 * them in the cache (CONTEXT), or attend to the cached frames first (CACHED: its frames come after them). */
typedef enum { DIT_FULL, DIT_CONTEXT, DIT_CACHED } dit_mode;

/* Temporal attention of one batch item's frames (qkv / out views), per mode. */
static dfv_status record_temporal(dfv_dit *net, dfv_seq *seq, dfv_tensor qkv, dfv_tensor out, int block,
                                  dit_mode mode)
{
    const int d = net->a.hidden, heads = net->a.heads, dh = d / heads;
    const int pos0 = mode == DIT_CACHED ? net->cached_frames : 0;
    dfv_rotary_desc rot = {2 * heads, dh, 0, true, pos0};
    dfv_attention_desc att = {.heads = heads, .dim_head = dh, .temporal = true, .causal = true,
                              .q_channel0 = 0, .k_channel0 = d, .v_channel0 = 2 * d};
    dfv_status s = dfv_op_rotary(seq, qkv, qkv, net->temporal_table, &rot);
    if (s || mode == DIT_FULL)
        return s ? s : dfv_op_attention(seq, out, qkv, qkv, &att);
    dfv_tensor cache = net->kv_cache[block];
    if ((s = dfv_op_copy(seq, cache, pos0, 0, qkv, 0, d, qkv.t, 2 * d)))
        return s;
    if (mode == DIT_CONTEXT)
        return dfv_op_attention(seq, out, qkv, qkv, &att);
    cache.t = pos0 + qkv.t;
    att.q_pos0 = pos0, att.k_channel0 = 0, att.v_channel0 = d;
    return dfv_op_attention(seq, out, qkv, cache, &att);
}

/* One half block (spatial or temporal) on t->x, in place. */
static dfv_status record_half(dfv_dit *net, dfv_seq *seq, const dit_acts *t, const dit_half *hb, bool temporal,
                              int block, int batch, int n_frames, dit_mode mode)
{
    const int d = net->a.hidden, heads = net->a.heads, dh = d / heads;
    dfv_status s;
    if ((s = dfv_op_linear(seq, t->mod, t->cs, hb->mod_w, &hb->mod_b)))
        return s;
    dfv_layer_norm_desc msa = {net->a.layernorm_eps, NULL, NULL, &t->mod, 0, d};
    if ((s = dfv_op_layer_norm_modulated(seq, t->normed, t->x, &msa)) ||
        (s = conv1x1(seq, t->qkv, t->normed, hb->qkv_w, NULL)))
        return s;
    dfv_rotary_desc rot = {2 * heads, dh, 0, false, 0}; /* q and k: 2·heads heads in a row */
    dfv_attention_desc att = {.heads = heads, .dim_head = dh, .q_channel0 = 0, .k_channel0 = d, .v_channel0 = 2 * d};
    if (!temporal) {
        if ((s = dfv_op_rotary(seq, t->qkv, t->qkv, net->spatial_table, &rot)) ||
            (s = dfv_op_attention(seq, t->att, t->qkv, t->qkv, &att)))
            return s;
    } else {
        for (int b = 0; b < batch; b++) /* each batch item's frames are one causal sequence */
            if ((s = record_temporal(net, seq, frames(t->qkv, b * n_frames, n_frames),
                                     frames(t->att, b * n_frames, n_frames), block, mode)))
                return s;
    }
    dfv_layer_norm_desc mlp = {net->a.layernorm_eps, NULL, NULL, &t->mod, 3 * d, 4 * d};
    if ((s = conv1x1(seq, t->proj, t->att, hb->out_w, &hb->out_b)) ||
        (s = dfv_op_add_gated(seq, t->x, t->x, t->proj, t->mod, 2 * d)) ||
        (s = dfv_op_layer_norm_modulated(seq, t->normed, t->x, &mlp)) ||
        (s = conv1x1(seq, t->hidden, t->normed, hb->fc1_w, &hb->fc1_b)) ||
        (s = dfv_op_unary(seq, t->hidden, t->hidden, DFV_UNARY_GELU_TANH)) ||
        (s = conv1x1(seq, t->proj, t->hidden, hb->fc2_w, &hb->fc2_b)))
        return s;
    return dfv_op_add_gated(seq, t->x, t->x, t->proj, t->mod, 5 * d);
}

static dfv_status record_forward(dfv_dit *net, dfv_seq *seq, const dit_acts *t, int batch, int n_frames,
                                 dit_mode mode)
{
    const dfv_oasis_dit_arch *a = &net->a;
    const int d = a->hidden;
    dfv_status s;
    if ((s = dfv_op_pixel_unshuffle(seq, t->patches, t->xin, a->patch)) ||
        (s = conv1x1(seq, t->x, t->patches, net->patch_w, &net->patch_b)) ||
        (s = dfv_op_timestep_embedding(seq, t->temb, t->tin)) ||
        (s = dfv_op_linear(seq, t->e1, t->temb, net->t1_w, &net->t1_b)) ||
        (s = dfv_op_unary(seq, t->e1, t->e1, DFV_UNARY_SILU)) ||
        (s = dfv_op_linear(seq, t->c, t->e1, net->t2_w, &net->t2_b)))
        return s;
    if (a->action_dim && ((s = dfv_op_linear(seq, t->aemb, t->ain, net->act_w, &net->act_b)) ||
                          (s = dfv_op_add(seq, t->c, t->c, t->aemb))))
        return s;
    if ((s = dfv_op_unary(seq, t->cs, t->c, DFV_UNARY_SILU)))
        return s;
    for (int i = 0; i < 2 * a->depth; i++)
        if ((s = record_half(net, seq, t, &net->halves[i], i % 2 == 1, i / 2, batch, n_frames, mode)))
            return s;
    dfv_layer_norm_desc final = {a->layernorm_eps, NULL, NULL, &t->mod_final, 0, d};
    if ((s = dfv_op_linear(seq, t->mod_final, t->cs, net->final_mod_w, &net->final_mod_b)) ||
        (s = dfv_op_layer_norm_modulated(seq, t->normed, t->x, &final)) ||
        (s = conv1x1(seq, t->o, t->normed, net->final_w, &net->final_b)))
        return s;
    return dfv_op_pixel_shuffle(seq, t->v, t->o, a->patch);
}

static dfv_status upload_inputs(dfv_dit *net, const dit_acts *t, const float *x, const int32_t *timesteps,
                                const float *actions, int f)
{
    const size_t n_actions = (size_t)f * (net->a.action_dim ? net->a.action_dim : 1);
    float *host = calloc(n_actions > (size_t)f ? n_actions : (size_t)f, sizeof *host);
    if (!host)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_MEMORY, "out of host memory");
    dfv_status s = dfv_oasis_graph_upload(&net->g, t->xin, x);
    if (!s && net->a.action_dim) /* no actions: zeros */
        s = dfv_oasis_graph_upload(&net->g, t->ain, actions ? actions : host);
    for (int i = 0; i < f; i++)
        host[i] = (float)timesteps[i];
    if (!s)
        s = dfv_oasis_graph_upload(&net->g, t->tin, host);
    free(host);
    return s;
}

static dfv_status run(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions, int batch,
                      int frames_n, float *v, dit_mode mode)
{
    for (int i = 0; i < batch * frames_n; i++)
        if (timesteps[i] < 0)
            return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "negative noise level %d", (int)timesteps[i]);
    const int f = batch * frames_n;
    dit_acts t;
    dfv_seq *seq = NULL;
    dfv_status s = make_acts(net, f, &t);
    if (!s)
        s = upload_inputs(net, &t, x, timesteps, actions, f);
    if (!s)
        s = dfv_seq_create(net->g.ctx, &seq);
    if (!s)
        s = record_forward(net, seq, &t, batch, frames_n, mode);
    if (!s)
        s = dfv_seq_submit(seq);
    if (!s && v)
        s = dfv_oasis_graph_download(&net->g, t.v, v);
    dfv_seq_destroy(seq);
    dfv_oasis_graph_release(&net->g, net->weight_count);
    return s;
}

dfv_status dfv_dit_forward(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions, int batch,
                           int frames_n, float *v)
{
    if (batch < 1 || frames_n < 1 || frames_n > net->a.max_frames)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "DiT forward on %d x %d frames (batch >= 1, 1..%d frames)",
                            batch, frames_n, net->a.max_frames);
    return run(net, x, timesteps, actions, batch, frames_n, v, DIT_FULL);
}

/* The caches live as long as the net; made on first use. */
static dfv_status make_caches(dfv_dit *net)
{
    if (net->kv_cache)
        return DFV_OK;
    const dfv_oasis_dit_arch *a = &net->a;
    net->kv_cache = calloc((size_t)a->depth, sizeof *net->kv_cache);
    if (!net->kv_cache)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_MEMORY, "out of host memory");
    /* Below the activations: release() keeps the first weight_count tensors, so the caches join them. */
    if (net->g.count != net->weight_count)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "internal: activations alive while making caches");
    for (int i = 0; i < a->depth; i++) {
        dfv_status s = dfv_oasis_graph_tensor(&net->g, a->max_frames, 2 * a->hidden, a->input_h / a->patch,
                                              a->input_w / a->patch, &net->kv_cache[i]);
        if (s)
            return s;
    }
    net->weight_count = net->g.count;
    return DFV_OK;
}

dfv_status dfv_dit_context(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions, int frames_n)
{
    net->cached_frames = -1;
    if (frames_n < 1 || frames_n >= net->a.max_frames)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "DiT context of %d frames (1..%d: one more must fit)",
                            frames_n, net->a.max_frames - 1);
    dfv_status s = make_caches(net);
    if (!s && !(s = run(net, x, timesteps, actions, 1, frames_n, NULL, DIT_CONTEXT)))
        net->cached_frames = frames_n;
    return s;
}

dfv_status dfv_dit_forward_cached(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions,
                                  int frames_n, float *v)
{
    if (net->cached_frames < 0)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "DiT cached forward without a context");
    if (frames_n < 1 || net->cached_frames + frames_n > net->a.max_frames)
        return dfv_ctx_fail(net->g.ctx, DFV_ERR_ARGUMENT, "%d new frames after %d cached exceed the %d-frame window",
                            frames_n, net->cached_frames, net->a.max_frames);
    return run(net, x, timesteps, actions, 1, frames_n, v, DIT_CACHED);
}
