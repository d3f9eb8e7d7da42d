/* Clip export through FFmpeg: open → write RGB24 frames one by one → close.
 *
 * The format follows the path: .mp4/.m4v/.mov H.264 (libx264, yuv420p, CRF 18; falls back to another
 * H.264 encoder or MPEG-4 Part 2 when libx264 is missing, and says so in dfv_export_notice), .webm/.mkv
 * VP9 (libvpx-vp9), .gif (a palette per frame), and a printf pattern like out/%05d.png for numbered
 * PNGs (numbering starts at 0, the frame index). Codecs that need even sizes get the last column/row
 * repeated. Memory stays flat however many frames are written.
 *
 * Faults: an unwritable path fails at open; a write failure (disk full) fails the write that hits it
 * and every later one; close may be called at any moment and finalises the file (trailer written).
 * MP4 is written fragmented and WebM in clusters, each about a second and pushed to the disk whole, so
 * what reached the disk before a kill stays playable (minus the encoder's lookahead, up to ~25 frames
 * that were written but not yet encoded); after a write failure close cuts the file back
 * to its last complete fragment/cluster/frame, which plays without a trailer. */
#ifndef DFV_EXPORT_H
#define DFV_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "frame_scale.h"
#include "media_error.h"

typedef struct {
    const char *key;
    const char *value;
} dfv_export_tag;

typedef struct {
    const char *path;        /* required: .mp4 .webm .gif or a %05d.png pattern */
    int width, height;       /* required: size of the frames given to dfv_export_write */
    double fps;              /* 0 means 10 */
    int scale;               /* integer upsampling factor; 0 means 1 */
    dfv_scale_filter filter; /* zero: nearest */
    const dfv_export_tag *tags; /* container metadata (mp4, webm), e.g. {"comment", json} */
    int tag_count;
    int crf;                 /* quality for H.264/VP9; 0 means the default (18 / 31) */
    const char *encoder;     /* force an FFmpeg encoder by name; NULL picks by format with fallbacks */
} dfv_export_desc;

typedef struct dfv_export dfv_export;

bool dfv_export_open(const dfv_export_desc *desc, dfv_export **out, char err[DFV_ERR_LEN]);

/* One width×height RGB24 frame, rows `stride` bytes apart (0 means width*3). */
bool dfv_export_write(dfv_export *exporter, const uint8_t *rgb, int stride, char err[DFV_ERR_LEN]);

/* Flushes the encoder, writes the trailer and frees the exporter (always, even on failure).
 * frames_written (may be NULL) receives the number of frames the file holds: all of them, or after a
 * write failure those before the cut. Returns false (err filled) when any write or the close failed. */
bool dfv_export_close(dfv_export *exporter, int64_t *frames_written, char err[DFV_ERR_LEN]);

int64_t dfv_export_frame_count(const dfv_export *exporter);
/* The encoder in use ("libx264", "mpeg4", ...) and a note when it is a fallback (else ""). */
const char *dfv_export_encoder_name(const dfv_export *exporter);
const char *dfv_export_notice(const dfv_export *exporter);
/* The size of the encoded frames (scaled, then padded where the codec needs it). */
void dfv_export_output_size(const dfv_export *exporter, int *width, int *height);

#endif
