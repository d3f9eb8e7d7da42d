/* dfv_op_add against a double reference: several shapes (odd sizes, T = 1 and 16, channel counts not
 * divisible by the subgroup), fp32 and fp16, out-of-place and in place (out aliasing a). */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

typedef struct {
    int t, c, h, w;
} shape;

static void test_case(dfv_test *t, dfv_dtype dtype, shape s, bool in_place)
{
    size_t n = (size_t)s.t * s.c * s.h * s.w;
    float *a = dfv_test_random(t, n, -4, 4), *b = dfv_test_random(t, n, -4, 4);
    double *ref = malloc(n * sizeof *ref);
    dfv_test_tensor ta = {0}, tb = {0}, tout = {0};
    dfv_seq *seq = NULL;
    if (!a || !b || !ref || !dfv_test_input(t, dtype, s.t, s.c, s.h, s.w, a, &ta) ||
        !dfv_test_input(t, dtype, s.t, s.c, s.h, s.w, b, &tb) ||
        (!in_place && !dfv_test_output(t, dtype, s.t, s.c, s.h, s.w, &tout)) || !(seq = dfv_test_seq(t)))
        goto done;
    for (size_t i = 0; i < n; i++)
        ref[i] = (double)a[i] + (double)b[i];
    const dfv_test_tensor *result = in_place ? &ta : &tout;
    char label[128];
    snprintf(label, sizeof label, "add %s {%d,%d,%d,%d}%s", dtype == DFV_F16 ? "f16" : "f32", s.t, s.c, s.h, s.w,
             in_place ? " in place" : "");
    if (dfv_test_ok(t, dfv_op_add(seq, result->view, ta.view, tb.view), label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, result, ref, dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &ta);
    dfv_test_tensor_free(t, &tb);
    dfv_test_tensor_free(t, &tout);
    free(a);
    free(b);
    free(ref);
}

static void test_bad_shapes(dfv_test *t)
{
    dfv_test_tensor a = {0}, b = {0};
    dfv_seq *seq = NULL;
    float *x = dfv_test_random(t, 2 * 3 * 4 * 5, -1, 1);
    if (x && dfv_test_input(t, DFV_F32, 2, 3, 4, 5, x, &a) && dfv_test_input(t, DFV_F32, 2, 3, 5, 4, x, &b) &&
        (seq = dfv_test_seq(t))) {
        dfv_status s = dfv_op_add(seq, a.view, a.view, b.view);
        dfv_test_expect(t, s == DFV_ERR_ARGUMENT, "add with mismatched shapes fails: %s", dfv_ctx_error(t->ctx));
        dfv_tensor mixed = b.view;
        mixed.dtype = DFV_F16;
        mixed.h = 4, mixed.w = 5;
        s = dfv_op_add(seq, a.view, a.view, mixed);
        dfv_test_expect(t, s == DFV_ERR_ARGUMENT, "add with mixed dtypes fails: %s", dfv_ctx_error(t->ctx));
    }
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &a);
    dfv_test_tensor_free(t, &b);
    free(x);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "add"))
        return dfv_test_end(&t);
    const shape shapes[] = {{1, 1, 1, 1}, {1, 3, 7, 5}, {16, 5, 9, 11}, {2, 48, 16, 16}, {16, 13, 8, 8}};
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        if (!dfv_test_dtype_ok(&t, dtype))
            continue;
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            test_case(&t, dtype, shapes[i], false);
        test_case(&t, dtype, shapes[2], true);
    }
    test_bad_shapes(&t);
    return dfv_test_end(&t);
}
