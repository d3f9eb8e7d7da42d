/* dfv_op_pixel_shuffle against a direct C reference: the DiT's patch 2 and the VAE's patch 20 layouts,
 * factor 1 (a copy), odd grids, several frames. */
#include "harness.h"

typedef struct {
    int t, c, h, w, factor; /* c: output channels; in is {t, c·f², h, w} */
} shuffle_case;

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const shuffle_case *k = arg;
    const int f = k->factor, in_c = k->c * f * f, oh = k->h * f, ow = k->w * f;
    size_t n = (size_t)k->t * in_c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *x = dfv_test_scope_random(&s, n, -3, 3);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *in = dfv_test_scope_input(&s, dtype, k->t, in_c, k->h, k->w, x);
    const dfv_test_tensor *out = dfv_test_scope_output(&s, dtype, k->t, k->c, oh, ow);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        for (int t0 = 0; t0 < k->t; t0++)
            for (int c = 0; c < k->c; c++)
                for (int y = 0; y < k->h; y++)
                    for (int i = 0; i < f; i++)
                        for (int x0 = 0; x0 < k->w; x0++)
                            for (int j = 0; j < f; j++) {
                                size_t src = (((size_t)t0 * in_c + c * f * f + i * f + j) * k->h + y) * k->w + x0;
                                size_t dst = (((size_t)t0 * k->c + c) * oh + y * f + i) * ow + x0 * f + j;
                                ref[dst] = x[src];
                            }
        const char *label = dfv_test_scope_label(&s, "pixel_shuffle %s {%d,%d,%d,%d} x%d", dfv_test_dtype_name(dtype),
                                                 k->t, in_c, k->h, k->w, f);
        dfv_test_scope_check(&s, dfv_op_pixel_shuffle(seq, out->view, in->view, f), label, out, ref,
                             dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{2, 8, 3, 4}, {2, 2, 6, 8}, {2, 2, 6, 7}, {1, 2, 6, 8}, {2, 3, 3, 4}};

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_pixel_shuffle(seq, x[1], x[0], 0), "pixel_shuffle rejects factor 0");
    dfv_test_rejects(t, dfv_op_pixel_shuffle(seq, x[1], x[0], 3), "pixel_shuffle rejects channels not a multiple of f²");
    dfv_test_rejects(t, dfv_op_pixel_shuffle(seq, x[2], x[0], 2), "pixel_shuffle rejects a wrong output width");
    dfv_test_rejects(t, dfv_op_pixel_shuffle(seq, x[3], x[0], 2), "pixel_shuffle rejects a wrong frame count");
    dfv_test_rejects(t, dfv_op_pixel_shuffle(seq, x[4], x[0], 2), "pixel_shuffle rejects a wrong channel count");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "pixel_shuffle"))
        return dfv_test_end(&t);
    const shuffle_case cases[] = {
        {1, 1, 1, 1, 1}, {6, 4, 3, 4, 2}, {2, 3, 6, 8, 4}, {1, 3, 2, 3, 20}, {3, 5, 7, 5, 3}, {2, 16, 9, 16, 2},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
