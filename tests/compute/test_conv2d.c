/* dfv_op_conv2d against a double-accumulating direct convolution: kernels 1, 3, 7, strides 1 and 2,
 * padding 0..k/2, with and without bias, odd sizes, T = 1 and 16, channel counts off the block sizes
 * (and on them: the lavapipe path picks its blocks by channel count and map size). */
#include <stdio.h>

#include "harness.h"

typedef struct {
    int t, in_c, h, w, out_c, k, stride, pad;
    bool bias, residual; /* residual: through dfv_op_conv2d_add */
} conv_case;

static void conv2d_reference(const float *in, const float *weight, const float *bias, double *out, const conv_case *c,
                             int oh, int ow)
{
    for (int t = 0; t < c->t; t++)
        for (int co = 0; co < c->out_c; co++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double acc = bias ? bias[co] : 0.0;
                    for (int ci = 0; ci < c->in_c; ci++)
                        for (int ky = 0; ky < c->k; ky++)
                            for (int kx = 0; kx < c->k; kx++) {
                                int iy = oy * c->stride - c->pad + ky, ix = ox * c->stride - c->pad + kx;
                                if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                                    continue;
                                acc += (double)in[(((size_t)t * c->in_c + ci) * c->h + iy) * c->w + ix] *
                                       weight[(((size_t)co * c->in_c + ci) * c->k + ky) * c->k + kx];
                            }
                    out[(((size_t)t * c->out_c + co) * oh + oy) * ow + ox] = acc;
                }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const conv_case *c = arg;
    int oh = (c->h + 2 * c->pad - c->k) / c->stride + 1, ow = (c->w + 2 * c->pad - c->k) / c->stride + 1;
    size_t n_in = (size_t)c->t * c->in_c * c->h * c->w, n_w = (size_t)c->out_c * c->in_c * c->k * c->k;
    size_t n_out = (size_t)c->t * c->out_c * oh * ow;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *in = dfv_test_scope_random(&s, n_in, -1, 1), *weight = dfv_test_scope_random(&s, n_w, -1, 1);
    float *bias = dfv_test_scope_random(&s, (size_t)c->out_c, -1, 1), *res = dfv_test_scope_random(&s, n_out, -4, 4);
    double *ref = dfv_test_scope_alloc(&s, n_out, sizeof *ref);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, dtype, c->t, c->in_c, c->h, c->w, in);
    const dfv_test_tensor *tw = dfv_test_scope_input(&s, dtype, c->out_c, c->in_c, c->k, c->k, weight);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, 1, c->out_c, 1, 1, bias);
    const dfv_test_tensor *tres = dfv_test_scope_input(&s, dtype, c->t, c->out_c, oh, ow, res);
    const dfv_test_tensor *tout = dfv_test_scope_output(&s, dtype, c->t, c->out_c, oh, ow);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        conv2d_reference(in, weight, c->bias ? bias : NULL, ref, c, oh, ow);
        for (size_t i = 0; c->residual && i < n_out; i++)
            ref[i] += res[i];
        const char *label = dfv_test_scope_label(&s, "conv2d %s T%d %dx%dx%d -> %d k%d s%d p%d%s%s",
                                                 dfv_test_dtype_name(dtype), c->t, c->in_c, c->h, c->w, c->out_c, c->k,
                                                 c->stride, c->pad, c->bias ? " bias" : "",
                                                 c->residual ? " + residual" : "");
        dfv_status recorded = dfv_op_conv2d_add(seq, tout->view, tin->view, tw->view, c->bias ? &tb->view : NULL,
                                                c->stride, c->pad, c->residual ? &tres->view : NULL);
        dfv_test_scope_check(&s, recorded, label, tout, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

static void expect_rejected(dfv_test *t, dfv_seq *seq, dfv_tensor out, dfv_tensor in, dfv_tensor w, int stride, int pad,
                            const char *what)
{
    char message[128];
    snprintf(message, sizeof message, "conv2d rejects %s", what);
    dfv_test_rejects(t, dfv_op_conv2d(seq, out, in, w, NULL, stride, pad), message);
}

static const dfv_test_shape bad_shapes[] = {{2, 4, 6, 6}, {3, 4, 3, 3}, {2, 3, 6, 6}}; /* in, weight, out */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_tensor in = x[0], w = x[1], out = x[2];
    dfv_tensor wrong_in = in;
    wrong_in.c = 3, wrong_in.w = 8;
    expect_rejected(t, seq, out, wrong_in, w, 1, 1, "a channel mismatch");
    expect_rejected(t, seq, out, in, w, 1, 0, "an output of the wrong size");
    expect_rejected(t, seq, out, in, w, 0, 1, "stride 0");
    dfv_tensor rect = w;
    rect.h = 1, rect.w = 9;
    expect_rejected(t, seq, out, in, rect, 1, 0, "a non-square kernel");
    dfv_tensor half = w;
    half.dtype = DFV_F16;
    expect_rejected(t, seq, out, in, half, 1, 1, "mixed dtypes");
    dfv_tensor small = out; /* in's buffer, one frame: a residual of the wrong shape */
    small.buf = in.buf, small.t = 1;
    dfv_test_rejects(t, dfv_op_conv2d_add(seq, out, in, w, NULL, 1, 1, &small),
                     "conv2d rejects a residual of another shape");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "conv2d"))
        return dfv_test_end(&t);
    const conv_case cases[] = {
        {2, 5, 9, 11, 13, 3, 1, 1, true},   {16, 3, 8, 7, 5, 3, 2, 1, true}, {1, 3, 10, 6, 11, 7, 1, 3, true},
        {3, 9, 5, 7, 17, 1, 1, 0, false},   {2, 6, 7, 9, 4, 1, 2, 0, true},  {1, 5, 11, 9, 6, 3, 2, 0, false},
        {2, 21, 12, 19, 10, 3, 1, 1, true}, {1, 40, 8, 8, 37, 3, 1, 1, true}, {16, 12, 6, 6, 9, 1, 1, 0, true},
        {1, 2, 9, 9, 3, 7, 2, 3, false},
        /* Pointwise with out_c a multiple of 32 (two blocks of 32 channels x 8 pixels on lavapipe) and of 48
         * (48 x 4, pixel count not a multiple of 4). */
        {2, 20, 8, 10, 64, 1, 1, 0, true},  {1, 13, 6, 9, 48, 1, 1, 0, true},
        /* The fused residual add on every path: 3x3 wide and narrow, pointwise, stride 2, 7x7, no bias. */
        {2, 6, 9, 17, 10, 3, 1, 1, true, true}, {1, 9, 5, 7, 12, 3, 1, 1, false, true},
        {2, 7, 6, 9, 33, 1, 1, 0, true, true},  {1, 5, 9, 8, 6, 3, 2, 1, true, true},
        {1, 3, 10, 6, 11, 7, 1, 3, true, true},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
