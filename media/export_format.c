#include "export_format.h"

#include <string.h>
#include <strings.h>

static const char *const h264_encoders[] = {"libx264", "libopenh264", "mpeg4", NULL};
static const char *const vp9_encoders[] = {"libvpx-vp9", NULL};
static const char *const gif_encoders[] = {"gif", NULL};
static const char *const png_encoders[] = {"png", NULL};

static bool has_extension(const char *path, const char *extension)
{
    size_t n = strlen(path), e = strlen(extension);
    return n > e && strcasecmp(path + n - e, extension) == 0;
}

/* A printf frame-number pattern: '%', optional zero and width, then 'd'. */
static bool has_frame_pattern(const char *path)
{
    for (const char *p = strchr(path, '%'); p; p = strchr(p + 1, '%')) {
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q == 'd')
            return true;
    }
    return false;
}

bool dfv_clip_format_from_path(const char *path, dfv_clip_format *out)
{
    if (has_extension(path, ".mp4") || has_extension(path, ".m4v") || has_extension(path, ".mov")) {
        *out = (dfv_clip_format){DFV_CLIP_MP4, has_extension(path, ".mov") ? "mov" : "mp4", h264_encoders, true};
        return true;
    }
    if (has_extension(path, ".webm") || has_extension(path, ".mkv")) {
        *out = (dfv_clip_format){DFV_CLIP_WEBM, has_extension(path, ".mkv") ? "matroska" : "webm", vp9_encoders,
                                 true};
        return true;
    }
    if (has_extension(path, ".gif")) {
        *out = (dfv_clip_format){DFV_CLIP_GIF, "gif", gif_encoders, false};
        return true;
    }
    if (has_extension(path, ".png") && has_frame_pattern(path)) {
        *out = (dfv_clip_format){DFV_CLIP_PNG_SEQUENCE, "image2", png_encoders, false};
        return true;
    }
    return false;
}
