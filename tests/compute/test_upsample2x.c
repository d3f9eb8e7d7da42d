/* Nearest ×2 upsampling against a direct reference: odd sizes, T = 1 and 16, fp32 and fp16. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static void test_case(dfv_test *t, dfv_dtype dtype, int tn, int c, int h, int w)
{
    size_t n = (size_t)tn * c * h * w, n_out = 4 * n;
    float *x = dfv_test_random(t, n, -3, 3);
    double *ref = malloc(n_out * sizeof *ref);
    dfv_test_tensor in = {0}, out = {0};
    dfv_seq *seq = NULL;
    if (!x || !ref || !dfv_test_input(t, dtype, tn, c, h, w, x, &in) ||
        !dfv_test_output(t, dtype, tn, c, 2 * h, 2 * w, &out) || !(seq = dfv_test_seq(t)))
        goto done;
    for (int p = 0; p < tn * c; p++)
        for (int y = 0; y < 2 * h; y++)
            for (int xx = 0; xx < 2 * w; xx++)
                ref[((size_t)p * 2 * h + y) * 2 * w + xx] = x[((size_t)p * h + y / 2) * w + xx / 2];
    char label[128];
    snprintf(label, sizeof label, "upsample2x %s {%d,%d,%d,%d}", dtype == DFV_F16 ? "f16" : "f32", tn, c, h, w);
    if (dfv_test_ok(t, dfv_op_upsample2x(seq, out.view, in.view), label) && dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, &out, ref, dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &in);
    dfv_test_tensor_free(t, &out);
    free(x);
    free(ref);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "upsample2x"))
        return dfv_test_end(&t);
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        if (!dfv_test_dtype_ok(&t, dtype))
            continue;
        test_case(&t, dtype, 1, 1, 1, 1);
        test_case(&t, dtype, 1, 3, 5, 7);
        test_case(&t, dtype, 16, 13, 8, 8);
        test_case(&t, dtype, 2, 48, 9, 16);
    }
    dfv_test_tensor a = {0}, b = {0};
    dfv_seq *seq = NULL;
    if (dfv_test_output(&t, DFV_F32, 1, 2, 4, 4, &a) && dfv_test_output(&t, DFV_F32, 1, 2, 7, 8, &b) &&
        (seq = dfv_test_seq(&t)))
        dfv_test_expect(&t, dfv_op_upsample2x(seq, b.view, a.view) == DFV_ERR_ARGUMENT,
                        "upsample2x into the wrong shape fails: %s", dfv_ctx_error(t.ctx));
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(&t, &a);
    dfv_test_tensor_free(&t, &b);
    return dfv_test_end(&t);
}
