/* Scoring for `dfview eval`: model rollouts against a world's ground truth, frame by frame, summed over
 * episodes, and the summary figures the model cards quote (issue 7). Pure CPU, no model or device: the
 * caller hands in whole episodes, so the scoring is tested on synthetic videos.
 *
 * Frame numbering: an episode holds `context` ground-truth frames followed by `frames` generated ones;
 * frame k (1..frames) is the k-th generated frame, absolute index context - 1 + k in the episode. An
 * episode is a world's (with its action vectors, so turns are scored) or a stretch of a video (no world
 * actions: turn following is not measured). */
#ifndef DFV_EVAL_H
#define DFV_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "world.h"

/* |shift| below this (pixels) counts as "did not move": phase correlation of two identical frames lands
 * within rounding of zero, and a real 6-degree turn moves a 64-px view by about 6 px. */
#define DFV_EVAL_MIN_TURN_SHIFT 0.1
/* The end-of-rollout statistics average this many final frames (fewer when the rollout is shorter). */
#define DFV_EVAL_END_FRAMES 10
/* "No collapse": each statistic within this fraction of the truth's. */
#define DFV_EVAL_STAT_TOLERANCE 0.2

typedef struct {
    dfv_world_kind kind; /* whose action vectors the episodes carry (finds the turn actions) */
    int width, height;   /* frames are width x height RGB24 (a world's are square) */
    int context;         /* ground-truth frames the model was seeded with (>= 1) */
    int frames;          /* generated frames per episode (>= 1) */
} dfv_eval_shape;

typedef enum { DFV_EVAL_MODEL = 0, DFV_EVAL_TRUTH = 1 } dfv_eval_side;

/* One frame k over the episodes. PSNR is that of the mean squared error over the episodes, so one episode
 * that happens to match exactly (the agent stood still) does not make the frame's figure infinite; it is
 * INFINITY only when every episode matched. The other figures are means; the turn counts are sums. */
typedef struct {
    int episodes;
    double psnr, ssim;                   /* model vs truth */
    double baseline_psnr, baseline_ssim; /* last context frame held still vs truth */
    double brightness[2], saturation[2], sharpness[2]; /* [DFV_EVAL_MODEL], [DFV_EVAL_TRUTH] */
    int turns;                                         /* episodes whose action into frame k is a turn */
    int turns_followed[2];                             /* of those, shifts with the turn's sign */
} dfv_eval_frame;

/* Figures over a range of frames: means of the per-frame figures. */
typedef struct {
    int first, last; /* frames, inclusive */
    double psnr, baseline_psnr, ssim, baseline_ssim;
} dfv_eval_range;

typedef struct {
    int episodes, frames;
    dfv_eval_range ranges[3]; /* 1-16, 17-72, 73-N; only the ones that hold frames */
    int range_count;
    double psnr, ssim, baseline_psnr; /* over all frames */
    int turns;
    double agreement[2];  /* fraction of turn frames followed; NAN without turns */
    int end_first;        /* first frame of the end window (end_first..frames) */
    double end_brightness[2], end_saturation[2], end_sharpness[2];
    bool end_within[3];   /* brightness, saturation, sharpness within DFV_EVAL_STAT_TOLERANCE */
} dfv_eval_summary;

typedef struct dfv_eval dfv_eval;

/* Fails (one line in err) on a bad shape or out of memory. */
int dfv_eval_create(const dfv_eval_shape *shape, dfv_eval **out, char err[DFV_ERR_LEN]);
void dfv_eval_destroy(dfv_eval *eval);
const dfv_eval_shape *dfv_eval_get_shape(const dfv_eval *eval);

/* Adds one episode. truth and model each hold context + frames frames (the model's first `context` are the
 * ground truth it was seeded with); actions holds context + frames rows of the world's action vector, row t
 * being the action that led into frame t, or is NULL when the episode has none (a video): no frame of it
 * counts as a turn. */
void dfv_eval_add_episode(dfv_eval *eval, const uint8_t *truth, const uint8_t *model, const float *actions);
int dfv_eval_episodes(const dfv_eval *eval);

/* Frame k, 1..frames (meaningless while episodes is 0). */
dfv_eval_frame dfv_eval_frame_mean(const dfv_eval *eval, int k);
/* Replaces frame k's figures with `mean` as dfv_eval_frame_mean would report them (for redrawing a plot
 * from a CSV); the episode count becomes the largest any frame holds. */
void dfv_eval_set_frame_mean(dfv_eval *eval, int k, const dfv_eval_frame *mean);
void dfv_eval_summarize(const dfv_eval *eval, dfv_eval_summary *summary);

/* Whether `model` stayed within DFV_EVAL_STAT_TOLERANCE of `truth` (both non-negative statistics). */
bool dfv_eval_within_tolerance(double model, double truth);
/* +1 for a turn left, -1 for a turn right, 0 otherwise (or both), from a world action vector. */
int dfv_eval_turn_direction(dfv_world_kind kind, const float *action);

#endif
