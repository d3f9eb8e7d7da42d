/* What `dfview eval` writes: the per-frame CSV, summary.json and the printed summary. */
#ifndef DFV_EVAL_REPORT_H
#define DFV_EVAL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "eval.h"

typedef struct {
    const char *model;  /* model path, or "oracle:truth" / "oracle:still" */
    const char *world;  /* "maze", "voxel"; unused for a video eval */
    const char *video;  /* a video eval: the clip (its one episode; turns not measured); NULL: a world eval */
    const char *actions; /* a video eval: the action script */
    int64_t start_frame; /* a video eval: the video frame index of the first context frame */
    const char *device; /* NULL for the oracle */
    uint64_t first_seed;
    int steps;          /* sampling steps used; 0 for the oracle */
    int stabilization;  /* stabilization level used; 0 for the oracle */
    bool context_noise; /* clean context frames fed with real noise at that level */
    float eta;          /* DDIM eta used */
    double seconds;     /* rollout wall time */
    bool interrupted;   /* stopped early: the figures cover the episodes that finished */
} dfv_eval_run_info;

/* Issue 7's bar for a bundled model, checked on a summary. */
typedef struct {
    bool early_psnr;      /* PSNR over frames 1-16 >= DFV_EVAL_TARGET_EARLY_PSNR dB */
    bool beats_baseline;  /* above the repeat-last-frame baseline on every range */
    bool follows_actions; /* agreement >= DFV_EVAL_TARGET_AGREEMENT of the ground truth's */
    bool no_collapse;     /* every end statistic within tolerance */
} dfv_eval_targets;

#define DFV_EVAL_TARGET_EARLY_PSNR 18.0
#define DFV_EVAL_TARGET_AGREEMENT 0.9

dfv_eval_targets dfv_eval_check_targets(const dfv_eval_summary *summary);

/* Each returns 0, or -1 with one line in err. */
int dfv_eval_write_csv(const dfv_eval *eval, const char *path, char err[DFV_ERR_LEN]);
int dfv_eval_write_json(const dfv_eval_summary *summary, const dfv_eval_run_info *info, const char *path,
                        char err[DFV_ERR_LEN]);
/* Reads a CSV that dfv_eval_write_csv wrote back into a new eval of its frame count (the shape's kind,
 * size and context are not in the CSV and come from `shape`; its frames field is ignored). */
int dfv_eval_read_csv(const char *path, const dfv_eval_shape *shape, dfv_eval **out, char err[DFV_ERR_LEN]);
void dfv_eval_print_summary(FILE *out, const dfv_eval_summary *summary, const dfv_eval_run_info *info);

#endif
