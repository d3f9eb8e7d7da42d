/* dfv_op_attention against a double reference: spatial (8x8 up to 32x32 = 1024 tokens, the online-softmax
 * path) and temporal (T = 1 and 16, causal, interleaved rotary, a longer K/V source with q_pos0 > 0 as
 * in the cached-context path), q/k/v at arbitrary channel offsets, odd dim_head and sizes, the Minecraft
 * network's dim_head 64; rotary with the default frequencies and with perturbed stored ones (the official
 * network uses what a checkpoint stores); spatial shapes past lavapipe's old loop limit (512 / 576 tokens
 * of 64 / 56, the Oasis VAE and DiT heads), the most tokens of 128 within the loop budget and the refusal
 * of shapes past it. */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "model.h"

typedef struct {
    int tq, tk, q_c, kv_c, h, w;
    dfv_attention_desc d;
    bool same_source;     /* kv_src is q_src (no cache) */
    bool perturbed_freqs; /* rotary frequencies moved off the default, as a checkpoint may store them */
} attn_case;

/* Interleaved rotary at position pos with pair frequencies theta. */
static void rotary_reference(double *v, int dim, double pos, const float *theta)
{
    for (int i = 0; i < dim / 2; i++) {
        double c = cos(pos * theta[i]), s = sin(pos * theta[i]);
        double a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * c - b * s;
        v[2 * i + 1] = b * c + a * s;
    }
}

typedef struct {
    const float *data;
    int channels, hw;
    bool temporal;
} token_source;

/* Channel c of token n in sequence s (a frame for spatial, a pixel for temporal). */
static double token_at(const token_source *src, int s, int n, int c)
{
    size_t frame = src->temporal ? (size_t)n : (size_t)s, pixel = src->temporal ? (size_t)s : (size_t)n;
    return src->data[(frame * src->channels + c) * src->hw + pixel];
}

static void attention_reference(const float *q_src, const float *kv_src, const float *freqs, double *out,
                                const attn_case *k)
{
    const dfv_attention_desc *d = &k->d;
    const int hw = k->h * k->w, dh = d->dim_head, inner = d->heads * dh;
    const int seqs = d->temporal ? hw : k->tq, nq = d->temporal ? k->tq : hw, nk = d->temporal ? k->tk : hw;
    token_source qs = {q_src, k->q_c, hw, d->temporal}, kvs = {kv_src, k->kv_c, hw, d->temporal};
    double *q = malloc(sizeof(double) * dh), *keys = malloc(sizeof(double) * (size_t)nk * dh);
    double *score = malloc(sizeof(double) * nk);
    for (int s = 0; s < seqs && q && keys && score; s++)
        for (int h = 0; h < d->heads; h++) {
            for (int j = 0; j < nk; j++) {
                for (int e = 0; e < dh; e++)
                    keys[(size_t)j * dh + e] = token_at(&kvs, s, j, d->k_channel0 + h * dh + e);
                if (d->rotary)
                    rotary_reference(keys + (size_t)j * dh, dh, j, freqs);
            }
            for (int i = 0; i < nq; i++) {
                for (int e = 0; e < dh; e++)
                    q[e] = token_at(&qs, s, i, d->q_channel0 + h * dh + e);
                if (d->rotary)
                    rotary_reference(q, dh, d->q_pos0 + i, freqs);
                int key_end = d->causal && d->q_pos0 + i + 1 < nk ? d->q_pos0 + i + 1 : nk;
                double best = -INFINITY, total = 0;
                for (int j = 0; j < key_end; j++) {
                    double dot = 0;
                    for (int e = 0; e < dh; e++)
                        dot += q[e] * keys[(size_t)j * dh + e];
                    score[j] = dot / sqrt((double)dh);
                    best = fmax(best, score[j]);
                }
                for (int j = 0; j < key_end; j++)
                    total += score[j] = exp(score[j] - best);
                for (int e = 0; e < dh; e++) {
                    double acc = 0;
                    for (int j = 0; j < key_end; j++)
                        acc += score[j] * token_at(&kvs, s, j, d->v_channel0 + h * dh + e);
                    size_t frame = d->temporal ? (size_t)i : (size_t)s, pixel = d->temporal ? (size_t)s : (size_t)i;
                    out[(frame * inner + h * dh + e) * hw + pixel] = acc / total;
                }
            }
        }
    free(q);
    free(keys);
    free(score);
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const attn_case *k = arg;
    const int hw = k->h * k->w, inner = k->d.heads * k->d.dim_head;
    size_t n_q = (size_t)k->tq * k->q_c * hw, n_kv = (size_t)k->tk * k->kv_c * hw, n_out = (size_t)k->tq * inner * hw;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *q = dfv_test_scope_random(&s, n_q, -2, 2), *kv = k->same_source ? q : dfv_test_scope_random(&s, n_kv, -2, 2);
    double *ref = dfv_test_scope_alloc(&s, n_out, sizeof *ref);
    const dfv_test_tensor *tq = dfv_test_scope_input(&s, dtype, k->tq, k->q_c, k->h, k->w, q);
    const dfv_test_tensor *tkv =
        k->same_source ? tq : dfv_test_scope_input(&s, dtype, k->tk, k->kv_c, k->h, k->w, kv);
    const dfv_test_tensor *tout = dfv_test_scope_output(&s, dtype, k->tq, inner, k->h, k->w);
    /* Rotary frequencies, fp32 whatever the storage dtype (as the network binds them); one spare value
     * keeps the tensor non-empty for dim_head 1. */
    const int pairs = k->d.dim_head / 2;
    float *freqs = dfv_test_scope_random(&s, (size_t)pairs + 1, 0.7f, 1.3f);
    float defaults[DFV_MODEL_MAX_DIM_HEAD / 2];
    dfv_rotary_default_freqs(k->d.dim_head, defaults);
    for (int i = 0; freqs && i < pairs; i++)
        freqs[i] = k->perturbed_freqs ? freqs[i] * defaults[i] : defaults[i];
    const dfv_test_tensor *tfreqs = dfv_test_scope_input(&s, DFV_F32, 1, pairs + 1, 1, 1, freqs);
    dfv_attention_desc desc = k->d;
    if (tfreqs) {
        desc.rotary_freqs = tfreqs->view;
        desc.rotary_freqs.c = pairs;
    }
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        attention_reference(q, kv, freqs, ref, k);
        const char *label = dfv_test_scope_label(
            &s, "attention %s %s tq%d tk%d %dx%d %dx%d%s%s pos0 %d", dfv_test_dtype_name(dtype),
            k->d.temporal ? "temporal" : "spatial", k->tq, k->tk, k->h, k->w, k->d.heads, k->d.dim_head,
            k->d.causal ? " causal" : "", !k->d.rotary ? "" : k->perturbed_freqs ? " rotary (stored)" : " rotary",
            k->d.q_pos0);
        dfv_test_scope_check(&s, dfv_op_attention(seq, tout->view, tq->view, tkv->view, &desc), label, tout, ref,
                             dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

/* q/k/v source, out, rotary frequencies for dim_head 2, too many of them; q/k/v and out for 48x48 = 2304
 * tokens of 128 (past the loop budget) */
static const dfv_test_shape bad_shapes[] = {{2, 12, 3, 3}, {2, 4, 3, 3}, {1, 1, 1, 1}, {1, 3, 1, 1}, {1, 384, 48, 48},
                                            {1, 128, 48, 48}};

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_tensor src = x[0], out = x[1];
    dfv_attention_desc d = {2, 2, true, true, true, 0, 0, 4, 8, x[2]};
    d.v_channel0 = 9;
    dfv_test_rejects(t, dfv_op_attention(seq, out, src, src, &d), "attention rejects v past the channels");
    d.v_channel0 = 8, d.q_pos0 = 1;
    dfv_test_rejects(t, dfv_op_attention(seq, out, src, src, &d), "attention rejects queries past the key frames");
    d.q_pos0 = 0, d.dim_head = 1, d.heads = 4;
    dfv_test_rejects(t, dfv_op_attention(seq, out, src, src, &d), "attention rejects rotary with an odd dim_head");
    d.dim_head = 2, d.heads = 2, d.rotary_freqs = (dfv_tensor){0};
    dfv_test_rejects(t, dfv_op_attention(seq, out, src, src, &d), "attention rejects rotary without frequencies");
    d.rotary_freqs = x[3];
    dfv_test_rejects(t, dfv_op_attention(seq, out, src, src, &d), "attention rejects the wrong number of frequencies");
    dfv_attention_desc spatial_causal = {2, 2, false, true, false, 0, 0, 4, 8};
    dfv_test_rejects(t, dfv_op_attention(seq, out, src, src, &spatial_causal),
                     "attention rejects a causal spatial mask");
    dfv_attention_desc wide = {1, 128, false, false, false, 0, 0, 128, 256};
    dfv_test_rejects(t, dfv_op_attention(seq, x[5], x[4], x[4], &wide),
                     "attention rejects more keys than an invocation may loop over");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "attention"))
        return dfv_test_end(&t);
    /* {tq, tk, q_c, kv_c, h, w, {heads, dim_head, temporal, causal, rotary, q_pos0, q_c0, k_c0, v_c0}, same} */
    const attn_case cases[] = {
        {2, 2, 30, 30, 5, 7, {2, 5, false, false, false, 0, 0, 10, 20}, true},
        {3, 3, 40, 40, 17, 17, {3, 4, false, false, false, 0, 1, 14, 27}, true},
        {1, 1, 24, 24, 8, 8, {4, 2, false, false, false, 0, 0, 8, 16}, true},
        {1, 1, 12, 12, 32, 32, {1, 4, false, false, false, 0, 0, 4, 8}, true},
        {2, 2, 96, 96, 8, 8, {1, 32, false, false, false, 0, 0, 32, 64}, true},
        {5, 5, 24, 24, 3, 5, {2, 4, true, true, true, 0, 0, 8, 16}, true},
        {16, 16, 36, 36, 3, 3, {2, 6, true, true, true, 0, 0, 12, 24}, true},
        {16, 16, 96, 96, 2, 2, {1, 32, true, true, true, 0, 0, 32, 64}, true},
        {4, 4, 36, 36, 3, 3, {2, 6, true, false, false, 0, 0, 12, 24}, true},
        {3, 7, 24, 30, 3, 5, {2, 4, true, true, true, 4, 0, 8, 16}, false},
        {1, 16, 13, 27, 5, 3, {2, 6, true, true, true, 15, 1, 2, 14}, false},
        {1, 1, 12, 12, 4, 4, {2, 2, true, true, true, 0, 0, 4, 8}, true},
        {16, 16, 36, 36, 3, 3, {2, 6, true, true, true, 0, 0, 12, 24}, true, true},
        {1, 16, 13, 27, 5, 3, {2, 6, true, true, true, 15, 1, 2, 14}, false, true},
        /* The official Minecraft network's heads (4 of 64): spatial, temporal over its window of 10, and
         * one new frame against a 10-frame cache. */
        {1, 1, 768, 768, 4, 4, {4, 64, false, false, false, 0, 0, 256, 512}, true},
        {10, 10, 768, 768, 2, 3, {4, 64, true, true, true, 0, 0, 256, 512}, true},
        {1, 10, 768, 768, 2, 3, {4, 64, true, true, true, 9, 0, 256, 512}, false, true},
        /* Spatial attention past lavapipe's loop limit as it stood (keys x dim_head above ~29k: the Oasis
         * ViT-VAE's 18x32 = 576 tokens of 64 stored channel 0 alone): 512 tokens of 64 at q/k/v offsets,
         * 576 tokens of 56, and the DiT's 144 tokens, 4 heads of 64; 8x250 = 2000 tokens of 128, the most
         * the loop budget allows at that width (one more is refused), so a budget that undercounts the
         * shader's loop trips fails here (2024 and 2008 tokens did under earlier counts). */
        {1, 1, 200, 200, 16, 32, {1, 64, false, false, false, 0, 3, 67, 131}, true},
        {1, 1, 168, 168, 18, 32, {1, 56, false, false, false, 0, 0, 56, 112}, true},
        {1, 1, 768, 768, 12, 12, {4, 64, false, false, false, 0, 0, 256, 512}, true},
        {1, 1, 384, 384, 8, 250, {1, 128, false, false, false, 0, 0, 128, 256}, true},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
