/* dfv_op_group_norm against a double reference: statistics over the whole window (official) and per
 * frame, groups of 1..6 channels, optional per-frame ·(1+scale)+shift and SiLU, inputs far from zero mean
 * (catches one-pass variance), in place, odd sizes, T = 1 and 16. */
#include <math.h>

#include "harness.h"

typedef struct {
    int t, c, h, w, groups;
    bool per_frame, silu, mod, in_place;
    float eps;
} gn_case;

static void group_norm_reference(const float *in, const float *gamma, const float *beta, const float *scale_shift,
                                 double *out, const gn_case *k)
{
    const int hw = k->h * k->w, cpg = k->c / k->groups;
    const int units = k->per_frame ? k->t : 1, frames_per_unit = k->per_frame ? 1 : k->t;
    for (int u = 0; u < units; u++)
        for (int g = 0; g < k->groups; g++) {
            const int t0 = u * frames_per_unit, t1 = t0 + frames_per_unit;
            const double count = (double)frames_per_unit * cpg * hw;
            double sum = 0, sq = 0;
            for (int t = t0; t < t1; t++)
                for (int c = g * cpg; c < (g + 1) * cpg; c++)
                    for (int p = 0; p < hw; p++)
                        sum += in[((size_t)t * k->c + c) * hw + p];
            const double mean = sum / count;
            for (int t = t0; t < t1; t++)
                for (int c = g * cpg; c < (g + 1) * cpg; c++)
                    for (int p = 0; p < hw; p++) {
                        double d = in[((size_t)t * k->c + c) * hw + p] - mean;
                        sq += d * d;
                    }
            const double rstd = 1.0 / sqrt(sq / count + (double)k->eps);
            for (int t = t0; t < t1; t++)
                for (int c = g * cpg; c < (g + 1) * cpg; c++)
                    for (int p = 0; p < hw; p++) {
                        size_t i = ((size_t)t * k->c + c) * hw + p;
                        double y = (in[i] - mean) * rstd * gamma[c] + beta[c];
                        if (scale_shift)
                            y = y * (1.0 + scale_shift[(size_t)t * 2 * k->c + c]) +
                                scale_shift[(size_t)t * 2 * k->c + k->c + c];
                        if (k->silu)
                            y = y / (1.0 + exp(-y));
                        out[i] = y;
                    }
        }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const gn_case *k = arg;
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *in = dfv_test_scope_random(&s, n, 2, 6), *gamma = dfv_test_scope_random(&s, (size_t)k->c, 0.5f, 1.5f);
    float *beta = dfv_test_scope_random(&s, (size_t)k->c, -1, 1);
    float *mod = dfv_test_scope_random(&s, (size_t)k->t * 2 * k->c, -1, 1);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, in);
    const dfv_test_tensor *tg = dfv_test_scope_input(&s, dtype, 1, k->c, 1, 1, gamma);
    const dfv_test_tensor *tb = dfv_test_scope_input(&s, dtype, 1, k->c, 1, 1, beta);
    const dfv_test_tensor *tm = dfv_test_scope_input(&s, dtype, k->t, 1, 1, 2 * k->c, mod);
    const dfv_test_tensor *result = k->in_place ? tin : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        group_norm_reference(in, gamma, beta, k->mod ? mod : NULL, ref, k);
        dfv_group_norm_desc desc = {k->groups, k->eps, k->per_frame, k->silu, k->mod ? &tm->view : NULL};
        const char *label = dfv_test_scope_label(
            &s, "group_norm %s {%d,%d,%d,%d} G%d %s%s%s%s", dfv_test_dtype_name(dtype), k->t, k->c, k->h, k->w,
            k->groups, k->per_frame ? "per-frame" : "joint", k->silu ? " silu" : "", k->mod ? " mod" : "",
            k->in_place ? " in place" : "");
        dfv_test_scope_check(&s, dfv_op_group_norm(seq, result->view, tin->view, tg->view, tb->view, &desc), label,
                             result, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

/* Group norm (2 groups, no affine) of in into out with joint or per-frame statistics, downloaded to dst. */
static bool run_window(dfv_test *t, const dfv_test_tensor *out, const dfv_test_tensor *in, dfv_tensor ones,
                       dfv_tensor zeros, bool per_frame, float *dst)
{
    dfv_group_norm_desc desc = {2, 1e-6f, per_frame, false, NULL};
    dfv_seq *seq = dfv_test_seq(t);
    bool ok = seq && dfv_test_ok(t, dfv_op_group_norm(seq, out->view, in->view, ones, zeros, &desc), "gn") &&
              dfv_test_ok(t, dfv_seq_submit(seq), "submit") && dfv_test_download(t, out, dst);
    dfv_seq_destroy(seq);
    return ok;
}

/* Joint statistics really span the window: changing only the last frame must change the first frame's
 * output, and with per-frame statistics it must not. */
static void test_window_coupling(dfv_test *t)
{
    enum { T = 4, C = 8, H = 3, W = 3 };
    size_t n = (size_t)T * C * H * W, frame = (size_t)C * H * W;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *in = dfv_test_scope_random(&s, n, -1, 1), *changed = dfv_test_scope_alloc(&s, n, sizeof(float));
    float *ones = dfv_test_scope_alloc(&s, C, sizeof(float)), *zeros = dfv_test_scope_alloc(&s, C, sizeof(float));
    float *got = dfv_test_scope_alloc(&s, 4 * n, sizeof(float)); /* [last frame changed][per frame] */
    for (size_t i = 0; s.ok && i < n; i++)
        changed[i] = i < (T - 1) * frame ? in[i] : 3.0f * in[i] + 2.0f;
    for (int c = 0; s.ok && c < C; c++)
        ones[c] = 1.0f;
    dfv_tensor g = dfv_test_scope_input(&s, DFV_F32, 1, C, 1, 1, ones)->view;
    dfv_tensor b = dfv_test_scope_input(&s, DFV_F32, 1, C, 1, 1, zeros)->view;
    const dfv_test_tensor *tout = dfv_test_scope_output(&s, DFV_F32, T, C, H, W);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, DFV_F32, T, C, H, W, in);
    const dfv_test_tensor *tchanged = dfv_test_scope_input(&s, DFV_F32, T, C, H, W, changed);
    bool ok = s.ok;
    for (int i = 0; i < 4; i++)
        ok = ok && run_window(t, tout, i < 2 ? tin : tchanged, g, b, i % 2, got + i * n);
    if (ok) {
        double joint_change = 0, frame_change = 0;
        for (size_t i = 0; i < frame; i++) {
            joint_change = fmax(joint_change, fabs(got[i] - got[2 * n + i]));
            frame_change = fmax(frame_change, fabs(got[n + i] - got[3 * n + i]));
        }
        dfv_test_expect(t, joint_change > 1e-2, "joint statistics: the last frame moves frame 0 (by %.3g)", joint_change);
        dfv_test_expect(t, frame_change == 0.0, "per-frame statistics: frame 0 unchanged (by %.3g)", frame_change);
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{2, 6, 2, 2}, {1, 6, 1, 1}}; /* in and out, gamma and beta */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_tensor v = x[0], g = x[1];
    dfv_group_norm_desc desc = {4, 1e-6f, false, false, NULL};
    dfv_test_rejects(t, dfv_op_group_norm(seq, v, v, g, g, &desc), "group_norm rejects 4 groups of 6 channels");
    desc.groups = 3;
    desc.scale_shift = &g;
    dfv_test_rejects(t, dfv_op_group_norm(seq, v, v, g, g, &desc),
                     "group_norm rejects a scale_shift of the wrong shape");
    dfv_test_rejects(t, dfv_op_group_norm(seq, v, v, g, g, NULL), "group_norm rejects a missing descriptor");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "group_norm"))
        return dfv_test_end(&t);
    const gn_case cases[] = {
        {1, 8, 5, 7, 8, false, false, false, false, 1e-6f},  {16, 16, 4, 4, 8, false, true, true, false, 1e-6f},
        {16, 16, 4, 4, 8, true, true, true, false, 1e-6f},   {3, 24, 9, 11, 8, false, false, true, false, 1e-5f},
        {2, 6, 13, 13, 3, true, false, false, false, 1e-6f}, {4, 10, 3, 5, 5, false, true, false, true, 1e-6f},
        {16, 48, 16, 16, 8, false, true, true, false, 1e-6f}, {1, 5, 1, 1, 1, false, false, false, false, 0.1f},
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    test_window_coupling(&t);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
