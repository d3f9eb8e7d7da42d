/* dfv_op_linear against a double-accumulating matrix product: odd row counts and widths, rows spread
 * over t, c and h, with and without bias. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

typedef struct {
    int t, c, h, k, n;
    bool bias;
} linear_case;

static void linear_reference(const float *in, const float *weight, const float *bias, double *out, int rows, int k,
                             int n)
{
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < n; j++) {
            double acc = bias ? bias[j] : 0.0;
            for (int i = 0; i < k; i++)
                acc += (double)in[(size_t)r * k + i] * weight[(size_t)j * k + i];
            out[(size_t)r * n + j] = acc;
        }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const linear_case *c)
{
    int rows = c->t * c->c * c->h;
    float *in = dfv_test_random(t, (size_t)rows * c->k, -1, 1), *weight = dfv_test_random(t, (size_t)c->n * c->k, -1, 1);
    float *bias = dfv_test_random(t, (size_t)c->n, -1, 1);
    double *ref = malloc((size_t)rows * c->n * sizeof *ref);
    dfv_test_tensor tin = {0}, tw = {0}, tb = {0}, tout = {0};
    dfv_seq *seq = NULL;
    if (!in || !weight || !bias || !ref || !dfv_test_input(t, dtype, c->t, c->c, c->h, c->k, in, &tin) ||
        !dfv_test_input(t, dtype, 1, c->n, 1, c->k, weight, &tw) || !dfv_test_input(t, dtype, 1, 1, 1, c->n, bias, &tb) ||
        !dfv_test_output(t, dtype, c->t, c->c, c->h, c->n, &tout) || !(seq = dfv_test_seq(t)))
        goto done;
    linear_reference(in, weight, c->bias ? bias : NULL, ref, rows, c->k, c->n);
    char label[128];
    snprintf(label, sizeof label, "linear %s %d rows x %d -> %d%s", dtype == DFV_F16 ? "f16" : "f32", rows, c->k, c->n,
             c->bias ? " bias" : "");
    if (dfv_test_ok(t, dfv_op_linear(seq, tout.view, tin.view, tw.view, c->bias ? &tb.view : NULL), label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, &tout, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &tin);
    dfv_test_tensor_free(t, &tw);
    dfv_test_tensor_free(t, &tb);
    dfv_test_tensor_free(t, &tout);
    free(in);
    free(weight);
    free(bias);
    free(ref);
}

static void test_bad_arguments(dfv_test *t)
{
    dfv_test_tensor in = {0}, w = {0}, out = {0};
    dfv_seq *seq = NULL;
    float *x = dfv_test_random(t, 5 * 7, -1, 1);
    if (x && dfv_test_input(t, DFV_F32, 5, 1, 1, 7, x, &in) && dfv_test_input(t, DFV_F32, 1, 3, 1, 7, x, &w) &&
        dfv_test_output(t, DFV_F32, 5, 1, 1, 3, &out) && (seq = dfv_test_seq(t))) {
        dfv_tensor short_w = w.view;
        short_w.c = 5, short_w.w = 4;
        dfv_test_expect(t, dfv_op_linear(seq, out.view, in.view, short_w, NULL) == DFV_ERR_ARGUMENT,
                        "linear rejects a weight of the wrong width: %s", dfv_ctx_error(t->ctx));
        dfv_tensor few_rows = out.view;
        few_rows.t = 4;
        dfv_test_expect(t, dfv_op_linear(seq, few_rows, in.view, w.view, NULL) == DFV_ERR_ARGUMENT,
                        "linear rejects an output with too few rows: %s", dfv_ctx_error(t->ctx));
    }
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &in);
    dfv_test_tensor_free(t, &w);
    dfv_test_tensor_free(t, &out);
    free(x);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "linear"))
        return dfv_test_end(&t);
    const linear_case cases[] = {
        {1, 1, 1, 1, 1, true}, {16, 1, 1, 48, 192, true}, {3, 5, 1, 7, 9, false}, {1, 2, 7, 13, 67, true},
        {16, 1, 1, 192, 130, true},
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
