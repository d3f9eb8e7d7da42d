#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "export_format.h"
#include "gif_palette.h"

struct dfv_export {
    dfv_clip_format format;
    char *path;
    AVFormatContext *muxer;
    AVCodecContext *encoder;
    AVStream *stream;
    AVFrame *frame;
    AVPacket *packet;
    struct SwsContext *to_yuv;
    dfv_frame_scaler *scaler;
    dfv_gif_quantizer *quantizer;
    int in_width, out_width, out_height;
    int64_t frames;          /* accepted by dfv_export_write */
    int64_t packets;         /* handed to the muxer (one per frame) */
    int64_t durable_packets; /* complete in the file: a fragment/cluster/image that reached the disk */
    int64_t durable_size;    /* file size at that point; a failed file is cut back to it */
    int flush_interval;      /* packets per fragment (about one second) */
    int held_back;           /* packets a muxer keeps until the next arrives (GIF: to know a duration) */
    bool header_written;
    bool io_failed;
    bool failed; /* the first failure is kept and repeated: nothing more is written after it */
    char failure[DFV_ERR_LEN];
    char notice[256];
};

/* ---- opening ------------------------------------------------------------------------------------ */

static bool check_desc(const dfv_export_desc *desc, char *err)
{
    if (!desc || !desc->path || !*desc->path)
        return dfv_error_set(err, "export: no output path given");
    if (desc->width < 1 || desc->height < 1 || desc->width > 16384 || desc->height > 16384)
        return dfv_error_set(err, "export '%s': bad frame size %dx%d", desc->path, desc->width, desc->height);
    if (desc->scale < 0 || desc->scale > 64 || (int64_t)desc->width * (desc->scale ? desc->scale : 1) > 16384 ||
        (int64_t)desc->height * (desc->scale ? desc->scale : 1) > 16384)
        return dfv_error_set(err, "export '%s': bad scale %d for %dx%d frames", desc->path, desc->scale,
                              desc->width, desc->height);
    if (desc->fps < 0 || desc->fps > 1000)
        return dfv_error_set(err, "export '%s': bad frame rate %g", desc->path, desc->fps);
    if (desc->tag_count < 0 || (desc->tag_count > 0 && !desc->tags))
        return dfv_error_set(err, "export '%s': bad metadata list", desc->path);
    return true;
}

static enum AVPixelFormat pixel_format_for(dfv_clip_kind kind)
{
    switch (kind) {
    case DFV_CLIP_GIF: return AV_PIX_FMT_PAL8;
    case DFV_CLIP_PNG_SEQUENCE: return AV_PIX_FMT_RGB24;
    default: return AV_PIX_FMT_YUV420P;
    }
}

static void encoder_options(const dfv_export *ex, const char *name, int crf, AVDictionary **options)
{
    char value[32];
    if (!strcmp(name, "libx264")) {
        snprintf(value, sizeof value, "%d", crf ? crf : 18);
        av_dict_set(options, "crf", value, 0);
        av_dict_set(options, "preset", "medium", 0);
    } else if (!strcmp(name, "libvpx-vp9")) {
        snprintf(value, sizeof value, "%d", crf ? crf : 31);
        av_dict_set(options, "crf", value, 0);
        av_dict_set(options, "b", "0", 0);
        av_dict_set(options, "deadline", "good", 0);
        av_dict_set(options, "cpu-used", "4", 0);
        av_dict_set(options, "row-mt", "1", 0);
    } else if (!strcmp(name, "gif")) {
        /* Frame differencing compares palette indices; with a palette per frame that is wrong. */
        av_dict_set(options, "gifflags", "0", 0);
    } else if (!strcmp(name, "mpeg4")) {
        ex->encoder->flags |= AV_CODEC_FLAG_QSCALE;
        ex->encoder->global_quality = FF_QP2LAMBDA * 3;
    } else if (!strcmp(name, "libopenh264")) {
        ex->encoder->bit_rate = (int64_t)ex->out_width * ex->out_height * 4;
    }
}

static int try_encoder(dfv_export *ex, const dfv_export_desc *desc, const AVCodec *codec)
{
    ex->encoder = avcodec_alloc_context3(codec);
    if (!ex->encoder)
        return AVERROR(ENOMEM);
    AVRational rate = av_d2q(desc->fps > 0 ? desc->fps : 10.0, 1001000);
    ex->encoder->width = ex->out_width;
    ex->encoder->height = ex->out_height;
    ex->encoder->pix_fmt = pixel_format_for(ex->format.kind);
    ex->encoder->time_base = av_inv_q(rate);
    ex->encoder->framerate = rate;
    ex->encoder->gop_size = rate.num / rate.den * 2 > 1 ? rate.num / rate.den * 2 : 1;
    if (ex->encoder->pix_fmt == AV_PIX_FMT_YUV420P) {
        /* libswscale's RGB→YUV default is BT.601 limited range: say so, so players invert it right. */
        ex->encoder->colorspace = AVCOL_SPC_SMPTE170M;
        ex->encoder->color_range = AVCOL_RANGE_MPEG;
    }
    if (ex->muxer->oformat->flags & AVFMT_GLOBALHEADER)
        ex->encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *options = NULL;
    encoder_options(ex, codec->name, desc->crf, &options);
    int ret = avcodec_open2(ex->encoder, codec, &options);
    av_dict_free(&options);
    if (ret < 0)
        avcodec_free_context(&ex->encoder);
    return ret;
}

static bool open_forced_encoder(dfv_export *ex, const dfv_export_desc *desc, char *err)
{
    char averr[128];
    const AVCodec *codec = avcodec_find_encoder_by_name(desc->encoder);
    if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
        return dfv_error_set(err, "export '%s': FFmpeg has no video encoder named '%s'", desc->path, desc->encoder);
    int ret = try_encoder(ex, desc, codec);
    if (ret < 0)
        return dfv_error_set(err, "export '%s': cannot open encoder %s: %s", desc->path, desc->encoder,
                              dfv_media_av_error(ret, averr));
    return true;
}

/* The format's encoders in order of preference; a fallback is named in the notice. */
static bool open_encoder(dfv_export *ex, const dfv_export_desc *desc, char *err)
{
    char averr[128] = "not available";
    if (desc->encoder)
        return open_forced_encoder(ex, desc, err);
    const char *preferred = ex->format.encoders[0];
    for (const char *const *name = ex->format.encoders; *name; name++) {
        const AVCodec *codec = avcodec_find_encoder_by_name(*name);
        int ret = codec ? try_encoder(ex, desc, codec) : AVERROR_ENCODER_NOT_FOUND;
        if (ret >= 0) {
            if (name != ex->format.encoders)
                snprintf(ex->notice, sizeof ex->notice, "%s is not available: encoding with %s instead",
                         preferred, *name);
            return true;
        }
        dfv_media_av_error(ret, averr);
    }
    return dfv_error_set(err, "export '%s': no usable encoder (%s: %s)", desc->path, preferred, averr);
}

/* A pattern writes one file per frame later; create (and remove) the first now to fail early. */
static bool probe_pattern_writable(const char *pattern, char *err)
{
    char first[4096];
    if (av_get_frame_filename2(first, sizeof first, pattern, 0, 0) < 0)
        return dfv_error_set(err, "export '%s': not a usable frame-number pattern (e.g. out/%%05d.png)", pattern);
    FILE *probe = fopen(first, "wb");
    if (!probe)
        return dfv_error_set(err, "export '%s': cannot create %s: %s", pattern, first, strerror(errno));
    fclose(probe);
    unlink(first);
    return true;
}

static bool open_output(dfv_export *ex, char *err)
{
    char averr[128];
    if (ex->muxer->oformat->flags & AVFMT_NOFILE)
        return probe_pattern_writable(ex->path, err);
    int ret = avio_open(&ex->muxer->pb, ex->path, AVIO_FLAG_WRITE);
    if (ret < 0)
        return dfv_error_set(err, "export '%s': cannot create: %s", ex->path, dfv_media_av_error(ret, averr));
    return true;
}

static void muxer_options(const dfv_export *ex, AVDictionary **options)
{
    if (ex->format.kind == DFV_CLIP_MP4) {
        /* Fragments keep everything before a crash or a full disk playable; the tags keep custom keys. */
        av_dict_set(options, "movflags", "+frag_custom+empty_moov+default_base_moof+use_metadata_tags", 0);
    } else if (ex->format.kind == DFV_CLIP_WEBM) {
        av_dict_set(options, "cluster_time_limit", "1000", 0);
    } else if (ex->format.kind == DFV_CLIP_PNG_SEQUENCE) {
        av_dict_set(options, "start_number", "0", 0);
    }
}

static bool start_muxer(dfv_export *ex, const dfv_export_desc *desc, char *err)
{
    char averr[128];
    ex->stream = avformat_new_stream(ex->muxer, NULL);
    if (!ex->stream)
        return dfv_error_set(err, "export '%s': out of memory", ex->path);
    int ret = avcodec_parameters_from_context(ex->stream->codecpar, ex->encoder);
    if (ret < 0)
        return dfv_error_set(err, "export '%s': %s", ex->path, dfv_media_av_error(ret, averr));
    ex->stream->time_base = ex->encoder->time_base;
    ex->stream->avg_frame_rate = ex->encoder->framerate;
    for (int i = 0; i < desc->tag_count; i++)
        if (desc->tags[i].key && desc->tags[i].value)
            av_dict_set(&ex->muxer->metadata, desc->tags[i].key, desc->tags[i].value, 0);
    if (!open_output(ex, err))
        return false;
    /* Push each packet to the file at once so a full disk is reported by the write that hits it. */
    ex->muxer->flush_packets = 1;
    AVDictionary *options = NULL;
    muxer_options(ex, &options);
    ret = avformat_write_header(ex->muxer, &options);
    av_dict_free(&options);
    if (ret < 0)
        return dfv_error_set(err, "export '%s': cannot write the header: %s", ex->path, dfv_media_av_error(ret, averr));
    ex->header_written = true;
    if (ex->muxer->pb)
        avio_flush(ex->muxer->pb);
    ex->durable_size = ex->muxer->pb ? avio_tell(ex->muxer->pb) : 0;
    /* Fragments and clusters of about a second; a GIF frame or a PNG is complete on its own. */
    AVRational rate = ex->encoder->framerate;
    bool self_contained = ex->format.kind == DFV_CLIP_GIF || ex->format.kind == DFV_CLIP_PNG_SEQUENCE;
    ex->flush_interval = !self_contained && rate.num / rate.den > 1 ? rate.num / rate.den : 1;
    ex->held_back = ex->format.kind == DFV_CLIP_GIF ? 1 : 0;
    return true;
}

static bool prepare_frames(dfv_export *ex, char *err)
{
    ex->frame = av_frame_alloc();
    ex->packet = av_packet_alloc();
    if (!ex->frame || !ex->packet)
        return dfv_error_set(err, "export '%s': out of memory", ex->path);
    ex->frame->format = ex->encoder->pix_fmt;
    ex->frame->width = ex->out_width;
    ex->frame->height = ex->out_height;
    if (av_frame_get_buffer(ex->frame, 0) < 0)
        return dfv_error_set(err, "export '%s': out of memory for %dx%d frames", ex->path, ex->out_width,
                              ex->out_height);
    if (ex->encoder->pix_fmt == AV_PIX_FMT_YUV420P)
        ex->to_yuv = sws_getContext(ex->out_width, ex->out_height, AV_PIX_FMT_RGB24, ex->out_width, ex->out_height,
                                    AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP,
                                    NULL, NULL, NULL);
    if (ex->encoder->pix_fmt == AV_PIX_FMT_PAL8)
        ex->quantizer = dfv_gif_quantizer_create();
    if ((ex->encoder->pix_fmt == AV_PIX_FMT_YUV420P && !ex->to_yuv) ||
        (ex->encoder->pix_fmt == AV_PIX_FMT_PAL8 && !ex->quantizer))
        return dfv_error_set(err, "export '%s': cannot set up the colour conversion", ex->path);
    return true;
}

static void free_exporter(dfv_export *ex)
{
    if (ex->muxer && !(ex->muxer->oformat->flags & AVFMT_NOFILE))
        avio_closep(&ex->muxer->pb);
    avformat_free_context(ex->muxer);
    avcodec_free_context(&ex->encoder);
    av_frame_free(&ex->frame);
    av_packet_free(&ex->packet);
    sws_freeContext(ex->to_yuv);
    dfv_frame_scaler_destroy(ex->scaler);
    dfv_gif_quantizer_destroy(ex->quantizer);
    free(ex->path);
    free(ex);
}

static bool open_exporter(dfv_export *ex, const dfv_export_desc *desc, char *err)
{
    char averr[128];
    if (!dfv_clip_format_from_path(desc->path, &ex->format))
        return dfv_error_set(err, "export '%s': unknown format (use .mp4, .webm, .gif or a pattern like out/%%05d.png)",
                              desc->path);
    ex->path = strdup(desc->path);
    ex->in_width = desc->width;
    ex->scaler = dfv_frame_scaler_create(desc->width, desc->height, desc->scale ? desc->scale : 1, desc->filter,
                                         ex->format.needs_even_size ? 2 : 1);
    if (!ex->path || !ex->scaler)
        return dfv_error_set(err, "export '%s': out of memory", desc->path);
    dfv_frame_scaler_output_size(ex->scaler, &ex->out_width, &ex->out_height);
    int ret = avformat_alloc_output_context2(&ex->muxer, NULL, ex->format.muxer, desc->path);
    if (ret < 0)
        return dfv_error_set(err, "export '%s': cannot set up the %s muxer: %s", desc->path, ex->format.muxer,
                              dfv_media_av_error(ret, averr));
    return open_encoder(ex, desc, err) && start_muxer(ex, desc, err) && prepare_frames(ex, err);
}

bool dfv_export_open(const dfv_export_desc *desc, dfv_export **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    if (!check_desc(desc, err))
        return false;
    dfv_export *ex = calloc(1, sizeof *ex);
    if (!ex)
        return dfv_error_set(err, "export '%s': out of memory", desc->path);
    if (!open_exporter(ex, desc, err)) {
        free_exporter(ex);
        return false;
    }
    *out = ex;
    return true;
}

/* ---- writing ------------------------------------------------------------------------------------ */

static bool record_failure(dfv_export *ex, const char *what, int averror, char *err)
{
    char averr[128];
    ex->failed = true;
    snprintf(ex->failure, sizeof ex->failure, "export '%s': %s after %lld frames: %s", ex->path, what,
             (long long)ex->frames, dfv_media_av_error(averror, averr));
    return dfv_error_set(err, "%s", ex->failure);
}

static int output_error(const dfv_export *ex, int ret)
{
    if (ret >= 0 && ex->muxer->pb && ex->muxer->pb->error < 0)
        return ex->muxer->pb->error;
    return ret;
}

/* Closes the current fragment (mp4) or cluster (webm) and pushes it to the file; from here on
 * everything written so far survives a later failure. */
static bool make_durable(dfv_export *ex, char *err)
{
    int ret = 0;
    if (ex->muxer->oformat->flags & AVFMT_ALLOW_FLUSH)
        ret = av_write_frame(ex->muxer, NULL);
    if (ex->muxer->pb) {
        avio_flush(ex->muxer->pb);
        ret = output_error(ex, ret);
    }
    if (ret < 0) {
        ex->io_failed = true;
        return record_failure(ex, "write failed", ret, err);
    }
    ex->durable_packets = ex->packets > ex->held_back ? ex->packets - ex->held_back : 0;
    ex->durable_size = ex->muxer->pb ? avio_tell(ex->muxer->pb) : 0;
    return true;
}

/* Moves every packet the encoder has ready into the file. */
static bool drain_packets(dfv_export *ex, char *err)
{
    for (;;) {
        int ret = avcodec_receive_packet(ex->encoder, ex->packet);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return true;
        if (ret < 0)
            return record_failure(ex, "encoding failed", ret, err);
        av_packet_rescale_ts(ex->packet, ex->encoder->time_base, ex->stream->time_base);
        ex->packet->stream_index = ex->stream->index;
        /* One stream, packets already in decode order: no interleaving queue needed. */
        ret = output_error(ex, av_write_frame(ex->muxer, ex->packet));
        av_packet_unref(ex->packet);
        if (ret < 0) {
            ex->io_failed = true;
            return record_failure(ex, "write failed", ret, err);
        }
        ex->packets++;
        if (ex->packets - ex->durable_packets >= ex->flush_interval && !make_durable(ex, err))
            return false;
    }
}

static void fill_frame(dfv_export *ex, const uint8_t *scaled)
{
    int scaled_stride = ex->out_width * 3;
    /* libswscale reads four plane pointers and strides even for packed input. */
    const uint8_t *planes[4] = {scaled};
    int strides[4] = {scaled_stride};
    if (ex->to_yuv)
        sws_scale(ex->to_yuv, planes, strides, 0, ex->out_height, ex->frame->data, ex->frame->linesize);
    else if (ex->quantizer)
        dfv_gif_quantize(ex->quantizer, scaled, ex->out_width, ex->out_height, scaled_stride,
                         (uint32_t *)ex->frame->data[1], ex->frame->data[0], ex->frame->linesize[0]);
    else
        av_image_copy_plane(ex->frame->data[0], ex->frame->linesize[0], scaled, scaled_stride, scaled_stride,
                            ex->out_height);
}

bool dfv_export_write(dfv_export *ex, const uint8_t *rgb, int stride, char err[DFV_ERR_LEN])
{
    if (ex->failed)
        return dfv_error_set(err, "%s", ex->failure);
    int ret = av_frame_make_writable(ex->frame);
    if (ret < 0)
        return record_failure(ex, "out of memory", ret, err);
    const uint8_t *scaled = dfv_frame_scaler_apply(ex->scaler, rgb, stride ? stride : ex->in_width * 3);
    fill_frame(ex, scaled);
    ex->frame->pts = ex->frames;
    ret = avcodec_send_frame(ex->encoder, ex->frame);
    if (ret < 0)
        return record_failure(ex, "encoding failed", ret, err);
    ex->frames++;
    return drain_packets(ex, err);
}

/* ---- closing ------------------------------------------------------------------------------------ */

/* After an output failure the file is cut back to its last complete fragment, cluster or image:
 * a trailer can no longer be written, but everything before that point plays. */
static void cut_back_failed_file(dfv_export *ex)
{
    if (ex->muxer->oformat->flags & AVFMT_NOFILE) {
        char partial[4096];
        if (av_get_frame_filename2(partial, sizeof partial, ex->path, (int)ex->durable_packets, 0) >= 0)
            unlink(partial);
        return;
    }
    avio_closep(&ex->muxer->pb);
    if (truncate(ex->path, ex->durable_size) != 0)
        return; /* the write error already reported is the one that matters */
}

static bool finish_file(dfv_export *ex, char *err)
{
    char averr[128];
    bool ok = true;
    if (!ex->failed) {
        int ret = avcodec_send_frame(ex->encoder, NULL);
        ok = ret >= 0 ? drain_packets(ex, err) : record_failure(ex, "encoding failed", ret, err);
    }
    if (ex->io_failed) {
        /* The trailer cannot reach the file, but writing it frees what some muxers hold (GIF). */
        av_write_trailer(ex->muxer);
        cut_back_failed_file(ex);
        return dfv_error_set(err, "%s", ex->failure);
    }
    int ret = output_error(ex, av_write_trailer(ex->muxer));
    if (ret < 0 && ok)
        ok = dfv_error_set(err, "export '%s': cannot finish the file after %lld frames: %s", ex->path,
                            (long long)ex->frames, dfv_media_av_error(ret, averr));
    if (ret < 0) {
        ex->io_failed = true;
        cut_back_failed_file(ex);
        return false;
    }
    ex->durable_packets = ex->packets;
    if (!(ex->muxer->oformat->flags & AVFMT_NOFILE)) {
        ret = avio_closep(&ex->muxer->pb);
        if (ret < 0 && ok)
            ok = dfv_error_set(err, "export '%s': closing failed after %lld frames: %s", ex->path,
                                (long long)ex->frames, dfv_media_av_error(ret, averr));
    }
    return ok;
}

bool dfv_export_close(dfv_export *ex, int64_t *frames_written, char err[DFV_ERR_LEN])
{
    if (frames_written)
        *frames_written = 0;
    if (!ex)
        return true;
    bool ok = ex->header_written ? finish_file(ex, err) : true;
    if (ok && ex->failed)
        ok = dfv_error_set(err, "%s", ex->failure);
    if (frames_written)
        *frames_written = ex->durable_packets;
    free_exporter(ex);
    return ok;
}

int64_t dfv_export_frame_count(const dfv_export *ex)
{
    return ex->frames;
}

const char *dfv_export_encoder_name(const dfv_export *ex)
{
    return ex->encoder->codec->name;
}

const char *dfv_export_notice(const dfv_export *ex)
{
    return ex->notice;
}

void dfv_export_output_size(const dfv_export *ex, int *width, int *height)
{
    *width = ex->out_width;
    *height = ex->out_height;
}
