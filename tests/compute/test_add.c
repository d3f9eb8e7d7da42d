/* dfv_op_add against a double reference: several shapes (odd sizes, T = 1 and 16, channel counts not
 * divisible by the subgroup), fp32 and fp16, out-of-place and in place (out aliasing a). */
#include "harness.h"

typedef struct {
    int t, c, h, w;
    bool in_place;
} add_case;

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const add_case *k = arg;
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *a = dfv_test_scope_random(&s, n, -4, 4), *b = dfv_test_scope_random(&s, n, -4, 4);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *ta = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, a);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, b);
    const dfv_test_tensor *result = k->in_place ? ta : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        for (size_t i = 0; i < n; i++)
            ref[i] = (double)a[i] + (double)b[i];
        const char *label = dfv_test_scope_label(&s, "add %s {%d,%d,%d,%d}%s", dfv_test_dtype_name(dtype), k->t, k->c,
                                                 k->h, k->w, k->in_place ? " in place" : "");
        dfv_test_scope_check(&s, dfv_op_add(seq, result->view, ta->view, tb->view), label, result, ref,
                             dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{2, 3, 4, 5}, {2, 3, 5, 4}};

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_tensor a = x[0], b = x[1];
    dfv_test_rejects(t, dfv_op_add(seq, a, a, b), "add with mismatched shapes fails");
    dfv_tensor mixed = b;
    mixed.dtype = DFV_F16;
    mixed.h = 4, mixed.w = 5;
    dfv_test_rejects(t, dfv_op_add(seq, a, a, mixed), "add with mixed dtypes fails");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "add"))
        return dfv_test_end(&t);
    const add_case cases[] = {
        {1, 1, 1, 1, false},   {1, 3, 7, 5, false},  {16, 5, 9, 11, false},
        {2, 48, 16, 16, false}, {16, 13, 8, 8, false}, {16, 5, 9, 11, true}, /* the last: in place */
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
