/* A forward-only decoder over the best video (or image) stream of a file, used by seed loading. */
#ifndef DFV_VIDEO_READER_H
#define DFV_VIDEO_READER_H

#include <stdbool.h>
#include <stdint.h>

#include <libavutil/frame.h>

#include "media_error.h"

typedef struct dfv_video_reader dfv_video_reader;

/* `label` names the input in error messages (the user's seed spec). */
bool dfv_video_reader_open(const char *path, const char *label, dfv_video_reader **out, char err[DFV_ERR_LEN]);
void dfv_video_reader_close(dfv_video_reader *reader);

/* Decodes the next frame into `frame` (owned by the reader, valid until the next call).
 * Returns 1 for a frame, 0 at the end of the stream, -1 on a decode error (err filled). */
int dfv_video_reader_next(dfv_video_reader *reader, AVFrame **frame, char err[DFV_ERR_LEN]);

/* Presentation time in seconds of a frame from this reader, relative to the stream's start;
 * frames without a timestamp get their decode index over the nominal frame rate. */
double dfv_video_reader_frame_time(const dfv_video_reader *reader, const AVFrame *frame, int64_t decode_index);

/* Moves to a keyframe at or before `seconds` so that decoding forward soon reaches it. Best effort:
 * returns false (and stays put) when the container cannot seek; the caller then decodes forward. */
bool dfv_video_reader_seek_before(dfv_video_reader *reader, double seconds);

#endif
