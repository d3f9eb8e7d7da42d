/* The Oasis ViT-VAE (open-oasis vae.py) as engine ops, fp32 or fp16 storage, channel-planar per image (the same
 * decomposition as models/oasis/oasis_np.py):
 *   encode   pixel_unshuffle + 1x1 conv (the patch embedding), pre-norm ViT blocks (LayerNorm, qkv,
 *            axial rotary on the first half of each head, spatial attention, projection + residual;
 *            LayerNorm, MLP with exact GELU + residual), final LayerNorm, the posterior mean's rows of
 *            quant_conv scaled by the scaling factor at upload
 *   decode   post_quant_conv with its weight divided by the scaling factor at upload, the blocks, final
 *            LayerNorm, predictor, pixel_shuffle
 * The rotary frequencies are not stored: linspace(1, h·w/2, head dim/8)·π on the latent grid, as the
 * official Attention computes them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oasis_graph.h"

typedef struct {
    dfv_tensor n1_w, n1_b, qkv_w, qkv_b, proj_w, proj_b, n2_w, n2_b, fc1_w, fc1_b, fc2_w, fc2_b;
} vae_block;

typedef struct {
    int dim, depth, mlp;
    vae_block *blocks;
    dfv_tensor norm_w, norm_b, table;
} vae_stack;

struct dfv_vit_vae {
    dfv_oasis_vae_arch a;
    dfv_oasis_graph g;
    int weight_count;
    vae_stack enc, dec;
    dfv_tensor patch_w, patch_b, quant_w, quant_b, post_w, post_b, pred_w, pred_b;
};

/* 1-D tensors (norms, biases) as {1, c, 1, 1} (k = 0); matrices as 1x1 conv weights {c, k, 1, 1}. */
static dfv_status load(dfv_vit_vae *vae, const char *name, int c, int k, const dfv_oasis_rows *rows, dfv_tensor *out)
{
    return k ? dfv_oasis_graph_weight(&vae->g, name, c, k, 1, 1, rows, out)
             : dfv_oasis_graph_weight(&vae->g, name, 1, c, 1, 1, rows, out);
}

/* vae.<where>.<block>.<suffix> */
static dfv_status load_in_block(dfv_vit_vae *vae, const char *where, int block, const char *suffix, int c, int k,
                                dfv_tensor *out)
{
    char name[128];
    snprintf(name, sizeof name, "vae.%s.%d.%s", where, block, suffix);
    return load(vae, name, c, k, NULL, out);
}

static dfv_status load_stack(dfv_vit_vae *vae, const char *where, vae_stack *st)
{
    st->blocks = calloc((size_t)st->depth, sizeof *st->blocks);
    if (!st->blocks)
        return dfv_ctx_fail(vae->g.ctx, DFV_ERR_MEMORY, "out of host memory");
    const int d = st->dim, m = st->mlp;
    dfv_status s = DFV_OK;
    for (int i = 0; i < st->depth && !s; i++) {
        vae_block *b = &st->blocks[i];
        if ((s = load_in_block(vae, where, i, "norm1.weight", d, 0, &b->n1_w)) ||
            (s = load_in_block(vae, where, i, "norm1.bias", d, 0, &b->n1_b)) ||
            (s = load_in_block(vae, where, i, "attn.qkv.weight", 3 * d, d, &b->qkv_w)) ||
            (s = load_in_block(vae, where, i, "attn.qkv.bias", 3 * d, 0, &b->qkv_b)) ||
            (s = load_in_block(vae, where, i, "attn.proj.weight", d, d, &b->proj_w)) ||
            (s = load_in_block(vae, where, i, "attn.proj.bias", d, 0, &b->proj_b)) ||
            (s = load_in_block(vae, where, i, "norm2.weight", d, 0, &b->n2_w)) ||
            (s = load_in_block(vae, where, i, "norm2.bias", d, 0, &b->n2_b)) ||
            (s = load_in_block(vae, where, i, "mlp.fc1.weight", m, d, &b->fc1_w)) ||
            (s = load_in_block(vae, where, i, "mlp.fc1.bias", m, 0, &b->fc1_b)) ||
            (s = load_in_block(vae, where, i, "mlp.fc2.weight", d, m, &b->fc2_w)))
            break;
        s = load_in_block(vae, where, i, "mlp.fc2.bias", d, 0, &b->fc2_b);
    }
    if (s)
        return s;
    /* RotaryEmbedding(dim = head_dim/4, "pixel", max_freq = h·w).get_axial_freqs(h, w) */
    const int h = vae->a.image_h / vae->a.patch, w = vae->a.image_w / vae->a.patch, n = d / vae->a.heads / 8;
    float *freqs = malloc((size_t)n * sizeof *freqs);
    if (!freqs)
        return dfv_ctx_fail(vae->g.ctx, DFV_ERR_MEMORY, "out of host memory");
    dfv_oasis_linspace(1.0f, (float)(h * w) / 2.0f, n, freqs);
    for (int i = 0; i < n; i++)
        freqs[i] *= (float)M_PI;
    s = dfv_oasis_axial_table(&vae->g, freqs, n, h, w, &st->table);
    free(freqs);
    return s;
}

static dfv_status load_weights(dfv_vit_vae *vae)
{
    const dfv_oasis_vae_arch *a = &vae->a;
    const int p = a->patch, e = a->enc_dim, dd = a->dec_dim, z = a->latent;
    dfv_oasis_rows mean_rows = {NULL, z, a->scaling_factor}, unscale = {NULL, 0, 1.0f / a->scaling_factor};
    dfv_status s;
    if ((s = load(vae, "vae.patch_embed.proj.weight", e, 3 * p * p, NULL, &vae->patch_w)) ||
        (s = load(vae, "vae.patch_embed.proj.bias", e, 0, NULL, &vae->patch_b)) ||
        (s = load_stack(vae, "encoder", &vae->enc)) ||
        (s = load(vae, "vae.enc_norm.weight", e, 0, NULL, &vae->enc.norm_w)) ||
        (s = load(vae, "vae.enc_norm.bias", e, 0, NULL, &vae->enc.norm_b)) ||
        (s = load(vae, "vae.quant_conv.weight", z, e, &mean_rows, &vae->quant_w)) ||
        (s = load(vae, "vae.quant_conv.bias", z, 0, &mean_rows, &vae->quant_b)) ||
        (s = load(vae, "vae.post_quant_conv.weight", dd, z, &unscale, &vae->post_w)) ||
        (s = load(vae, "vae.post_quant_conv.bias", dd, 0, NULL, &vae->post_b)) ||
        (s = load_stack(vae, "decoder", &vae->dec)) ||
        (s = load(vae, "vae.dec_norm.weight", dd, 0, NULL, &vae->dec.norm_w)) ||
        (s = load(vae, "vae.dec_norm.bias", dd, 0, NULL, &vae->dec.norm_b)) ||
        (s = load(vae, "vae.predictor.weight", 3 * p * p, dd, NULL, &vae->pred_w)))
        return s;
    return load(vae, "vae.predictor.bias", 3 * p * p, 0, NULL, &vae->pred_b);
}

dfv_status dfv_vit_vae_create(dfv_ctx *ctx, const dfv_oasis_model *model, dfv_dtype dtype, dfv_vit_vae **out)
{
    *out = NULL;
    dfv_vit_vae *vae = calloc(1, sizeof *vae);
    if (!vae)
        return dfv_ctx_fail(ctx, DFV_ERR_MEMORY, "out of host memory");
    vae->a = *dfv_oasis_model_vae(model);
    vae->g = (dfv_oasis_graph){.ctx = ctx, .model = model, .dtype = dtype};
    vae->enc = (vae_stack){vae->a.enc_dim, vae->a.enc_depth, vae->a.enc_mlp, NULL, {0}, {0}, {0}};
    vae->dec = (vae_stack){vae->a.dec_dim, vae->a.dec_depth, vae->a.dec_mlp, NULL, {0}, {0}, {0}};
    dfv_status s = load_weights(vae);
    vae->weight_count = vae->g.count;
    if (s)
        dfv_vit_vae_destroy(vae);
    else
        *out = vae;
    return s;
}

void dfv_vit_vae_destroy(dfv_vit_vae *vae)
{
    if (!vae)
        return;
    dfv_oasis_graph_release(&vae->g, 0);
    free(vae->enc.blocks);
    free(vae->dec.blocks);
    free(vae);
}

/* ---- encode / decode ----------------------------------------------------------------------------- */

typedef struct {
    dfv_tensor x, other, normed, qkv, att, hidden; /* x and other swap after each residual */
} vae_acts;

static dfv_status make_acts(dfv_vit_vae *vae, const vae_stack *st, int n, vae_acts *t)
{
    const int h = vae->a.image_h / vae->a.patch, w = vae->a.image_w / vae->a.patch, d = st->dim;
    dfv_oasis_graph *g = &vae->g;
    dfv_status s;
    if ((s = dfv_oasis_graph_tensor(g, n, d, h, w, &t->x)) || (s = dfv_oasis_graph_tensor(g, n, d, h, w, &t->other)) ||
        (s = dfv_oasis_graph_tensor(g, n, d, h, w, &t->normed)) ||
        (s = dfv_oasis_graph_tensor(g, n, 3 * d, h, w, &t->qkv)) ||
        (s = dfv_oasis_graph_tensor(g, n, d, h, w, &t->att)))
        return s;
    return dfv_oasis_graph_tensor(g, n, st->mlp, h, w, &t->hidden);
}

static dfv_status conv1x1(dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor w, const dfv_tensor *b,
                          const dfv_tensor *residual)
{
    return dfv_op_conv2d_add(seq, out, in, w, b, 1, 0, residual);
}

static void swap(vae_acts *t)
{
    dfv_tensor x = t->x;
    t->x = t->other;
    t->other = x;
}

/* The blocks and the final norm on t->x; the result is t->normed. */
static dfv_status record_stack(dfv_vit_vae *vae, dfv_seq *seq, const vae_stack *st, vae_acts *t)
{
    const float eps = vae->a.layernorm_eps;
    const int heads = vae->a.heads, dh = st->dim / heads;
    dfv_rotary_desc rot = {2 * heads, dh, 0, false, 0};
    dfv_attention_desc att = {.heads = heads, .dim_head = dh, .q_channel0 = 0, .k_channel0 = st->dim,
                              .v_channel0 = 2 * st->dim};
    dfv_status s;
    for (int i = 0; i < st->depth; i++) {
        const vae_block *b = &st->blocks[i];
        if ((s = dfv_op_layer_norm(seq, t->normed, t->x, b->n1_w, b->n1_b, eps)) ||
            (s = conv1x1(seq, t->qkv, t->normed, b->qkv_w, &b->qkv_b, NULL)) ||
            (s = dfv_op_rotary(seq, t->qkv, t->qkv, st->table, &rot)) ||
            (s = dfv_op_attention(seq, t->att, t->qkv, t->qkv, &att)) ||
            (s = conv1x1(seq, t->other, t->att, b->proj_w, &b->proj_b, &t->x)))
            return s;
        swap(t);
        if ((s = dfv_op_layer_norm(seq, t->normed, t->x, b->n2_w, b->n2_b, eps)) ||
            (s = conv1x1(seq, t->hidden, t->normed, b->fc1_w, &b->fc1_b, NULL)) ||
            (s = dfv_op_unary(seq, t->hidden, t->hidden, DFV_UNARY_GELU)) ||
            (s = conv1x1(seq, t->other, t->hidden, b->fc2_w, &b->fc2_b, &t->x)))
            return s;
        swap(t);
    }
    return dfv_op_layer_norm(seq, t->normed, t->x, st->norm_w, st->norm_b, eps);
}

/* Uploads `in` (host) into a new {n, c, h, w} tensor, records through `record`, downloads `out`. */
typedef dfv_status (*vae_record_fn)(dfv_vit_vae *vae, dfv_seq *seq, dfv_tensor in, dfv_tensor out, int n);

static dfv_status run(dfv_vit_vae *vae, vae_record_fn record, const float *in_host, int n, const int in_shape[3],
                      const int out_shape[3], float *out_host)
{
    if (n < 1)
        return dfv_ctx_fail(vae->g.ctx, DFV_ERR_ARGUMENT, "ViT-VAE on %d images", n);
    dfv_tensor in, out;
    dfv_seq *seq = NULL;
    dfv_status s = dfv_oasis_graph_tensor(&vae->g, n, in_shape[0], in_shape[1], in_shape[2], &in);
    if (!s)
        s = dfv_oasis_graph_tensor(&vae->g, n, out_shape[0], out_shape[1], out_shape[2], &out);
    if (!s)
        s = dfv_oasis_graph_upload(&vae->g, in, in_host);
    if (!s)
        s = dfv_seq_create(vae->g.ctx, &seq);
    if (!s)
        s = record(vae, seq, in, out, n);
    if (!s)
        s = dfv_seq_submit(seq);
    if (!s)
        s = dfv_oasis_graph_download(&vae->g, out, out_host);
    dfv_seq_destroy(seq);
    dfv_oasis_graph_release(&vae->g, vae->weight_count);
    return s;
}

static dfv_status record_encode(dfv_vit_vae *vae, dfv_seq *seq, dfv_tensor img, dfv_tensor z, int n)
{
    const int p = vae->a.patch;
    vae_acts t;
    dfv_tensor patches;
    dfv_status s;
    if ((s = make_acts(vae, &vae->enc, n, &t)) ||
        (s = dfv_oasis_graph_tensor(&vae->g, n, 3 * p * p, img.h / p, img.w / p, &patches)))
        return s;
    if ((s = dfv_op_pixel_unshuffle(seq, patches, img, p)) ||
        (s = conv1x1(seq, t.x, patches, vae->patch_w, &vae->patch_b, NULL)) ||
        (s = record_stack(vae, seq, &vae->enc, &t)) || (s = conv1x1(seq, z, t.normed, vae->quant_w, &vae->quant_b, NULL)))
        return s;
    return DFV_OK;
}

static dfv_status record_decode(dfv_vit_vae *vae, dfv_seq *seq, dfv_tensor z, dfv_tensor img, int n)
{
    const int p = vae->a.patch;
    vae_acts t;
    dfv_tensor patches;
    dfv_status s;
    if ((s = make_acts(vae, &vae->dec, n, &t)) ||
        (s = dfv_oasis_graph_tensor(&vae->g, n, 3 * p * p, z.h, z.w, &patches)))
        return s;
    if ((s = conv1x1(seq, t.x, z, vae->post_w, &vae->post_b, NULL)) || (s = record_stack(vae, seq, &vae->dec, &t)) ||
        (s = conv1x1(seq, patches, t.normed, vae->pred_w, &vae->pred_b, NULL)) ||
        (s = dfv_op_pixel_shuffle(seq, img, patches, p)))
        return s;
    return DFV_OK;
}

dfv_status dfv_vit_vae_encode(dfv_vit_vae *vae, const float *images, int n, float *z)
{
    const dfv_oasis_vae_arch *a = &vae->a;
    const int in_shape[3] = {3, a->image_h, a->image_w}, out_shape[3] = {a->latent, a->image_h / a->patch,
                                                                           a->image_w / a->patch};
    return run(vae, record_encode, images, n, in_shape, out_shape, z);
}

dfv_status dfv_vit_vae_decode(dfv_vit_vae *vae, const float *z, int n, float *images)
{
    const dfv_oasis_vae_arch *a = &vae->a;
    const int in_shape[3] = {a->latent, a->image_h / a->patch, a->image_w / a->patch},
              out_shape[3] = {3, a->image_h, a->image_w};
    return run(vae, record_decode, z, n, in_shape, out_shape, images);
}
