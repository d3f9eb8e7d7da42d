/* dfv_op_linear against a double-accumulating matrix product: odd row counts and widths, rows spread
 * over t, c and h, with and without bias. */
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

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const linear_case *c = arg;
    int rows = c->t * c->c * c->h;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *in = dfv_test_scope_random(&s, (size_t)rows * c->k, -1, 1);
    float *weight = dfv_test_scope_random(&s, (size_t)c->n * c->k, -1, 1);
    float *bias = dfv_test_scope_random(&s, (size_t)c->n, -1, 1);
    double *ref = dfv_test_scope_alloc(&s, (size_t)rows * c->n, sizeof *ref);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, dtype, c->t, c->c, c->h, c->k, in);
    const dfv_test_tensor *tw = dfv_test_scope_input(&s, dtype, 1, c->n, 1, c->k, weight);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, 1, 1, 1, c->n, bias);
    const dfv_test_tensor *tout = dfv_test_scope_output(&s, dtype, c->t, c->c, c->h, c->n);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        linear_reference(in, weight, c->bias ? bias : NULL, ref, rows, c->k, c->n);
        const char *label = dfv_test_scope_label(&s, "linear %s %d rows x %d -> %d%s", dfv_test_dtype_name(dtype), rows,
                                                 c->k, c->n, c->bias ? " bias" : "");
        dfv_test_scope_check(&s, dfv_op_linear(seq, tout->view, tin->view, tw->view, c->bias ? &tb->view : NULL),
                             label, tout, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{5, 1, 1, 7}, {1, 3, 1, 7}, {5, 1, 1, 3}}; /* in, weight, out */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_tensor in = x[0], w = x[1], out = x[2];
    dfv_tensor short_w = w;
    short_w.c = 5, short_w.w = 4;
    dfv_test_rejects(t, dfv_op_linear(seq, out, in, short_w, NULL), "linear rejects a weight of the wrong width");
    dfv_tensor few_rows = out;
    few_rows.t = 4;
    dfv_test_rejects(t, dfv_op_linear(seq, few_rows, in, w, NULL), "linear rejects an output with too few rows");
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
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
