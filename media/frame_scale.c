#include "frame_scale.h"

#include <stdlib.h>
#include <string.h>

#include <libswscale/swscale.h>

struct dfv_frame_scaler {
    int width, height, scale;
    int scaled_width, scaled_height; /* width*scale, height*scale */
    int out_width, out_height;       /* after padding */
    dfv_scale_filter filter;
    struct SwsContext *bilinear;
    uint8_t *out;
    uint8_t *padded_input; /* bilinear only: libswscale's SIMD reads a little past the last row */
};

#define SIMD_OVERREAD 64

static int round_up(int value, int multiple)
{
    return (value + multiple - 1) / multiple * multiple;
}

dfv_frame_scaler *dfv_frame_scaler_create(int width, int height, int scale, dfv_scale_filter filter,
                                          int out_multiple)
{
    if (width < 1 || height < 1 || scale < 1 || out_multiple < 1)
        return NULL;
    dfv_frame_scaler *scaler = calloc(1, sizeof *scaler);
    if (!scaler)
        return NULL;
    scaler->width = width;
    scaler->height = height;
    scaler->scale = scale;
    scaler->filter = scale > 1 ? filter : DFV_SCALE_NEAREST;
    scaler->scaled_width = width * scale;
    scaler->scaled_height = height * scale;
    scaler->out_width = round_up(scaler->scaled_width, out_multiple);
    scaler->out_height = round_up(scaler->scaled_height, out_multiple);
    /* Padded: the YUV conversion downstream reads a little past the end of this buffer too. */
    scaler->out = malloc((size_t)scaler->out_width * scaler->out_height * 3 + SIMD_OVERREAD);
    if (scaler->filter == DFV_SCALE_BILINEAR)
        scaler->padded_input = malloc((size_t)width * height * 3 + SIMD_OVERREAD);
    if (scaler->filter == DFV_SCALE_BILINEAR)
        scaler->bilinear = sws_getContext(width, height, AV_PIX_FMT_RGB24, scaler->scaled_width,
                                          scaler->scaled_height, AV_PIX_FMT_RGB24,
                                          SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (!scaler->out || (scaler->filter == DFV_SCALE_BILINEAR && (!scaler->bilinear || !scaler->padded_input))) {
        dfv_frame_scaler_destroy(scaler);
        return NULL;
    }
    return scaler;
}

void dfv_frame_scaler_destroy(dfv_frame_scaler *scaler)
{
    if (!scaler)
        return;
    sws_freeContext(scaler->bilinear);
    free(scaler->out);
    free(scaler->padded_input);
    free(scaler);
}

void dfv_frame_scaler_output_size(const dfv_frame_scaler *scaler, int *width, int *height)
{
    *width = scaler->out_width;
    *height = scaler->out_height;
}

static void scale_nearest(dfv_frame_scaler *scaler, const uint8_t *rgb, int stride)
{
    int out_stride = scaler->out_width * 3;
    for (int y = 0; y < scaler->scaled_height; y++) {
        const uint8_t *src = rgb + (size_t)(y / scaler->scale) * stride;
        uint8_t *dst = scaler->out + (size_t)y * out_stride;
        for (int x = 0; x < scaler->scaled_width; x++)
            memcpy(dst + x * 3, src + (x / scaler->scale) * 3, 3);
    }
}

static void pad_edges(dfv_frame_scaler *scaler)
{
    int out_stride = scaler->out_width * 3;
    for (int y = 0; y < scaler->scaled_height; y++) {
        uint8_t *row = scaler->out + (size_t)y * out_stride;
        for (int x = scaler->scaled_width; x < scaler->out_width; x++)
            memcpy(row + x * 3, row + (scaler->scaled_width - 1) * 3, 3);
    }
    for (int y = scaler->scaled_height; y < scaler->out_height; y++)
        memcpy(scaler->out + (size_t)y * out_stride, scaler->out + (size_t)(scaler->scaled_height - 1) * out_stride,
               out_stride);
}

const uint8_t *dfv_frame_scaler_apply(dfv_frame_scaler *scaler, const uint8_t *rgb, int stride)
{
    if (scaler->filter == DFV_SCALE_BILINEAR) {
        int packed = scaler->width * 3;
        for (int y = 0; y < scaler->height; y++)
            memcpy(scaler->padded_input + (size_t)y * packed, rgb + (size_t)y * stride, packed);
        /* libswscale reads four plane pointers and strides even for packed formats. */
        const uint8_t *src[4] = {scaler->padded_input};
        int src_stride[4] = {packed};
        uint8_t *dst[4] = {scaler->out};
        int dst_stride[4] = {scaler->out_width * 3};
        sws_scale(scaler->bilinear, src, src_stride, 0, scaler->height, dst, dst_stride);
    } else {
        scale_nearest(scaler, rgb, stride);
    }
    pad_edges(scaler);
    return scaler->out;
}
