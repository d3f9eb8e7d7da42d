/* F9 recording: writes the branch being played, frame by frame as it is generated, through the clip
 * exporter (media/export.h), then a JSON sidecar next to the clip with the source's settings and every
 * frame's action. Stops by itself when play branches off the recorded path. */
#ifndef DFV_RECORDER_H
#define DFV_RECORDER_H

#include <stdbool.h>

#include "timeline.h"

typedef struct {
    const char *directory;      /* where the clip goes ("." when NULL) */
    const char *source_name;
    const char *const *action_names;
    int action_dim;
    const char *settings_json;  /* the source's settings as a JSON object, or NULL */
    double fps;                 /* 0 means 10 */
    int scale;                  /* integer upscaling of the clip; 0 means 1 */
} dfv_recorder_desc;

typedef struct dfv_recorder dfv_recorder;

/* Opens a new clip whose first frame is `first_id`; on success *out is set and clip_path names the file. */
bool dfv_recorder_start(const dfv_recorder_desc *desc, const dfv_timeline *tl, int first_id, dfv_recorder **out,
                        char *clip_path, int clip_path_len, char *err, int err_len);
/* Writes frame `id` when it continues the recorded path (its parent is the last frame written): returns
 * true. Returns false when it does not (the caller stops the recording) or a write failed (err set). */
bool dfv_recorder_offer(dfv_recorder *rec, const dfv_timeline *tl, int id, char *err, int err_len);
/* Finalises the clip and writes the sidecar; always frees rec. message gets "recorded N frames to PATH"
 * (or what failed). */
bool dfv_recorder_finish(dfv_recorder *rec, char *message, int message_len);
int dfv_recorder_last_id(const dfv_recorder *rec);

/* A fresh path "DIR/dfview-YYYYMMDD-HHMMSS[-N].EXT" that does not exist yet. */
bool dfv_unique_output_path(const char *directory, const char *stem, const char *extension, char *path, int path_len);

#endif
