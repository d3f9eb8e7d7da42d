#include "decode_clip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

static void copy_tag(AVDictionary *metadata, const char *key, char *out, size_t size)
{
    AVDictionaryEntry *entry = key ? av_dict_get(metadata, key, NULL, 0) : NULL;
    snprintf(out, size, "%s", entry ? entry->value : "");
}

static bool keep_frame(decoded_clip *out, const AVFrame *frame)
{
    if (!out->first) {
        out->width = frame->width;
        out->height = frame->height;
        out->first = malloc((size_t)frame->width * frame->height * 3);
        out->last = malloc((size_t)frame->width * frame->height * 3);
    }
    if (frame->width != out->width || frame->height != out->height) {
        fprintf(stderr, "decode_clip: frame size changed midway\n");
        return false;
    }
    /* Default swscale YUV→RGB is BT.601 limited range, the inverse of what the exporter tags. */
    struct SwsContext *sws = sws_getContext(frame->width, frame->height, frame->format, frame->width,
                                            frame->height, AV_PIX_FMT_RGB24,
                                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    uint8_t *dst = out->frame_count == 0 ? out->first : out->last;
    int stride = frame->width * 3;
    uint8_t *dst_planes[4] = {dst};
    int dst_strides[4] = {stride};
    sws_scale(sws, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, dst_planes, dst_strides);
    sws_freeContext(sws);
    if (out->frame_count == 0)
        memcpy(out->last, out->first, (size_t)stride * frame->height);
    out->frame_count++;
    return true;
}

static bool receive_all(AVCodecContext *decoder, AVFrame *frame, decoded_clip *out)
{
    for (;;) {
        int ret = avcodec_receive_frame(decoder, frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return true;
        if (ret < 0 || !keep_frame(out, frame))
            return false;
    }
}

bool decode_clip(const char *path, const char *custom_key, decoded_clip *out)
{
    memset(out, 0, sizeof *out);
    AVFormatContext *format = NULL;
    if (avformat_open_input(&format, path, NULL, NULL) < 0 || avformat_find_stream_info(format, NULL) < 0) {
        fprintf(stderr, "decode_clip: cannot open %s\n", path);
        avformat_close_input(&format);
        return false;
    }
    copy_tag(format->metadata, "comment", out->comment, sizeof out->comment);
    copy_tag(format->metadata, custom_key, out->custom, sizeof out->custom);
    const AVCodec *codec = NULL;
    int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    AVCodecContext *decoder = index >= 0 ? avcodec_alloc_context3(codec) : NULL;
    bool ok = decoder && avcodec_parameters_to_context(decoder, format->streams[index]->codecpar) >= 0 &&
              avcodec_open2(decoder, codec, NULL) >= 0;
    if (ok)
        snprintf(out->codec, sizeof out->codec, "%s", codec->name);
    AVPacket *packet = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    while (ok && av_read_frame(format, packet) >= 0) {
        if (packet->stream_index == index)
            ok = avcodec_send_packet(decoder, packet) >= 0 && receive_all(decoder, frame, out);
        av_packet_unref(packet);
    }
    if (ok)
        ok = avcodec_send_packet(decoder, NULL) >= 0 && receive_all(decoder, frame, out);
    if (!ok)
        fprintf(stderr, "decode_clip: decoding %s failed after %d frames\n", path, out->frame_count);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&decoder);
    avformat_close_input(&format);
    return ok;
}

void decoded_clip_free(decoded_clip *clip)
{
    free(clip->first);
    free(clip->last);
    memset(clip, 0, sizeof *clip);
}

void pixel_difference(const uint8_t *a, const uint8_t *b, int n, double *mean, int *max)
{
    double sum = 0;
    *max = 0;
    for (int i = 0; i < n * 3; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        sum += d;
        *max = d > *max ? d : *max;
    }
    *mean = sum / (n * 3.0);
}
