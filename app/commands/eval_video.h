/* The ground truth of a video eval (`dfview eval --video`, docs/eval.md): a stretch of a clip and the
 * actions recorded with it.
 *
 * Alignment: the clip's frame `start` is the first context frame; generated frame k is video frame
 * start + context − 1 + k. The action script has one line per video frame from frame 1 on (as
 * scripts/convert-oasis-actions writes open-oasis's sample files: line v is the action that led into video
 * frame v), so the action into generated frame k is line start + context − 1 + k. The first context frame
 * carries the model's idle action (generate.py's zero row), later context frames their own lines. From
 * frame 0 with one context frame, line k is the action into generated frame k: the same rollout as
 * `dfview render --seed CLIP#0 --actions SCRIPT`. */
#ifndef DFV_EVAL_VIDEO_H
#define DFV_EVAL_VIDEO_H

#include <stdint.h>

#include "action_script.h"
#include "session.h"

typedef struct {
    const char *path;     /* the clip */
    int64_t start;        /* video frame index of the first context frame */
    double start_seconds; /* >= 0: start instead at the first frame shown at or after this time (sets start) */
    int context, frames;  /* context frames, then generated frames */
} dfv_eval_video;

/* Decodes the context + frames video frames from `start` exactly as `--seed PATH#START` (or PATH@SECONDS)
 * would be for a model with this request's size and resize rule (request->frames is ignored). 0, or -1
 * with one line. */
int dfv_eval_video_frames(dfv_eval_video *v, dfv_image_seed_loader load, const dfv_seed_request *request,
                          uint8_t *rgb, char err[DFV_ERR_LEN]);

/* The context + frames action rows (space->dim floats each) from the script at `script_path`, aligned as
 * above; `idle` is the first context frame's row. Refuses a script too short for them. */
int dfv_eval_video_actions(const dfv_eval_video *v, const char *script_path, const dfv_action_space *space,
                           const float *idle, float *rows, char err[DFV_ERR_LEN]);

#endif
