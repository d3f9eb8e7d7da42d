/* Nearest ×2 upsampling against a direct reference: odd sizes, T = 1 and 16, fp32 and fp16. */
#include "harness.h"

typedef struct {
    int t, c, h, w;
} up_case;

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const up_case *k = arg;
    const int h = k->h, w = k->w;
    size_t n = (size_t)k->t * k->c * h * w, n_out = 4 * n;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *x = dfv_test_scope_random(&s, n, -3, 3);
    double *ref = dfv_test_scope_alloc(&s, n_out, sizeof *ref);
    const dfv_test_tensor *in = dfv_test_scope_input(&s, dtype, k->t, k->c, h, w, x);
    const dfv_test_tensor *out = dfv_test_scope_output(&s, dtype, k->t, k->c, 2 * h, 2 * w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        for (int p = 0; p < k->t * k->c; p++)
            for (int y = 0; y < 2 * h; y++)
                for (int xx = 0; xx < 2 * w; xx++)
                    ref[((size_t)p * 2 * h + y) * 2 * w + xx] = x[((size_t)p * h + y / 2) * w + xx / 2];
        const char *label = dfv_test_scope_label(&s, "upsample2x %s {%d,%d,%d,%d}", dfv_test_dtype_name(dtype), k->t,
                                                 k->c, h, w);
        dfv_test_scope_check(&s, dfv_op_upsample2x(seq, out->view, in->view), label, out, ref,
                             dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{1, 2, 4, 4}, {1, 2, 7, 8}}; /* in, out */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_upsample2x(seq, x[1], x[0]), "upsample2x into the wrong shape fails");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "upsample2x"))
        return dfv_test_end(&t);
    const up_case cases[] = {{1, 1, 1, 1}, {1, 3, 5, 7}, {16, 13, 8, 8}, {2, 48, 9, 16}};
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
