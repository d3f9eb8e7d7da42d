/* Every generated frame with the action that led to it, as a tree: rewinding and taking another action
 * starts a branch. Frame sources (the world simulators, the model session) read their context from it;
 * the viewer, the recorder and the exporters read frames from it. */
#ifndef DFV_TIMELINE_H
#define DFV_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "dfv_common.h"

#define DFV_TIMELINE_STATE_BYTES 64 /* a source's own per-frame state (e.g. a simulator's camera pose) */

typedef struct {
    int parent; /* -1 for a seed frame */
    int branch; /* branch id; a branch is the path from a seed to its newest frame */
    int index;  /* frames from the seed along its branch (seed = 0) */
    float action[DFV_MAX_ACTIONS];
    uint8_t state[DFV_TIMELINE_STATE_BYTES];
    double generate_ms; /* time the source took for it */
} dfv_timeline_frame;

typedef struct dfv_timeline dfv_timeline;

dfv_timeline *dfv_timeline_create(int width, int height, int action_dim);
void dfv_timeline_destroy(dfv_timeline *tl);
int dfv_timeline_width(const dfv_timeline *tl);
int dfv_timeline_height(const dfv_timeline *tl);
int dfv_timeline_action_dim(const dfv_timeline *tl);
/* For a rollout that only ever extends its newest frame and looks back at most `frames` frames (a render
 * of any length): older frames may be released, so memory stays flat; their ids then read as absent.
 * 0 (the default) keeps everything, as the viewer's history needs. */
void dfv_timeline_keep_last(dfv_timeline *tl, int frames);

/* Appends a frame after `parent` (-1: a new seed). When parent already has a child, the new frame
 * starts a new branch. Returns the new frame's id, or -1 when out of memory. */
int dfv_timeline_append(dfv_timeline *tl, int parent, const uint8_t *rgb, const float *action,
                        const uint8_t *state, double generate_ms);
int dfv_timeline_count(const dfv_timeline *tl);
const dfv_timeline_frame *dfv_timeline_get(const dfv_timeline *tl, int id);
const uint8_t *dfv_timeline_rgb(const dfv_timeline *tl, int id); /* width × height × 3 */
/* Up to `max` ids ending at `id`, oldest first, following parents: a source's context window. */
int dfv_timeline_path(const dfv_timeline *tl, int id, int *ids, int max);
/* The newest frame of a branch, and how many branches exist. */
int dfv_timeline_branch_head(const dfv_timeline *tl, int branch);
int dfv_timeline_branch_count(const dfv_timeline *tl);

#endif
