#include "video_reader.h"

#include <stdlib.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

struct dfv_video_reader {
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    int stream_index;
    bool draining; /* the demuxer hit its end; the decoder is being flushed */
    const char *label;
};

static bool open_decoder(dfv_video_reader *reader, char *err)
{
    const AVCodec *codec = NULL;
    char averr[128];
    int index = av_find_best_stream(reader->format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (index < 0 || !codec)
        return dfv_error_set(err, "seed '%s': not an image or video (no picture stream FFmpeg can decode)",
                              reader->label);
    reader->stream_index = index;
    reader->decoder = avcodec_alloc_context3(codec);
    if (!reader->decoder)
        return dfv_error_set(err, "seed '%s': out of memory for the decoder", reader->label);
    int ret = avcodec_parameters_to_context(reader->decoder, reader->format->streams[index]->codecpar);
    if (ret >= 0)
        ret = avcodec_open2(reader->decoder, codec, NULL);
    if (ret < 0)
        return dfv_error_set(err, "seed '%s': cannot open the %s decoder: %s", reader->label, codec->name,
                              dfv_media_av_error(ret, averr));
    return true;
}

bool dfv_video_reader_open(const char *path, const char *label, dfv_video_reader **out, char err[DFV_ERR_LEN])
{
    char averr[128];
    *out = NULL;
    dfv_video_reader *reader = calloc(1, sizeof *reader);
    if (!reader)
        return dfv_error_set(err, "seed '%s': out of memory", label);
    reader->label = label;
    int ret = avformat_open_input(&reader->format, path, NULL, NULL);
    if (ret < 0) {
        free(reader);
        return dfv_error_set(err, "seed '%s': not an image or video FFmpeg can read (%s)", label,
                              dfv_media_av_error(ret, averr));
    }
    ret = avformat_find_stream_info(reader->format, NULL);
    if (ret < 0) {
        dfv_error_set(err, "seed '%s': not an image or video FFmpeg can read (%s)", label,
                       dfv_media_av_error(ret, averr));
        dfv_video_reader_close(reader);
        return false;
    }
    reader->packet = av_packet_alloc();
    reader->frame = av_frame_alloc();
    if (!reader->packet || !reader->frame) {
        dfv_error_set(err, "seed '%s': out of memory", label);
        dfv_video_reader_close(reader);
        return false;
    }
    if (!open_decoder(reader, err)) {
        dfv_video_reader_close(reader);
        return false;
    }
    *out = reader;
    return true;
}

void dfv_video_reader_close(dfv_video_reader *reader)
{
    if (!reader)
        return;
    avcodec_free_context(&reader->decoder);
    avformat_close_input(&reader->format);
    av_packet_free(&reader->packet);
    av_frame_free(&reader->frame);
    free(reader);
}

/* Feeds the decoder one packet of our stream (or the flush signal at the end). */
static int feed_decoder(dfv_video_reader *reader)
{
    for (;;) {
        int ret = av_read_frame(reader->format, reader->packet);
        if (ret == AVERROR_EOF || (ret < 0 && avio_feof(reader->format->pb))) {
            reader->draining = true;
            return avcodec_send_packet(reader->decoder, NULL);
        }
        if (ret < 0)
            return ret;
        if (reader->packet->stream_index != reader->stream_index) {
            av_packet_unref(reader->packet);
            continue;
        }
        ret = avcodec_send_packet(reader->decoder, reader->packet);
        av_packet_unref(reader->packet);
        /* A corrupt packet in the middle of a file should not end the seed: skip it. */
        return ret == AVERROR_INVALIDDATA ? 0 : ret;
    }
}

int dfv_video_reader_next(dfv_video_reader *reader, AVFrame **frame, char err[DFV_ERR_LEN])
{
    char averr[128];
    for (;;) {
        int ret = avcodec_receive_frame(reader->decoder, reader->frame);
        if (ret >= 0) {
            *frame = reader->frame;
            return 1;
        }
        if (ret == AVERROR_EOF)
            return 0;
        if (ret != AVERROR(EAGAIN) || reader->draining) {
            dfv_error_set(err, "seed '%s': decoding failed: %s", reader->label, dfv_media_av_error(ret, averr));
            return -1;
        }
        ret = feed_decoder(reader);
        if (ret < 0 && ret != AVERROR_EOF) {
            dfv_error_set(err, "seed '%s': reading failed: %s", reader->label, dfv_media_av_error(ret, averr));
            return -1;
        }
    }
}

double dfv_video_reader_frame_time(const dfv_video_reader *reader, const AVFrame *frame, int64_t decode_index)
{
    const AVStream *stream = reader->format->streams[reader->stream_index];
    if (frame->best_effort_timestamp == AV_NOPTS_VALUE) {
        AVRational rate = stream->avg_frame_rate.num > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
        return rate.num > 0 ? (double)decode_index * rate.den / rate.num : (double)decode_index;
    }
    int64_t start = stream->start_time == AV_NOPTS_VALUE ? 0 : stream->start_time;
    return (double)(frame->best_effort_timestamp - start) * av_q2d(stream->time_base);
}

bool dfv_video_reader_seek_before(dfv_video_reader *reader, double seconds)
{
    const AVStream *stream = reader->format->streams[reader->stream_index];
    int64_t start = stream->start_time == AV_NOPTS_VALUE ? 0 : stream->start_time;
    int64_t target = start + (int64_t)(seconds / av_q2d(stream->time_base));
    if (av_seek_frame(reader->format, reader->stream_index, target, AVSEEK_FLAG_BACKWARD) < 0)
        return false;
    avcodec_flush_buffers(reader->decoder);
    reader->draining = false;
    return true;
}
