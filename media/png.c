#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>

/* Encodes one RGB24 frame; the packet is the complete PNG file. */
static int encode_png(const uint8_t *rgb, int width, int height, int stride, AVPacket *packet)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!codec)
        return AVERROR_ENCODER_NOT_FOUND;
    AVCodecContext *encoder = avcodec_alloc_context3(codec);
    AVFrame *frame = av_frame_alloc();
    int ret = encoder && frame ? 0 : AVERROR(ENOMEM);
    if (ret >= 0) {
        encoder->width = width;
        encoder->height = height;
        encoder->pix_fmt = AV_PIX_FMT_RGB24;
        encoder->time_base = (AVRational){1, 1};
        ret = avcodec_open2(encoder, codec, NULL);
    }
    if (ret >= 0) {
        frame->format = AV_PIX_FMT_RGB24;
        frame->width = width;
        frame->height = height;
        ret = av_frame_get_buffer(frame, 0);
    }
    if (ret >= 0) {
        av_image_copy_plane(frame->data[0], frame->linesize[0], rgb, stride, width * 3, height);
        ret = avcodec_send_frame(encoder, frame);
    }
    if (ret >= 0)
        ret = avcodec_receive_packet(encoder, packet);
    av_frame_free(&frame);
    avcodec_free_context(&encoder);
    return ret;
}

bool dfv_png_write(const char *path, const uint8_t *rgb, int width, int height, int stride,
                   char err[DFV_ERR_LEN])
{
    char averr[128];
    if (!path || !rgb || width < 1 || height < 1 || width > 32768 || height > 32768)
        return dfv_error_set(err, "png '%s': bad image (%dx%d)", path ? path : "(null)", width, height);
    if (stride == 0)
        stride = width * 3;
    AVPacket *packet = av_packet_alloc();
    if (!packet)
        return dfv_error_set(err, "png '%s': out of memory", path);
    int ret = encode_png(rgb, width, height, stride, packet);
    if (ret < 0) {
        av_packet_free(&packet);
        return dfv_error_set(err, "png '%s': encoding failed: %s", path, dfv_media_av_error(ret, averr));
    }
    FILE *file = fopen(path, "wb");
    if (!file) {
        av_packet_free(&packet);
        return dfv_error_set(err, "png '%s': cannot create: %s", path, strerror(errno));
    }
    bool written = fwrite(packet->data, 1, packet->size, file) == (size_t)packet->size;
    int write_errno = errno;
    bool closed = fclose(file) == 0;
    if (!closed && written)
        write_errno = errno;
    av_packet_free(&packet);
    if (!written || !closed)
        return dfv_error_set(err, "png '%s': write failed: %s", path, strerror(write_errno));
    return true;
}
