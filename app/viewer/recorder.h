/* F9 recording: writes the branch being played through the clip exporter (media/export.h), from its seed
 * frame up to the frame on screen at once, then every new frame that continues it as it is generated;
 * then a JSON sidecar next to the clip. A model source supplies its own sidecar (the `dfview render`
 * format, so the clip replays with `dfview render --replay`); otherwise the sidecar holds the source's
 * settings and every frame's action. Stops by itself when play branches off the recorded path. */
#ifndef DFV_RECORDER_H
#define DFV_RECORDER_H

#include <stdbool.h>

#include "timeline.h"

/* Builds the sidecar for the recorded frames ids[0..count) (malloc'd JSON text, or NULL on failure). */
typedef char *(*dfv_sidecar_fn)(void *user, const dfv_timeline *tl, const int *ids, int count, double fps, int scale);

typedef struct {
    const char *directory;      /* where the clip goes ("." when NULL) */
    const char *source_name;
    const char *const *action_names;
    int action_dim;
    const char *settings_json;  /* the source's settings as a JSON object, or NULL (generic sidecar) */
    dfv_sidecar_fn sidecar;     /* NULL: the generic sidecar */
    void *sidecar_user;
    double fps;                 /* 0 means 10 */
    int scale;                  /* integer upscaling of the clip; 0 means 1 */
} dfv_recorder_desc;

typedef struct dfv_recorder dfv_recorder;

/* Opens a new clip holding the frames path[0..n) (a branch from its seed to the frame on screen); on
 * success *out is set and clip_path names the file. */
bool dfv_recorder_start(const dfv_recorder_desc *desc, const dfv_timeline *tl, const int *path, int n, dfv_recorder **out,
                        char *clip_path, int clip_path_len, char err[DFV_ERR_LEN]);
/* Writes frame `id` when it continues the recorded path (its parent is the last frame written): returns
 * true. Returns false when it does not (the caller stops the recording) or a write failed (err set). */
bool dfv_recorder_offer(dfv_recorder *rec, const dfv_timeline *tl, int id, char err[DFV_ERR_LEN]);
/* Finalises the clip and writes the sidecar; always frees rec. message gets "recorded N frames to PATH"
 * (or what failed). */
bool dfv_recorder_finish(dfv_recorder *rec, char *message, int message_len);
int dfv_recorder_last_id(const dfv_recorder *rec);

/* A fresh path "DIR/STEM-YYYYMMDD-HHMMSS[-N].EXT" that does not exist yet. */
bool dfv_unique_output_path(const char *directory, const char *stem, const char *extension, char *path, int path_len);

#endif
