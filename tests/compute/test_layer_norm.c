/* dfv_op_layer_norm against a double reference: channel counts off the subgroup, inputs far from zero
 * mean, odd sizes, T = 1 and 16, in place. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

typedef struct {
    int t, c, h, w;
    float eps;
    bool in_place;
} ln_case;

static void layer_norm_reference(const float *in, const float *gamma, const float *beta, double *out, const ln_case *k)
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
                out[i] = (in[i] - mean) * rstd * gamma[c] + beta[c];
            }
        }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const ln_case *k)
{
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    float *in = dfv_test_random(t, n, 3, 7), *gamma = dfv_test_random(t, (size_t)k->c, 0.5f, 1.5f);
    float *beta = dfv_test_random(t, (size_t)k->c, -1, 1);
    double *ref = malloc(n * sizeof *ref);
    dfv_test_tensor tin = {0}, tg = {0}, tb = {0}, tout = {0};
    dfv_seq *seq = NULL;
    if (!in || !gamma || !beta || !ref || !dfv_test_input(t, dtype, k->t, k->c, k->h, k->w, in, &tin) ||
        !dfv_test_input(t, dtype, 1, k->c, 1, 1, gamma, &tg) || !dfv_test_input(t, dtype, 1, k->c, 1, 1, beta, &tb) ||
        (!k->in_place && !dfv_test_output(t, dtype, k->t, k->c, k->h, k->w, &tout)) || !(seq = dfv_test_seq(t)))
        goto done;
    layer_norm_reference(in, gamma, beta, ref, k);
    const dfv_test_tensor *result = k->in_place ? &tin : &tout;
    char label[128];
    snprintf(label, sizeof label, "layer_norm %s {%d,%d,%d,%d}%s", dtype == DFV_F16 ? "f16" : "f32", k->t, k->c, k->h,
             k->w, k->in_place ? " in place" : "");
    if (dfv_test_ok(t, dfv_op_layer_norm(seq, result->view, tin.view, tg.view, tb.view, k->eps), label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, result, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &tin);
    dfv_test_tensor_free(t, &tg);
    dfv_test_tensor_free(t, &tb);
    dfv_test_tensor_free(t, &tout);
    free(in);
    free(gamma);
    free(beta);
    free(ref);
}

static void test_bad_arguments(dfv_test *t)
{
    dfv_test_tensor x = {0}, g = {0};
    dfv_seq *seq = NULL;
    float *v = dfv_test_random(t, 2 * 6 * 4, -1, 1);
    if (v && dfv_test_input(t, DFV_F32, 2, 6, 2, 2, v, &x) && dfv_test_input(t, DFV_F32, 1, 5, 1, 1, v, &g) &&
        (seq = dfv_test_seq(t))) {
        dfv_test_expect(t, dfv_op_layer_norm(seq, x.view, x.view, g.view, g.view, 1e-5f) == DFV_ERR_ARGUMENT,
                        "layer_norm rejects gamma of the wrong width: %s", dfv_ctx_error(t->ctx));
    }
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &x);
    dfv_test_tensor_free(t, &g);
    free(v);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "layer_norm"))
        return dfv_test_end(&t);
    const ln_case cases[] = {
        {1, 1, 1, 1, 1e-5f, false}, {1, 48, 5, 7, 1e-5f, false},  {16, 13, 8, 8, 1e-5f, false},
        {3, 96, 3, 3, 1e-5f, true}, {16, 37, 2, 9, 1e-3f, false}, {2, 384, 4, 4, 1e-5f, false},
    };
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        if (!dfv_test_dtype_ok(&t, dtype))
            continue;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            test_case(&t, dtype, &cases[i]);
    }
    test_bad_arguments(&t);
    return dfv_test_end(&t);
}
