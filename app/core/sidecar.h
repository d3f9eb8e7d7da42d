/* The JSON sidecar that makes a clip again: format "dfview-render", version 1 (docs/action-scripts.md).
 *
 * `dfview render` writes one beside every clip and `dfview play` beside every F9 recording, and
 * `dfview render --replay` reads either back; this file is the only one that knows its fields, so the
 * writers and the reader cannot drift apart. */
#ifndef DFV_SIDECAR_H
#define DFV_SIDECAR_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame_scale.h"
#include "session.h"

/* What a sidecar holds beyond what the session reports. */
typedef struct {
    const char *seed;               /* the seed spec the frames grew from; NULL: none written (replay's default) */
    const dfv_session_desc *opened; /* the session's options: fp16 and no_cache, which it does not report */
    /* Writes model_sha256 and seed_sha256 so a replay can warn when a file changed. It reads both files
     * whole, which a render can afford once and the viewer's recording key cannot. */
    bool hash_files;
    const char *recorded_by; /* NULL: none written */
    double fps;              /* 0: 10 */
    int scale;               /* 0: 1 */
    dfv_scale_filter filter;
} dfv_sidecar_desc;

/* The action leading into frame `index` (≥ the context length) into out[action_dim]. */
typedef void (*dfv_sidecar_action_fn)(void *user, int64_t index, float *out);

/* Everything but the per-frame actions, for a clip of `frames` frames: what a container's metadata carries.
 * Build it once per clip (it may hash files) and print the sidecar from it. */
cJSON *dfv_sidecar_summary(const dfv_session *s, const dfv_sidecar_desc *desc, int64_t frames);

/* The sidecar's text (malloc'd, or NULL): the summary with its frame count set to `frames` and the action of
 * every frame after the context. */
char *dfv_sidecar_print(const cJSON *summary, const dfv_session *s, int64_t frames, dfv_sidecar_action_fn action,
                        void *user);

/* A sidecar read back. The session options it set point into `doc`: free it only after the session opens. */
typedef struct {
    int64_t frames;
    double fps;
    int scale;
    dfv_scale_filter filter;
    char *actions;      /* an action script, one line per generated frame */
    bool model_changed; /* the model file no longer hashes to the recorded model_sha256 */
    cJSON *doc;
} dfv_sidecar_replay;

/* Reads `path` into *out and sets the options it records in *session (model, seed, fp16, sampler settings),
 * leaving the others as they are. Returns 0, or -1 with a message in err. */
int dfv_sidecar_read(const char *path, dfv_session_desc *session, dfv_sidecar_replay *out, char err[DFV_ERR_LEN]);
void dfv_sidecar_replay_free(dfv_sidecar_replay *replay);

#endif
