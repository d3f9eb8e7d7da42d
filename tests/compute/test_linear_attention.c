/* dfv_op_linear_attention against a double reference of the official formula: q softmax over the head
 * dim, k softmax over the pixels, q ·= dim_head^-1/2, ctx = k vᵀ, out = ctxᵀ q. Odd sizes and head dims,
 * pixel counts off the tile size, T = 1 and 16, inputs wide enough that the softmaxes are not flat. */
#include <math.h>
#include <stdlib.h>

#include "harness.h"

typedef struct {
    int t, heads, dim_head, h, w;
} la_case;

static void linear_attention_reference(const float *qkv, double *out, const la_case *k)
{
    const int dh = k->dim_head, hw = k->h * k->w, inner = k->heads * dh;
    double *qn = malloc(sizeof(double) * (size_t)dh * hw), *kn = malloc(sizeof(double) * (size_t)dh * hw);
    double *ctx = malloc(sizeof(double) * (size_t)dh * dh);
    for (int t = 0; t < k->t && qn && kn && ctx; t++)
        for (int h = 0; h < k->heads; h++) {
            const float *q = qkv + ((size_t)t * 3 * inner + (size_t)h * dh) * hw;
            const float *key = q + (size_t)inner * hw, *v = key + (size_t)inner * hw;
            for (int n = 0; n < hw; n++) {
                double m = -INFINITY, s = 0;
                for (int d = 0; d < dh; d++)
                    m = fmax(m, q[(size_t)d * hw + n]);
                for (int d = 0; d < dh; d++)
                    s += qn[(size_t)d * hw + n] = exp(q[(size_t)d * hw + n] - m);
                for (int d = 0; d < dh; d++)
                    qn[(size_t)d * hw + n] /= s * sqrt((double)dh);
            }
            for (int d = 0; d < dh; d++) {
                double m = -INFINITY, s = 0;
                for (int n = 0; n < hw; n++)
                    m = fmax(m, key[(size_t)d * hw + n]);
                for (int n = 0; n < hw; n++)
                    s += kn[(size_t)d * hw + n] = exp(key[(size_t)d * hw + n] - m);
                for (int n = 0; n < hw; n++)
                    kn[(size_t)d * hw + n] /= s;
            }
            for (int d = 0; d < dh; d++)
                for (int e = 0; e < dh; e++) {
                    double acc = 0;
                    for (int n = 0; n < hw; n++)
                        acc += kn[(size_t)d * hw + n] * v[(size_t)e * hw + n];
                    ctx[d * dh + e] = acc;
                }
            for (int e = 0; e < dh; e++)
                for (int n = 0; n < hw; n++) {
                    double acc = 0;
                    for (int d = 0; d < dh; d++)
                        acc += ctx[d * dh + e] * qn[(size_t)d * hw + n];
                    out[((size_t)t * inner + (size_t)h * dh + e) * hw + n] = acc;
                }
        }
    free(qn);
    free(kn);
    free(ctx);
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const la_case *k = arg;
    const int inner = k->heads * k->dim_head;
    size_t n_in = (size_t)k->t * 3 * inner * k->h * k->w, n_out = (size_t)k->t * inner * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *qkv = dfv_test_scope_random(&s, n_in, -3, 3);
    double *ref = dfv_test_scope_alloc(&s, n_out, sizeof *ref);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, dtype, k->t, 3 * inner, k->h, k->w, qkv);
    const dfv_test_tensor *tout = dfv_test_scope_output(&s, dtype, k->t, inner, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        linear_attention_reference(qkv, ref, k);
        const char *label = dfv_test_scope_label(&s, "linear_attention %s T%d %dx%d %dx%d", dfv_test_dtype_name(dtype),
                                                 k->t, k->heads, k->dim_head, k->h, k->w);
        dfv_test_scope_check(&s, dfv_op_linear_attention(seq, tout->view, tin->view, k->heads, k->dim_head), label,
                             tout, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{1, 12, 3, 3}, {1, 4, 3, 3}}; /* qkv, out */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_linear_attention(seq, x[1], x[0], 2, 3),
                     "linear_attention rejects qkv without 3·heads·dim_head channels");
    dfv_test_rejects(t, dfv_op_linear_attention(seq, x[1], x[0], 1, 0), "linear_attention rejects dim_head 0");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "linear_attention"))
        return dfv_test_end(&t);
    const la_case cases[] = {
        {2, 2, 5, 5, 7}, {1, 3, 8, 9, 9}, {2, 1, 12, 4, 4}, {16, 2, 4, 3, 5}, {1, 4, 32, 16, 16}, {1, 1, 64, 8, 8},
        {1, 1, 1, 2, 3},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
