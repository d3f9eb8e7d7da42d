/* SiLU, GELU (exact erf form) and GELU's tanh form against double references, over inputs from the far
 * negative tail to large positive values, fp32 and fp16. */
#include <math.h>

#include "harness.h"

typedef struct {
    dfv_unary fn;
    int t, c, h, w;
    float range;
    bool in_place;
} unary_case;

static double silu_ref(double x) { return x / (1.0 + exp(-x)); }
static double gelu_ref(double x) { return 0.5 * x * erfc(-x / sqrt(2.0)); }
/* As PyTorch writes GELU(approximate="tanh"). */
static double gelu_tanh_ref(double x) { return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))); }
static double unary_ref(dfv_unary fn, double x)
{
    return fn == DFV_UNARY_GELU ? gelu_ref(x) : fn == DFV_UNARY_GELU_TANH ? gelu_tanh_ref(x) : silu_ref(x);
}
static const char *unary_name(dfv_unary fn)
{
    return fn == DFV_UNARY_GELU ? "gelu" : fn == DFV_UNARY_GELU_TANH ? "gelu_tanh" : "silu";
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const unary_case *k = arg;
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *x = dfv_test_scope_random(&s, n, -k->range, k->range);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *in = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, x);
    const dfv_test_tensor *result = k->in_place ? in : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        for (size_t i = 0; i < n; i++)
            ref[i] = unary_ref(k->fn, x[i]);
        const char *label = dfv_test_scope_label(&s, "%s %s {%d,%d,%d,%d} range %g%s",
                                                 unary_name(k->fn), dfv_test_dtype_name(dtype),
                                                 k->t, k->c, k->h, k->w, k->range, k->in_place ? " in place" : "");
        dfv_test_scope_check(&s, dfv_op_unary(seq, result->view, in->view, k->fn), label, result, ref,
                             dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

/* GELU's left tail is tiny but must not be noise: checked on its own so large values cannot hide it. */
static void test_tail(dfv_test *t)
{
    enum { n = 64 };
    float x[n], got[n];
    double ref[n];
    for (int i = 0; i < n; i++) {
        x[i] = -3.0f - 0.1f * (float)i;
        ref[i] = gelu_ref(x[i]);
    }
    dfv_test_scope s = dfv_test_scope_open(t);
    const dfv_test_tensor *in = dfv_test_scope_input(&s, DFV_F32, 1, 1, 1, n, x);
    const dfv_test_tensor *out = dfv_test_scope_output(&s, DFV_F32, 1, 1, 1, n);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq && dfv_test_scope_submit(&s, dfv_op_unary(seq, out->view, in->view, DFV_UNARY_GELU), "gelu tail") &&
        dfv_test_download(t, out, got)) {
        double worst = 0;
        for (int i = 0; i < n; i++)
            worst = fmax(worst, fabs(got[i] - ref[i]) / fabs(ref[i]));
        dfv_test_expect(t, worst < 1e-5, "gelu tail x in [-9.3, -3]: max relative error %.2e (< 1e-5)", worst);
    }
    dfv_test_scope_close(&s);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "unary"))
        return dfv_test_end(&t);
    const unary_case cases[] = {
        {DFV_UNARY_SILU, 1, 1, 1, 1, 3, false},    {DFV_UNARY_SILU, 1, 3, 7, 5, 6, false},
        {DFV_UNARY_SILU, 16, 13, 9, 7, 12, false}, {DFV_UNARY_SILU, 2, 48, 16, 16, 4, true},
        {DFV_UNARY_GELU, 1, 1, 1, 1, 3, false},    {DFV_UNARY_GELU, 1, 3, 7, 5, 6, false},
        {DFV_UNARY_GELU, 16, 13, 9, 7, 12, false}, {DFV_UNARY_GELU, 2, 48, 16, 16, 4, true},
        {DFV_UNARY_GELU_TANH, 1, 1, 1, 1, 3, false},    {DFV_UNARY_GELU_TANH, 1, 3, 7, 5, 6, false},
        {DFV_UNARY_GELU_TANH, 16, 13, 9, 7, 12, false}, {DFV_UNARY_GELU_TANH, 6, 256, 3, 4, 40, true},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    test_tail(&t);
    return dfv_test_end(&t);
}
