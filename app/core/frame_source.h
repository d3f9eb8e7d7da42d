/* What the viewer pulls frames from: a world simulator (world_source.h) or a model's rollout (rollout.h). A source is
 * stateless between calls except for what it keeps per frame in the timeline, so rewinding and branching
 * cost nothing: the next frame after any frame is computed from that frame's path. */
#ifndef DFV_FRAME_SOURCE_H
#define DFV_FRAME_SOURCE_H

#include "timeline.h"

typedef struct {
    void *user;
    const char *name;        /* shown in the HUD: model or world name */
    const char *device_name; /* shown in the HUD */
    int width, height;       /* frame size */
    int action_dim;
    const char *const *action_names;
    dfv_action_kind action_kind; /* one-hot: one action at a time; multi-hot: keys held together; continuous: values */
    /* Appends the seed frame(s) to the timeline (a new root); returns the newest seed frame's id, or -1
     * with the reason in `err`. */
    int (*seed)(void *user, dfv_timeline *tl, char err[DFV_ERR_LEN]);
    /* Computes the frame after `parent` under `action`, appends it, returns its id, or -1 with the reason
     * in `err`. Runs on the generation thread. */
    int (*step)(void *user, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN]);
    /* Model calls spent on the last step (0 for simulators); for the HUD. */
    int (*calls_per_frame)(void *user);
    void (*destroy)(void *user);
} dfv_frame_source;

#endif
