/* dfv_op_layer_norm against a double reference: channel counts off the subgroup, inputs far from zero
 * mean, odd sizes, T = 1 and 16, in place; dfv_op_layer_norm_modulated without affine and with the DiT's
 * per-frame adaLN modulation (shift and scale chunks of a wider {T,1,1,M} tensor, in either order). */
#include <math.h>

#include "harness.h"

typedef struct {
    int t, c, h, w;
    float eps;
    bool in_place;
    bool no_affine, modulate;
    int mod_width, shift0, scale0;
} ln_case;

static void layer_norm_reference(const float *in, const float *gamma, const float *beta, const float *mod, double *out,
                                 const ln_case *k)
{
    const int hw = k->h * k->w;
    for (int t = 0; t < k->t; t++)
        for (int p = 0; p < hw; p++) {
            double sum = 0, sq = 0;
            for (int c = 0; c < k->c; c++)
                sum += in[((size_t)t * k->c + c) * hw + p];
            const double mean = sum / k->c;
            for (int c = 0; c < k->c; c++) {
                double d = in[((size_t)t * k->c + c) * hw + p] - mean;
                sq += d * d;
            }
            const double rstd = 1.0 / sqrt(sq / k->c + (double)k->eps);
            for (int c = 0; c < k->c; c++) {
                size_t i = ((size_t)t * k->c + c) * hw + p;
                double y = (in[i] - mean) * rstd;
                if (!k->no_affine)
                    y = y * gamma[c] + beta[c];
                if (k->modulate) {
                    const float *row = mod + (size_t)t * k->mod_width;
                    y = y * (1.0 + row[k->scale0 + c]) + row[k->shift0 + c];
                }
                out[i] = y;
            }
        }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const ln_case *k = arg;
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *in = dfv_test_scope_random(&s, n, 3, 7), *gamma = dfv_test_scope_random(&s, (size_t)k->c, 0.5f, 1.5f);
    float *beta = dfv_test_scope_random(&s, (size_t)k->c, -1, 1);
    float *mod = k->modulate ? dfv_test_scope_random(&s, (size_t)k->t * k->mod_width, -1, 1) : NULL;
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *tm = k->modulate ? dfv_test_scope_input(&s, dtype, k->t, 1, 1, k->mod_width, mod) : NULL;
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, in);
    const dfv_test_tensor *tg = dfv_test_scope_input(&s, dtype, 1, k->c, 1, 1, gamma);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, 1, k->c, 1, 1, beta);
    const dfv_test_tensor *result = k->in_place ? tin : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        layer_norm_reference(in, gamma, beta, mod, ref, k);
        const char *label = dfv_test_scope_label(&s, "layer_norm %s {%d,%d,%d,%d}%s%s%s", dfv_test_dtype_name(dtype),
                                                 k->t, k->c, k->h, k->w, k->in_place ? " in place" : "",
                                                 k->no_affine ? " no affine" : "", k->modulate ? " modulated" : "");
        dfv_status recorded;
        if (!k->no_affine && !k->modulate) {
            recorded = dfv_op_layer_norm(seq, result->view, tin->view, tg->view, tb->view, k->eps);
        } else {
            dfv_layer_norm_desc desc = {k->eps, k->no_affine ? NULL : &tg->view, k->no_affine ? NULL : &tb->view,
                                        k->modulate ? &tm->view : NULL, k->shift0, k->scale0};
            recorded = dfv_op_layer_norm_modulated(seq, result->view, tin->view, &desc);
        }
        dfv_test_scope_check(&s, recorded, label, result, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

/* in and out, gamma and beta, a modulation {2,1,1,12}, one for a single frame, one of the wrong layout */
static const dfv_test_shape bad_shapes[] = {{2, 6, 2, 2}, {1, 5, 1, 1}, {2, 1, 1, 12}, {1, 1, 1, 12}, {2, 12, 1, 1}};

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_layer_norm(seq, x[0], x[0], x[1], x[1], 1e-5f),
                     "layer_norm rejects gamma of the wrong width");
    dfv_test_rejects(t, dfv_op_layer_norm_modulated(seq, x[0], x[0], NULL), "layer_norm rejects no descriptor");
    dfv_layer_norm_desc half_affine = {.eps = 1e-6f, .gamma = &x[1]};
    dfv_test_rejects(t, dfv_op_layer_norm_modulated(seq, x[0], x[0], &half_affine),
                     "layer_norm rejects gamma without beta");
    dfv_layer_norm_desc ok = {.eps = 1e-6f, .modulation = &x[2], .shift_channel0 = 0, .scale_channel0 = 6};
    dfv_layer_norm_desc past = ok, frames = ok, layout = ok;
    past.scale_channel0 = 7;
    frames.modulation = &x[3];
    layout.modulation = &x[4];
    dfv_test_rejects(t, dfv_op_layer_norm_modulated(seq, x[0], x[0], &past),
                     "layer_norm rejects scales past the modulation's width");
    dfv_test_rejects(t, dfv_op_layer_norm_modulated(seq, x[0], x[0], &frames),
                     "layer_norm rejects a modulation for another frame count");
    dfv_test_rejects(t, dfv_op_layer_norm_modulated(seq, x[0], x[0], &layout),
                     "layer_norm rejects a modulation not laid out {T,1,1,M}");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "layer_norm"))
        return dfv_test_end(&t);
    const ln_case cases[] = {
        {1, 1, 1, 1, 1e-5f, false}, {1, 48, 5, 7, 1e-5f, false},  {16, 13, 8, 8, 1e-5f, false},
        {3, 96, 3, 3, 1e-5f, true}, {16, 37, 2, 9, 1e-3f, false}, {2, 384, 4, 4, 1e-5f, false},
        /* t, c, h, w, eps, in place, no affine, modulate, mod width, shift0, scale0 */
        {6, 64, 3, 4, 1e-6f, false, true, false, 0, 0, 0},  /* the DiT's plain norm */
        {6, 64, 3, 4, 1e-6f, false, true, true, 384, 0, 64}, /* adaLN: shift_msa, scale_msa of 6 chunks */
        {6, 64, 3, 4, 1e-6f, true, true, true, 384, 192, 256}, /* shift_mlp, scale_mlp, in place */
        {5, 37, 3, 5, 1e-6f, false, true, true, 80, 40, 2},  /* scale before shift, odd sizes, frames split lanes */
        {3, 48, 2, 3, 1e-5f, false, false, true, 96, 0, 48}, /* affine and modulation together */
        {2, 64, 1, 1, 1e-6f, false, true, true, 128, 0, 64}, /* one token per frame */
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
