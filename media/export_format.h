/* Which container and encoders a clip path asks for. */
#ifndef DFV_EXPORT_FORMAT_H
#define DFV_EXPORT_FORMAT_H

#include <stdbool.h>

typedef enum {
    DFV_CLIP_MP4,
    DFV_CLIP_WEBM,
    DFV_CLIP_GIF,
    DFV_CLIP_PNG_SEQUENCE,
} dfv_clip_kind;

typedef struct {
    dfv_clip_kind kind;
    const char *muxer;              /* libavformat output format name */
    const char *const *encoders;    /* preferred first, NULL-terminated */
    bool needs_even_size;           /* 4:2:0 chroma */
} dfv_clip_format;

/* false when the path names no format we write (err filled by the caller from the path). */
bool dfv_clip_format_from_path(const char *path, dfv_clip_format *out);

#endif
