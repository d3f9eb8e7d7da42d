/* dfv_op_add against a double reference: several shapes (odd sizes, T = 1 and 16, channel counts not
 * divisible by the subgroup), fp32 and fp16, out-of-place and in place (out aliasing a); dfv_op_add_gated
 * with per-(frame, channel) gates taken from a chunk of a wider tensor, on the vec4 path (H·W % 4 == 0)
 * and off it. */
#include "harness.h"

typedef struct {
    int t, c, h, w;
    bool in_place;
    int gate_width, gate0; /* gate_width 0: plain add */
} add_case;

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const add_case *k = arg;
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *a = dfv_test_scope_random(&s, n, -4, 4), *b = dfv_test_scope_random(&s, n, -4, 4);
    float *gate = k->gate_width ? dfv_test_scope_random(&s, (size_t)k->t * k->gate_width, -2, 2) : NULL;
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *tg = gate ? dfv_test_scope_input(&s, dtype, k->t, 1, 1, k->gate_width, gate) : NULL;
    const dfv_test_tensor *ta = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, a);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, b);
    const dfv_test_tensor *result = k->in_place ? ta : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        const size_t hw = (size_t)k->h * k->w;
        for (size_t i = 0; i < n; i++) {
            size_t plane = i / hw, c = plane % (size_t)k->c, frame = plane / (size_t)k->c;
            double g = gate ? gate[frame * (size_t)k->gate_width + (size_t)k->gate0 + c] : 1.0;
            ref[i] = (double)a[i] + g * (double)b[i];
        }
        const char *label = dfv_test_scope_label(&s, "add %s {%d,%d,%d,%d}%s%s", dfv_test_dtype_name(dtype), k->t,
                                                 k->c, k->h, k->w, k->in_place ? " in place" : "", gate ? " gated" : "");
        dfv_status recorded = gate ? dfv_op_add_gated(seq, result->view, ta->view, tb->view, tg->view, k->gate0)
                                   : dfv_op_add(seq, result->view, ta->view, tb->view);
        dfv_test_scope_check(&s, recorded, label, result, ref, dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{2, 3, 4, 5}, {2, 3, 5, 4}, {2, 1, 1, 9}, {1, 1, 1, 9}, {2, 9, 1, 1}};

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_tensor a = x[0], b = x[1];
    dfv_test_rejects(t, dfv_op_add(seq, a, a, b), "add with mismatched shapes fails");
    dfv_tensor mixed = b;
    mixed.dtype = DFV_F16;
    mixed.h = 4, mixed.w = 5;
    dfv_test_rejects(t, dfv_op_add(seq, a, a, mixed), "add with mixed dtypes fails");
    dfv_test_rejects(t, dfv_op_add_gated(seq, a, a, a, x[2], 7), "add_gated with gates past the gate tensor fails");
    dfv_test_rejects(t, dfv_op_add_gated(seq, a, a, a, x[2], -1), "add_gated with a negative gate channel fails");
    dfv_test_rejects(t, dfv_op_add_gated(seq, a, a, a, x[3], 0), "add_gated with gates for one frame of two fails");
    dfv_test_rejects(t, dfv_op_add_gated(seq, a, a, a, x[4], 0), "add_gated with gates not {T,1,1,M} fails");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "add"))
        return dfv_test_end(&t);
    const add_case cases[] = {
        {1, 1, 1, 1, false},   {1, 3, 7, 5, false},  {16, 5, 9, 11, false},
        {2, 48, 16, 16, false}, {16, 13, 8, 8, false}, {16, 5, 9, 11, true}, /* the last: in place */
        {6, 64, 3, 4, false, 384, 128}, /* the tiny DiT's gate_msa: vec4 items */
        {6, 64, 3, 4, true, 384, 320},  /* gate_mlp, in place */
        {5, 13, 3, 5, false, 40, 27},   /* odd pixel count: scalar items */
        {1, 3, 1, 1, true, 3, 0},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
