/* SiLU and GELU (exact erf form) against double references, over inputs from the far negative tail to
 * large positive values, fp32 and fp16. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static double silu_ref(double x) { return x / (1.0 + exp(-x)); }
static double gelu_ref(double x) { return 0.5 * x * erfc(-x / sqrt(2.0)); }

static void test_case(dfv_test *t, dfv_dtype dtype, dfv_unary fn, int tn, int c, int h, int w, float range,
                      bool in_place)
{
    size_t n = (size_t)tn * c * h * w;
    float *x = dfv_test_random(t, n, -range, range);
    double *ref = malloc(n * sizeof *ref);
    dfv_test_tensor in = {0}, out = {0};
    dfv_seq *seq = NULL;
    if (!x || !ref || !dfv_test_input(t, dtype, tn, c, h, w, x, &in) ||
        (!in_place && !dfv_test_output(t, dtype, tn, c, h, w, &out)) || !(seq = dfv_test_seq(t)))
        goto done;
    for (size_t i = 0; i < n; i++)
        ref[i] = fn == DFV_UNARY_GELU ? gelu_ref(x[i]) : silu_ref(x[i]);
    const dfv_test_tensor *result = in_place ? &in : &out;
    char label[128];
    snprintf(label, sizeof label, "%s %s {%d,%d,%d,%d} range %g%s", fn == DFV_UNARY_GELU ? "gelu" : "silu",
             dtype == DFV_F16 ? "f16" : "f32", tn, c, h, w, range, in_place ? " in place" : "");
    if (dfv_test_ok(t, dfv_op_unary(seq, result->view, in.view, fn), label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, result, ref, dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &in);
    dfv_test_tensor_free(t, &out);
    free(x);
    free(ref);
}

/* GELU's left tail is tiny but must not be noise: checked on its own so large values cannot hide it. */
static void test_tail(dfv_test *t)
{
    enum { n = 64 };
    float x[n];
    double ref[n];
    for (int i = 0; i < n; i++) {
        x[i] = -3.0f - 0.1f * (float)i;
        ref[i] = gelu_ref(x[i]);
    }
    dfv_test_tensor in = {0}, out = {0};
    dfv_seq *seq = NULL;
    if (dfv_test_input(t, DFV_F32, 1, 1, 1, n, x, &in) && dfv_test_output(t, DFV_F32, 1, 1, 1, n, &out) &&
        (seq = dfv_test_seq(t)) && dfv_test_ok(t, dfv_op_unary(seq, out.view, in.view, DFV_UNARY_GELU), "gelu tail") &&
        dfv_test_ok(t, dfv_seq_submit(seq), "gelu tail")) {
        float got[n];
        if (dfv_test_download(t, &out, got)) {
            double worst = 0;
            for (int i = 0; i < n; i++)
                worst = fmax(worst, fabs(got[i] - ref[i]) / fabs(ref[i]));
            dfv_test_expect(t, worst < 1e-5, "gelu tail x in [-9.3, -3]: max relative error %.2e (< 1e-5)", worst);
        }
    }
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &in);
    dfv_test_tensor_free(t, &out);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "unary"))
        return dfv_test_end(&t);
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        if (!dfv_test_dtype_ok(&t, dtype))
            continue;
        for (int f = 0; f < 2; f++) {
            dfv_unary fn = f ? DFV_UNARY_GELU : DFV_UNARY_SILU;
            test_case(&t, dtype, fn, 1, 1, 1, 1, 3, false);
            test_case(&t, dtype, fn, 1, 3, 7, 5, 6, false);
            test_case(&t, dtype, fn, 16, 13, 9, 7, 12, false);
            test_case(&t, dtype, fn, 2, 48, 16, 16, 4, true);
        }
    }
    test_tail(&t);
    return dfv_test_end(&t);
}
