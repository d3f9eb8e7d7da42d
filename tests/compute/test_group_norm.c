/* dfv_op_group_norm against a double reference: statistics over the whole window (official) and per
 * frame, groups of 1..6 channels, optional per-frame ·(1+scale)+shift and SiLU, inputs far from zero mean
 * (catches one-pass variance), in place, odd sizes, T = 1 and 16. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

static void test_case(dfv_test *t, dfv_dtype dtype, const gn_case *k)
{
    size_t n = (size_t)k->t * k->c * k->h * k->w;
    float *in = dfv_test_random(t, n, 2, 6), *gamma = dfv_test_random(t, (size_t)k->c, 0.5f, 1.5f);
    float *beta = dfv_test_random(t, (size_t)k->c, -1, 1);
    float *mod = dfv_test_random(t, (size_t)k->t * 2 * k->c, -1, 1);
    double *ref = malloc(n * sizeof *ref);
    dfv_test_tensor tin = {0}, tg = {0}, tb = {0}, tm = {0}, tout = {0};
    dfv_seq *seq = NULL;
    if (!in || !gamma || !beta || !mod || !ref || !dfv_test_input(t, dtype, k->t, k->c, k->h, k->w, in, &tin) ||
        !dfv_test_input(t, dtype, 1, k->c, 1, 1, gamma, &tg) || !dfv_test_input(t, dtype, 1, k->c, 1, 1, beta, &tb) ||
        !dfv_test_input(t, dtype, k->t, 1, 1, 2 * k->c, mod, &tm) ||
        (!k->in_place && !dfv_test_output(t, dtype, k->t, k->c, k->h, k->w, &tout)) || !(seq = dfv_test_seq(t)))
        goto done;
    group_norm_reference(in, gamma, beta, k->mod ? mod : NULL, ref, k);
    const dfv_test_tensor *result = k->in_place ? &tin : &tout;
    dfv_group_norm_desc desc = {k->groups, k->eps, k->per_frame, k->silu, k->mod ? &tm.view : NULL};
    char label[160];
    snprintf(label, sizeof label, "group_norm %s {%d,%d,%d,%d} G%d %s%s%s%s", dtype == DFV_F16 ? "f16" : "f32", k->t,
             k->c, k->h, k->w, k->groups, k->per_frame ? "per-frame" : "joint", k->silu ? " silu" : "",
             k->mod ? " mod" : "", k->in_place ? " in place" : "");
    if (dfv_test_ok(t, dfv_op_group_norm(seq, result->view, tin.view, tg.view, tb.view, &desc), label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, result, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &tin);
    dfv_test_tensor_free(t, &tg);
    dfv_test_tensor_free(t, &tb);
    dfv_test_tensor_free(t, &tm);
    dfv_test_tensor_free(t, &tout);
    free(in);
    free(gamma);
    free(beta);
    free(mod);
    free(ref);
}

/* Joint statistics really span the window: changing only the last frame must change the first frame's
 * output, and with per-frame statistics it must not. */
static void test_window_coupling(dfv_test *t)
{
    const int T = 4, C = 8, H = 3, W = 3;
    size_t n = (size_t)T * C * H * W, frame = (size_t)C * H * W;
    float *in = dfv_test_random(t, n, -1, 1), *ones = malloc(C * sizeof(float)), *zeros = calloc(C, sizeof(float));
    float *first[2][2] = {{0}};
    dfv_test_tensor tin = {0}, tg = {0}, tb = {0}, tout = {0};
    if (!in || !ones || !zeros)
        goto done;
    for (int c = 0; c < C; c++)
        ones[c] = 1.0f;
    if (!dfv_test_input(t, DFV_F32, 1, C, 1, 1, ones, &tg) || !dfv_test_input(t, DFV_F32, 1, C, 1, 1, zeros, &tb) ||
        !dfv_test_output(t, DFV_F32, T, C, H, W, &tout))
        goto done;
    for (int variant = 0; variant < 2; variant++) {
        if (variant == 1)
            for (size_t i = (T - 1) * frame; i < n; i++)
                in[i] = 3.0f * in[i] + 2.0f;
        dfv_test_tensor_free(t, &tin);
        if (!dfv_test_input(t, DFV_F32, T, C, H, W, in, &tin))
            goto done;
        for (int per_frame = 0; per_frame < 2; per_frame++) {
            dfv_group_norm_desc desc = {2, 1e-6f, per_frame, false, NULL};
            dfv_seq *seq = dfv_test_seq(t);
            float *all = malloc(n * sizeof *all);
            if (seq && all && dfv_test_ok(t, dfv_op_group_norm(seq, tout.view, tin.view, tg.view, tb.view, &desc), "gn") &&
                dfv_test_ok(t, dfv_seq_submit(seq), "submit") && dfv_test_download(t, &tout, all))
                first[variant][per_frame] = all;
            else
                free(all);
            dfv_seq_destroy(seq);
        }
    }
    if (first[0][0] && first[1][0] && first[0][1] && first[1][1]) {
        double joint_change = 0, frame_change = 0;
        for (size_t i = 0; i < frame; i++) {
            joint_change = fmax(joint_change, fabs(first[0][0][i] - first[1][0][i]));
            frame_change = fmax(frame_change, fabs(first[0][1][i] - first[1][1][i]));
        }
        dfv_test_expect(t, joint_change > 1e-2, "joint statistics: the last frame moves frame 0 (by %.3g)", joint_change);
        dfv_test_expect(t, frame_change == 0.0, "per-frame statistics: frame 0 unchanged (by %.3g)", frame_change);
    }
done:
    for (int i = 0; i < 4; i++)
        free(first[i / 2][i % 2]);
    dfv_test_tensor_free(t, &tin);
    dfv_test_tensor_free(t, &tg);
    dfv_test_tensor_free(t, &tb);
    dfv_test_tensor_free(t, &tout);
    free(in);
    free(ones);
    free(zeros);
}

static void test_bad_arguments(dfv_test *t)
{
    dfv_test_tensor x = {0}, g = {0};
    dfv_seq *seq = NULL;
    float *v = dfv_test_random(t, 2 * 6 * 4, -1, 1);
    if (v && dfv_test_input(t, DFV_F32, 2, 6, 2, 2, v, &x) && dfv_test_input(t, DFV_F32, 1, 6, 1, 1, v, &g) &&
        (seq = dfv_test_seq(t))) {
        dfv_group_norm_desc desc = {4, 1e-6f, false, false, NULL};
        dfv_test_expect(t, dfv_op_group_norm(seq, x.view, x.view, g.view, g.view, &desc) == DFV_ERR_ARGUMENT,
                        "group_norm rejects 4 groups of 6 channels: %s", dfv_ctx_error(t->ctx));
        desc.groups = 3;
        desc.scale_shift = &g.view;
        dfv_test_expect(t, dfv_op_group_norm(seq, x.view, x.view, g.view, g.view, &desc) == DFV_ERR_ARGUMENT,
                        "group_norm rejects a scale_shift of the wrong shape: %s", dfv_ctx_error(t->ctx));
        dfv_test_expect(t, dfv_op_group_norm(seq, x.view, x.view, g.view, g.view, NULL) == DFV_ERR_ARGUMENT,
                        "group_norm rejects a missing descriptor: %s", dfv_ctx_error(t->ctx));
    }
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &x);
    dfv_test_tensor_free(t, &g);
    free(v);
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
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        if (!dfv_test_dtype_ok(&t, dtype))
            continue;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            test_case(&t, dtype, &cases[i]);
    }
    test_window_coupling(&t);
    test_bad_arguments(&t);
    return dfv_test_end(&t);
}
