/* dfv_op_pixel_shuffle and dfv_op_pixel_unshuffle against a direct C reference: the DiT's patch 2 and
 * the VAE's patch 20 layouts, factor 1 (a copy), odd grids, several frames. */
#include "harness.h"

typedef struct {
    int t, c, h, w, factor; /* pixels {t, c, h·f, w·f}, patches {t, c·f², h, w} */
    bool unshuffle;         /* patches from pixels; else pixels from patches */
} shuffle_case;

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const shuffle_case *k = arg;
    const int f = k->factor, patch_c = k->c * f * f, ph = k->h * f, pw = k->w * f;
    size_t n = (size_t)k->t * patch_c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *x = dfv_test_scope_random(&s, n, -3, 3);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *in = k->unshuffle ? dfv_test_scope_input(&s, dtype, k->t, k->c, ph, pw, x)
                                             : dfv_test_scope_input(&s, dtype, k->t, patch_c, k->h, k->w, x);
    const dfv_test_tensor *out = k->unshuffle ? dfv_test_scope_output(&s, dtype, k->t, patch_c, k->h, k->w)
                                              : dfv_test_scope_output(&s, dtype, k->t, k->c, ph, pw);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        for (int t0 = 0; t0 < k->t; t0++)
            for (int c = 0; c < k->c; c++)
                for (int y = 0; y < k->h; y++)
                    for (int i = 0; i < f; i++)
                        for (int x0 = 0; x0 < k->w; x0++)
                            for (int j = 0; j < f; j++) {
                                size_t patch = (((size_t)t0 * patch_c + c * f * f + i * f + j) * k->h + y) * k->w + x0;
                                size_t pixel = (((size_t)t0 * k->c + c) * ph + y * f + i) * pw + x0 * f + j;
                                if (k->unshuffle)
                                    ref[patch] = x[pixel];
                                else
                                    ref[pixel] = x[patch];
                            }
        const char *label = dfv_test_scope_label(&s, "pixel_%s %s {%d,%d,%d,%d} x%d", k->unshuffle ? "unshuffle" : "shuffle",
                                                 dfv_test_dtype_name(dtype), k->t, patch_c, k->h, k->w, f);
        dfv_status recorded = k->unshuffle ? dfv_op_pixel_unshuffle(seq, out->view, in->view, f)
                                           : dfv_op_pixel_shuffle(seq, out->view, in->view, f);
        dfv_test_scope_check(&s, recorded, label, out, ref, dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
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
    dfv_test_rejects(t, dfv_op_pixel_unshuffle(seq, x[0], x[1], 3), "pixel_unshuffle rejects a wrong factor");
    dfv_test_rejects(t, dfv_op_pixel_unshuffle(seq, x[0], x[2], 2), "pixel_unshuffle rejects a wrong input width");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "pixel_shuffle"))
        return dfv_test_end(&t);
    const shuffle_case cases[] = {
        {1, 1, 1, 1, 1, false}, {6, 4, 3, 4, 2, false}, {2, 3, 6, 8, 4, false}, {1, 3, 2, 3, 20, false},
        {3, 5, 7, 5, 3, false}, {2, 16, 9, 16, 2, false},
        {1, 1, 1, 1, 1, true},  {6, 4, 3, 4, 2, true},  {2, 3, 6, 8, 4, true},  {1, 3, 2, 3, 20, true},
        {3, 5, 7, 5, 3, true},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
