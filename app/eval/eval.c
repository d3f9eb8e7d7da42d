#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct dfv_eval {
    dfv_eval_shape shape;
    int episodes;
    int turn_left, turn_right; /* action indices in the world's vector */
    dfv_eval_frame *sums;      /* frames entries: sums over episodes (psnr fields hold squared errors), index k - 1 */
};

int dfv_eval_create(const dfv_eval_shape *shape, dfv_eval **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    if (shape->width < 8 || shape->height < 8 || shape->context < 1 || shape->frames < 1) {
        dfv_error_set(err, "eval: bad shape (%dx%d, context %d, frames %d)", shape->width, shape->height,
                      shape->context, shape->frames);
        return -1;
    }
    dfv_eval *e = calloc(1, sizeof *e);
    if (e) e->sums = calloc((size_t)shape->frames, sizeof *e->sums);
    if (!e || !e->sums) {
        free(e);
        dfv_error_set(err, "eval: out of memory for %d frames", shape->frames);
        return -1;
    }
    e->shape = *shape;
    e->turn_left = dfv_world_action_index(shape->kind, "turn_left");
    e->turn_right = dfv_world_action_index(shape->kind, "turn_right");
    *out = e;
    return 0;
}

void dfv_eval_destroy(dfv_eval *eval)
{
    if (!eval) return;
    free(eval->sums);
    free(eval);
}

const dfv_eval_shape *dfv_eval_get_shape(const dfv_eval *eval) { return &eval->shape; }
int dfv_eval_episodes(const dfv_eval *eval) { return eval->episodes; }

int dfv_eval_turn_direction(dfv_world_kind kind, const float *action)
{
    int left = dfv_world_action_index(kind, "turn_left"), right = dfv_world_action_index(kind, "turn_right");
    bool l = left >= 0 && action[left] > 0.5f, r = right >= 0 && action[right] > 0.5f;
    return l == r ? 0 : l ? 1 : -1;
}

/* Turning left brings what was on the left into view, so content moves right: a positive shift. */
static bool follows_turn(const uint8_t *before, const uint8_t *after, int width, int height, int direction)
{
    double shift = dfv_metrics_horizontal_shift(before, after, width, height, NULL);
    if (!(fabs(shift) >= DFV_EVAL_MIN_TURN_SHIFT)) return false; /* also false for NaN */
    return (shift > 0) == (direction > 0);
}

static double squared_error_of(double psnr) { return 255.0 * 255.0 / pow(10.0, psnr / 10.0); }

/* Mean squared error (0..255²) recovered from the PSNR metric, so both share one definition. */
static double squared_error(const uint8_t *a, const uint8_t *b, int width, int height)
{
    return squared_error_of(dfv_metrics_psnr(a, b, width, height));
}

static double psnr_of(double squared_error)
{
    return squared_error > 0 ? 10.0 * log10(255.0 * 255.0 / squared_error) : INFINITY;
}

/* The turn counts of frame t (absolute) of an episode with world actions. */
static void add_turn(const dfv_eval *eval, dfv_eval_frame *s, const uint8_t *mo, const uint8_t *tr, const float *action)
{
    const dfv_eval_shape *sh = &eval->shape;
    int direction = dfv_eval_turn_direction(sh->kind, action);
    if (!direction) return;
    size_t frame = (size_t)sh->width * sh->height * 3;
    s->turns++;
    s->turns_followed[DFV_EVAL_MODEL] += follows_turn(mo - frame, mo, sh->width, sh->height, direction);
    s->turns_followed[DFV_EVAL_TRUTH] += follows_turn(tr - frame, tr, sh->width, sh->height, direction);
}

void dfv_eval_add_episode(dfv_eval *eval, const uint8_t *truth, const uint8_t *model, const float *actions)
{
    const dfv_eval_shape *sh = &eval->shape;
    int w = sh->width, h = sh->height;
    size_t frame = (size_t)w * h * 3;
    int action_count = dfv_world_action_count(sh->kind);
    const uint8_t *held = truth + frame * (size_t)(sh->context - 1); /* the baseline's frame */
    for (int k = 1; k <= sh->frames; k++) {
        size_t t = (size_t)(sh->context - 1 + k);
        const uint8_t *tr = truth + frame * t, *mo = model + frame * t;
        dfv_eval_frame *s = &eval->sums[k - 1];
        s->episodes++;
        s->psnr += squared_error(mo, tr, w, h);
        s->ssim += dfv_metrics_ssim(mo, tr, w, h);
        s->baseline_psnr += squared_error(held, tr, w, h);
        s->baseline_ssim += dfv_metrics_ssim(held, tr, w, h);
        const uint8_t *sides[2] = {mo, tr};
        for (int side = 0; side < 2; side++) {
            s->brightness[side] += dfv_metrics_brightness(sides[side], w, h);
            s->saturation[side] += dfv_metrics_saturation(sides[side], w, h);
            s->sharpness[side] += dfv_metrics_sharpness(sides[side], w, h);
        }
        if (actions) add_turn(eval, s, mo, tr, actions + t * (size_t)action_count);
    }
    eval->episodes++;
}

dfv_eval_frame dfv_eval_frame_mean(const dfv_eval *eval, int k)
{
    dfv_eval_frame m = eval->sums[k - 1];
    double n = m.episodes ? m.episodes : 1;
    m.psnr = psnr_of(m.psnr / n), m.baseline_psnr = psnr_of(m.baseline_psnr / n);
    m.ssim /= n, m.baseline_ssim /= n;
    for (int side = 0; side < 2; side++) m.brightness[side] /= n, m.saturation[side] /= n, m.sharpness[side] /= n;
    return m;
}

void dfv_eval_set_frame_mean(dfv_eval *eval, int k, const dfv_eval_frame *mean)
{
    dfv_eval_frame *s = &eval->sums[k - 1];
    double n = mean->episodes;
    *s = *mean;
    s->psnr = squared_error_of(mean->psnr) * n, s->baseline_psnr = squared_error_of(mean->baseline_psnr) * n;
    s->ssim *= n, s->baseline_ssim *= n;
    for (int side = 0; side < 2; side++) s->brightness[side] *= n, s->saturation[side] *= n, s->sharpness[side] *= n;
    if (mean->episodes > eval->episodes) eval->episodes = mean->episodes;
}

static dfv_eval_range range_mean(const dfv_eval *eval, int first, int last)
{
    dfv_eval_range r = {.first = first, .last = last};
    for (int k = first; k <= last; k++) {
        dfv_eval_frame m = dfv_eval_frame_mean(eval, k);
        r.psnr += m.psnr, r.baseline_psnr += m.baseline_psnr, r.ssim += m.ssim, r.baseline_ssim += m.baseline_ssim;
    }
    double n = last - first + 1;
    r.psnr /= n, r.baseline_psnr /= n, r.ssim /= n, r.baseline_ssim /= n;
    return r;
}

bool dfv_eval_within_tolerance(double model, double truth)
{
    return fabs(model - truth) <= DFV_EVAL_STAT_TOLERANCE * fabs(truth);
}

void dfv_eval_summarize(const dfv_eval *eval, dfv_eval_summary *out)
{
    int n = eval->shape.frames;
    memset(out, 0, sizeof *out);
    out->episodes = eval->episodes;
    out->frames = n;
    /* The first 16 frames are what the model can predict from its context; 72 is the horizon the paper's
     * DMLab figures stop at; past it only stability is left. */
    static const int bounds[3][2] = {{1, 16}, {17, 72}, {73, -1}};
    for (int i = 0; i < 3; i++) {
        int first = bounds[i][0], last = bounds[i][1] < 0 || bounds[i][1] > n ? n : bounds[i][1];
        if (first <= n) out->ranges[out->range_count++] = range_mean(eval, first, last);
    }
    dfv_eval_range all = range_mean(eval, 1, n);
    out->psnr = all.psnr, out->ssim = all.ssim, out->baseline_psnr = all.baseline_psnr;
    int followed[2] = {0, 0};
    for (int k = 0; k < n; k++) {
        out->turns += eval->sums[k].turns;
        for (int side = 0; side < 2; side++) followed[side] += eval->sums[k].turns_followed[side];
    }
    for (int side = 0; side < 2; side++) out->agreement[side] = out->turns ? (double)followed[side] / out->turns : NAN;
    out->end_first = n > DFV_EVAL_END_FRAMES ? n - DFV_EVAL_END_FRAMES + 1 : 1;
    double count = n - out->end_first + 1;
    for (int k = out->end_first; k <= n; k++) {
        dfv_eval_frame m = dfv_eval_frame_mean(eval, k);
        for (int side = 0; side < 2; side++) {
            out->end_brightness[side] += m.brightness[side] / count;
            out->end_saturation[side] += m.saturation[side] / count;
            out->end_sharpness[side] += m.sharpness[side] / count;
        }
    }
    out->end_within[0] = dfv_eval_within_tolerance(out->end_brightness[0], out->end_brightness[1]);
    out->end_within[1] = dfv_eval_within_tolerance(out->end_saturation[0], out->end_saturation[1]);
    out->end_within[2] = dfv_eval_within_tolerance(out->end_sharpness[0], out->end_sharpness[1]);
}
