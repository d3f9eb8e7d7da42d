/* dfv_op_layer_norm against a double reference: channel counts off the subgroup, inputs far from zero
 * mean, odd sizes, T = 1 and 16, in place. */
#include <math.h>

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

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const ln_case *k = arg;
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *in = dfv_test_scope_random(&s, n, 3, 7), *gamma = dfv_test_scope_random(&s, (size_t)k->c, 0.5f, 1.5f);
    float *beta = dfv_test_scope_random(&s, (size_t)k->c, -1, 1);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, in);
    const dfv_test_tensor *tg = dfv_test_scope_input(&s, dtype, 1, k->c, 1, 1, gamma);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, 1, k->c, 1, 1, beta);
    const dfv_test_tensor *result = k->in_place ? tin : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        layer_norm_reference(in, gamma, beta, ref, k);
        const char *label = dfv_test_scope_label(&s, "layer_norm %s {%d,%d,%d,%d}%s", dfv_test_dtype_name(dtype), k->t,
                                                 k->c, k->h, k->w, k->in_place ? " in place" : "");
        dfv_test_scope_check(&s, dfv_op_layer_norm(seq, result->view, tin->view, tg->view, tb->view, k->eps), label,
                             result, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{2, 6, 2, 2}, {1, 5, 1, 1}}; /* in and out, gamma and beta */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_layer_norm(seq, x[0], x[0], x[1], x[1], 1e-5f),
                     "layer_norm rejects gamma of the wrong width");
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
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
