#include "seed.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "video_reader.h"

typedef enum { SEED_START_BEGINNING, SEED_START_TIME, SEED_START_FRAME } seed_start_kind;

typedef struct {
    char path[PATH_MAX];
    seed_start_kind kind;
    double seconds;
    int64_t frame;
} seed_spec;

/* The output frame: its size and whether the source is cropped to its aspect first. */
typedef struct {
    int width, height;
    bool stretch;
} seed_target;

/* The conversion state for one frame size: full-size RGB, the centered crop, and the W×H output. */
typedef struct {
    struct SwsContext *to_rgb;
    struct SwsContext *to_out;
    uint8_t *rgb;  /* the whole decoded frame as RGB24 */
    uint8_t *crop; /* the centered crop with the output's aspect ratio, packed */
    int width, height, crop_w, crop_h;
    enum AVPixelFormat format;
} seed_converter;

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool parse_seconds(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || errno || !isfinite(value) || value < 0)
        return false;
    if (*end == 's')
        end++;
    *out = value;
    return *end == '\0';
}

static bool parse_frame_index(const char *text, int64_t *out)
{
    char *end = NULL;
    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno || *end != '\0')
        return false;
    *out = value;
    return true;
}

/* Splits "path@time" / "path#frame"; a spec naming an existing file is taken whole. */
static bool parse_seed_spec(const char *spec, seed_spec *out, char *err)
{
    memset(out, 0, sizeof *out);
    if (strlen(spec) >= sizeof out->path)
        return dfv_error_set(err, "seed '%.64s...': path too long", spec);
    strcpy(out->path, spec);
    if (is_regular_file(spec))
        return true;
    char *at = strrchr(out->path, '@');
    char *hash = strrchr(out->path, '#');
    char *mark = at > hash ? at : hash;
    if (!mark || strchr(mark, '/'))
        return true; /* no suffix, or the mark is inside a directory name */
    bool parsed = mark == at ? parse_seconds(mark + 1, &out->seconds) : parse_frame_index(mark + 1, &out->frame);
    if (!parsed)
        return dfv_error_set(err, "seed '%s': cannot read '%s' as a %s", spec, mark,
                              mark == at ? "time (e.g. @3.5s)" : "frame number (e.g. #120)");
    out->kind = mark == at ? SEED_START_TIME : SEED_START_FRAME;
    *mark = '\0';
    return true;
}

static void converter_free(seed_converter *conv)
{
    sws_freeContext(conv->to_rgb);
    sws_freeContext(conv->to_out);
    av_free(conv->rgb);
    av_free(conv->crop);
    memset(conv, 0, sizeof *conv);
}

/* The largest centered region with the target's aspect ratio (a square for a square target), or the
 * whole frame when stretching. */
static void crop_size(const AVFrame *frame, const seed_target *t, int *w, int *h)
{
    *w = frame->width, *h = frame->height;
    if (t->stretch)
        return;
    if ((int64_t)frame->width * t->height >= (int64_t)frame->height * t->width)
        *w = (int)((int64_t)frame->height * t->width / t->height);
    else
        *h = (int)((int64_t)frame->width * t->height / t->width);
    *w = *w < 1 ? 1 : *w, *h = *h < 1 ? 1 : *h;
}

static bool converter_prepare(seed_converter *conv, const AVFrame *frame, const seed_target *t, const char *label,
                              char *err)
{
    if (conv->to_rgb && conv->width == frame->width && conv->height == frame->height &&
        conv->format == frame->format)
        return true;
    converter_free(conv);
    conv->width = frame->width;
    conv->height = frame->height;
    conv->format = frame->format;
    crop_size(frame, t, &conv->crop_w, &conv->crop_h);
    const int exact = SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP;
    conv->to_rgb = sws_getContext(frame->width, frame->height, frame->format, frame->width, frame->height,
                                  AV_PIX_FMT_RGB24, SWS_POINT | exact, NULL, NULL, NULL);
    /* Area averaging is the honest downscale (no aliasing); bicubic when a seed is smaller than the output. */
    int filter = conv->crop_w >= t->width && conv->crop_h >= t->height ? SWS_AREA : SWS_BICUBIC;
    conv->to_out = sws_getContext(conv->crop_w, conv->crop_h, AV_PIX_FMT_RGB24, t->width, t->height,
                                  AV_PIX_FMT_RGB24, filter | exact, NULL, NULL, NULL);
    conv->rgb = av_malloc((size_t)frame->width * frame->height * 3 + 64);
    conv->crop = av_malloc((size_t)conv->crop_w * conv->crop_h * 3 + 64);
    if (!conv->to_rgb || !conv->to_out || !conv->rgb || !conv->crop) {
        converter_free(conv);
        return dfv_error_set(err, "seed '%s': cannot convert %dx%d %s frames to RGB", label, frame->width,
                              frame->height, av_get_pix_fmt_name(frame->format));
    }
    return true;
}

/* Whole frame to RGB, then the centered crop, then W×H: cropping in RGB keeps odd offsets exact. */
static bool convert_frame(seed_converter *conv, const AVFrame *frame, const seed_target *t, uint8_t *out,
                          const char *label, char *err)
{
    if (!converter_prepare(conv, frame, t, label, err))
        return false;
    int rgb_stride = conv->width * 3;
    /* libswscale reads four plane pointers and strides even for packed formats. */
    uint8_t *rgb_planes[4] = {conv->rgb};
    int rgb_strides[4] = {rgb_stride};
    sws_scale(conv->to_rgb, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, rgb_planes,
              rgb_strides);
    int x0 = (conv->width - conv->crop_w) / 2, y0 = (conv->height - conv->crop_h) / 2;
    int crop_stride = conv->crop_w * 3;
    for (int y = 0; y < conv->crop_h; y++)
        memcpy(conv->crop + (size_t)y * crop_stride, conv->rgb + (size_t)(y0 + y) * rgb_stride + x0 * 3,
               crop_stride);
    if (conv->crop_w == t->width && conv->crop_h == t->height) {
        memcpy(out, conv->crop, (size_t)crop_stride * conv->crop_h);
        return true;
    }
    const uint8_t *crop_planes[4] = {conv->crop};
    int crop_strides[4] = {crop_stride};
    uint8_t *out_planes[4] = {out};
    int out_strides[4] = {t->width * 3};
    sws_scale(conv->to_out, crop_planes, crop_strides, 0, conv->crop_h, out_planes, out_strides);
    return true;
}

static bool frame_is_wanted(const seed_spec *spec, dfv_video_reader *reader, const AVFrame *frame,
                            int64_t decode_index)
{
    if (spec->kind == SEED_START_FRAME)
        return decode_index >= spec->frame;
    if (spec->kind == SEED_START_TIME)
        return dfv_video_reader_frame_time(reader, frame, decode_index) >= spec->seconds - 1e-3;
    return true;
}

static bool short_video_error(const char *label, const seed_spec *spec, int produced, int wanted,
                              int64_t decoded, char *err)
{
    if (decoded == 0 && spec->kind != SEED_START_TIME)
        return dfv_error_set(err, "seed '%s': not an image or video FFmpeg can decode (no picture in it)", label);
    if (produced == 0 && spec->kind == SEED_START_FRAME)
        return dfv_error_set(err, "seed '%s': the video has only %lld frames, frame %lld was asked", label,
                              (long long)decoded, (long long)spec->frame);
    if (produced == 0)
        return dfv_error_set(err, "seed '%s': the video ends before %.3f s", label, spec->seconds);
    return dfv_error_set(err, "seed '%s': the video is shorter than asked: %d frame%s from there, %d needed",
                          label, produced, produced == 1 ? "" : "s", wanted);
}

static bool read_frames(dfv_video_reader *reader, const seed_spec *spec, const seed_target *t, int wanted,
                        uint8_t *out, int64_t *first_index, const char *label, char *err)
{
    seed_converter conv = {0};
    size_t frame_bytes = (size_t)t->width * t->height * 3;
    int produced = 0;
    /* Seeking loses count of the frames before the keyframe: a caller that needs the index decodes from 0. */
    if (spec->kind == SEED_START_TIME && spec->seconds > 0 && !first_index)
        dfv_video_reader_seek_before(reader, spec->seconds);
    int64_t decode_index = 0;
    bool ok = true;
    while (produced < wanted) {
        AVFrame *frame = NULL;
        int got = dfv_video_reader_next(reader, &frame, err);
        if (got < 0) {
            ok = false;
            break;
        }
        if (got == 0)
            break;
        /* Once the first wanted frame is found the rest follow it, whatever their timestamps. */
        if (produced > 0 || frame_is_wanted(spec, reader, frame, decode_index)) {
            if (!convert_frame(&conv, frame, t, out + produced * frame_bytes, label, err)) {
                ok = false;
                break;
            }
            if (!produced && first_index) *first_index = decode_index;
            produced++;
        }
        decode_index++;
    }
    converter_free(&conv);
    if (!ok)
        return false;
    /* A still image is one frame: it stands for every context frame. */
    bool still_image = spec->kind == SEED_START_BEGINNING && produced == 1;
    if (still_image) {
        for (int i = 1; i < wanted; i++)
            memcpy(out + i * frame_bytes, out, frame_bytes);
        return true;
    }
    return produced == wanted || short_video_error(label, spec, produced, wanted, decode_index, err);
}

bool dfv_seed_load(const char *spec_text, const dfv_seed_desc *desc, uint8_t *out_rgb, char err[DFV_ERR_LEN])
{
    if (!spec_text || !*spec_text)
        return dfv_error_set(err, "seed: no file given");
    seed_target t = {0};
    if (desc)
        t = (seed_target){desc->width ? desc->width : desc->resolution, desc->height ? desc->height : desc->resolution,
                          desc->stretch};
    if (!desc || t.width < 1 || t.width > 8192 || t.height < 1 || t.height > 8192 || desc->frame_count < 0)
        return dfv_error_set(err, "seed '%s': bad request (%dx%d, %d frames)", spec_text, t.width, t.height,
                              desc ? desc->frame_count : 0);
    seed_spec spec;
    if (!parse_seed_spec(spec_text, &spec, err))
        return false;
    struct stat st;
    if (stat(spec.path, &st) != 0)
        return dfv_error_set(err, "seed '%s': %s", spec_text, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dfv_error_set(err, "seed '%s': not a regular file", spec_text);
    dfv_video_reader *reader = NULL;
    if (!dfv_video_reader_open(spec.path, spec_text, &reader, err))
        return false;
    int wanted = desc->frame_count > 0 ? desc->frame_count : 1;
    bool ok = read_frames(reader, &spec, &t, wanted, out_rgb, desc->first_index, spec_text, err);
    dfv_video_reader_close(reader);
    return ok;
}
