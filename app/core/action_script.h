/* Actions per frame: plain-text action scripts (docs/action-scripts.md) and built-in policies.
 *
 * Both produce one float vector of the model's action dimension per frame index. The model's action
 * metadata (names, kind) is passed in as a dfv_action_space, so this file knows nothing of models. */
#ifndef DFV_ACTION_SCRIPT_H
#define DFV_ACTION_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfv_common.h"

#define DFV_ACTION_SCRIPT_MAX_FRAMES (1 << 24)

typedef struct {
    int dim;                  /* A, the length of every action vector (≥ 1) */
    dfv_action_kind kind;
    const char *const *names; /* dim names from the model, or NULL (then only numbers are accepted) */
} dfv_action_space;

/* ---- scripts ----------------------------------------------------------------------------------- */

typedef struct dfv_action_script dfv_action_script;

/* Parses `length` bytes of script text; `source` names it in errors ("actions.txt:12: ..."). */
bool dfv_action_script_parse(const char *text, size_t length, const char *source, const dfv_action_space *space,
                             dfv_action_script **out, char err[DFV_ERR_LEN]);
bool dfv_action_script_load(const char *path, const dfv_action_space *space, dfv_action_script **out,
                            char err[DFV_ERR_LEN]);
void dfv_action_script_destroy(dfv_action_script *script);

int64_t dfv_action_script_frame_count(const dfv_action_script *script);
/* The dim floats of one frame; NULL when frame is outside [0, frame_count). */
const float *dfv_action_script_frame(const dfv_action_script *script, int64_t frame);

/* ---- built-in policies ------------------------------------------------------------------------- */

typedef enum {
    DFV_POLICY_STILL,   /* the model's no-op action ("none", "noop", ...) or all zeros */
    DFV_POLICY_FORWARD, /* the forward action every frame */
    DFV_POLICY_RANDOM,  /* a new random action every 4 frames, from a seed and the frame index alone */
    DFV_POLICY_CIRCLE,  /* forward while turning left */
} dfv_policy_kind;

typedef struct {
    dfv_policy_kind kind;
    uint64_t seed;     /* random only */
    int still_index;   /* -1 when the model has no named no-op */
    int forward_index; /* -1 when unused */
    int turn_index;    /* -1 when unused */
} dfv_action_policy;

/* "still", "forward", "random", "random:SEED" or "circle"; refuses a policy the model cannot express. */
bool dfv_action_policy_parse(const char *spec, const dfv_action_space *space, dfv_action_policy *out,
                             char err[DFV_ERR_LEN]);
/* Fills out[0..dim) for a frame index; the same policy and index always give the same vector. */
void dfv_action_policy_frame(const dfv_action_policy *policy, const dfv_action_space *space, int64_t frame,
                             float *out);

/* ---- text form --------------------------------------------------------------------------------- */

/* One script line for a vector ("forward", "turn_left+jump", "yaw=0.25+forward", or numbers), which
 * dfv_action_script_parse reads back to the same vector; used for sidecars and replays. */
void dfv_action_format(const dfv_action_space *space, const float *action, char *out, size_t size);

#endif
