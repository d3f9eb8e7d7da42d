/* Seeds: images written by the PNG writer are cropped and resized as a plain C reference does; videos
 * (written by the exporter, one grey level per frame) give the right frames at @time and #frame; bad
 * seeds give one-line errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

#include "check.h"
#include "decode_clip.h"
#include "export.h"
#include "png.h"
#include "seed.h"

typedef struct {
    char dir[256];
    int failures;
} test_env;

/* A wide image: 16-pixel pure red bands left and right (cropped away), a smooth pattern inside. */
static void make_wide_image(uint8_t *rgb, int width, int height, int band)
{
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            uint8_t *p = rgb + ((size_t)y * width + x) * 3;
            bool in_band = x < band || x >= width - band;
            p[0] = in_band ? 255 : (uint8_t)(x * 3);
            p[1] = in_band ? 0 : (uint8_t)(y * 3 + (x & 1) * 20);
            p[2] = in_band ? 0 : (uint8_t)(255 - y * 2);
        }
    }
}

static void image_seed_downscaled(test_env *env)
{
    enum { W = 96, H = 64, BAND = 16, R = 32 };
    static uint8_t image[W * H * 3], seed[2 * R * R * 3], reference[R * R * 3];
    char path[512], err[DFV_ERR_LEN] = "";
    make_wide_image(image, W, H, BAND);
    snprintf(path, sizeof path, "%s/wide.png", env->dir);
    CHECK(env->failures, dfv_png_write(path, image, W, H, 0, err), "png write: %s", err);

    /* The PNG writer itself: the tests' decoder must read back the exact pixels. */
    decoded_clip png;
    bool decoded = decode_clip(path, NULL, &png);
    CHECK(env->failures, decoded && png.frame_count == 1 && png.width == W && png.height == H &&
                             !memcmp(png.first, image, sizeof image), "png does not read back exactly");
    decoded_clip_free(&png);

    dfv_seed_desc desc = {.resolution = R, .frame_count = 2};
    CHECK(env->failures, dfv_seed_load(path, &desc, seed, err), "seed: %s", err);
    /* Reference: crop the centre 64×64, average 2×2 blocks. */
    for (int y = 0; y < R; y++)
        for (int x = 0; x < R; x++)
            for (int c = 0; c < 3; c++) {
                int sum = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                        sum += image[((2 * y + dy) * W + BAND + 2 * x + dx) * 3 + c];
                reference[(y * R + x) * 3 + c] = (uint8_t)((sum + 2) / 4);
            }
    double mean;
    int max;
    pixel_difference(seed, reference, R * R, &mean, &max);
    printf("image seed 96x64 -> 32x32 vs C crop+box reference: mean |diff| %.3f, max %d\n", mean, max);
    CHECK(env->failures, mean < 0.75 && max <= 3, "downscaled seed differs (mean %.3f, max %d)", mean, max);
    CHECK(env->failures, !memcmp(seed, seed + R * R * 3, R * R * 3), "a still image must fill every frame");
}

/* A tall image whose side equals R: the crop (odd offset 15) is returned exactly. */
static void image_seed_exact_crop(test_env *env)
{
    enum { W = 40, H = 71 };
    static uint8_t image[W * H * 3], seed[W * W * 3];
    char path[512], err[DFV_ERR_LEN] = "";
    for (int i = 0; i < W * H * 3; i++)
        image[i] = (uint8_t)(i * 7 % 251);
    snprintf(path, sizeof path, "%s/tall.png", env->dir);
    CHECK(env->failures, dfv_png_write(path, image, W, H, 0, err), "png write: %s", err);
    dfv_seed_desc desc = {.resolution = W};
    CHECK(env->failures, dfv_seed_load(path, &desc, seed, err), "seed: %s", err);
    CHECK(env->failures, !memcmp(seed, image + (H - W) / 2 * W * 3, sizeof seed), "tall crop is not the centre rows");
}

/* Non-square outputs: a 50x30 image cropped to a 40x30 frame is its centre columns exactly; stretched to
 * 50x30 it is itself; stretched to 25x15 (open-oasis's resize, whatever the aspect) each pixel is close
 * to its 2x2 box. */
static void image_seed_non_square(test_env *env)
{
    enum { W = 50, H = 30 };
    static uint8_t image[W * H * 3], seed[W * H * 3], reference[(W / 2) * (H / 2) * 3];
    char path[512], err[DFV_ERR_LEN] = "";
    for (int i = 0; i < W * H * 3; i++)
        image[i] = (uint8_t)(i * 13 % 241);
    snprintf(path, sizeof path, "%s/wide.png", env->dir);
    CHECK(env->failures, dfv_png_write(path, image, W, H, 0, err), "png write: %s", err);
    dfv_seed_desc crop = {.width = 40, .height = H};
    CHECK(env->failures, dfv_seed_load(path, &crop, seed, err), "crop seed: %s", err);
    bool centre = true;
    for (int y = 0; y < H; y++)
        centre &= !memcmp(seed + y * 40 * 3, image + (y * W + 5) * 3, 40 * 3);
    CHECK(env->failures, centre, "a 40x30 crop of a 50x30 image is not its centre columns");
    dfv_seed_desc whole = {.width = W, .height = H, .stretch = true};
    CHECK(env->failures, dfv_seed_load(path, &whole, seed, err) && !memcmp(seed, image, sizeof image),
          "stretching to the image's own size changed it: %s", err);
    dfv_seed_desc half = {.width = W / 2, .height = H / 2, .stretch = true};
    CHECK(env->failures, dfv_seed_load(path, &half, seed, err), "stretched seed: %s", err);
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W / 2; x++)
            for (int c = 0; c < 3; c++) {
                int sum = 0;
                for (int d = 0; d < 4; d++)
                    sum += image[((2 * y + d / 2) * W + 2 * x + d % 2) * 3 + c];
                reference[(y * (W / 2) + x) * 3 + c] = (uint8_t)((sum + 2) / 4);
            }
    double mean;
    int max;
    pixel_difference(seed, reference, (W / 2) * (H / 2), &mean, &max);
    printf("image seed 50x30 stretched to 25x15 vs a 2x2 box reference: mean |diff| %.3f, max %d\n", mean, max);
    CHECK(env->failures, mean < 0.75 && max <= 3, "stretched seed differs (mean %.3f, max %d)", mean, max);
}

/* Encodes a JPEG with FFmpeg's mjpeg encoder (the tests' own writer). */
static bool write_jpeg(const char *path, const uint8_t *rgb, int width, int height)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *enc = codec ? avcodec_alloc_context3(codec) : NULL;
    AVFrame *frame = av_frame_alloc();
    AVPacket *packet = av_packet_alloc();
    bool ok = enc && frame && packet;
    if (ok) {
        enc->width = width;
        enc->height = height;
        enc->pix_fmt = AV_PIX_FMT_YUVJ444P;
        enc->time_base = (AVRational){1, 1};
        enc->flags |= AV_CODEC_FLAG_QSCALE;
        enc->global_quality = FF_QP2LAMBDA * 2;
        frame->format = enc->pix_fmt;
        frame->width = width;
        frame->height = height;
        ok = avcodec_open2(enc, codec, NULL) >= 0 && av_frame_get_buffer(frame, 0) >= 0;
    }
    if (ok) {
        struct SwsContext *sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUVJ444P,
                                                SWS_POINT | SWS_ACCURATE_RND, NULL, NULL, NULL);
        const uint8_t *src[4] = {rgb};
        int stride[4] = {width * 3};
        sws_scale(sws, src, stride, 0, height, frame->data, frame->linesize);
        sws_freeContext(sws);
        frame->pts = 0;
        ok = avcodec_send_frame(enc, frame) >= 0 && avcodec_receive_packet(enc, packet) >= 0;
    }
    FILE *file = ok ? fopen(path, "wb") : NULL;
    ok = file && fwrite(packet->data, 1, packet->size, file) == (size_t)packet->size;
    if (file)
        fclose(file);
    av_packet_free(&packet);
    av_frame_free(&frame);
    avcodec_free_context(&enc);
    return ok;
}

static void jpeg_seed(test_env *env)
{
    enum { W = 96, H = 64, BAND = 16, R = 64 };
    static uint8_t image[W * H * 3], seed[R * R * 3], centre[R * R * 3];
    char path[512], err[DFV_ERR_LEN] = "";
    make_wide_image(image, W, H, BAND);
    snprintf(path, sizeof path, "%s/wide.jpg", env->dir);
    CHECK(env->failures, write_jpeg(path, image, W, H), "cannot write %s", path);
    dfv_seed_desc desc = {.resolution = R};
    CHECK(env->failures, dfv_seed_load(path, &desc, seed, err), "jpeg seed: %s", err);
    for (int y = 0; y < R; y++)
        memcpy(centre + y * R * 3, image + (y * W + BAND) * 3, R * 3);
    double mean;
    int max;
    pixel_difference(seed, centre, R * R, &mean, &max);
    printf("jpeg seed 96x64 -> 64x64 vs centre crop: mean |diff| %.3f, max %d\n", mean, max);
    CHECK(env->failures, mean < 3.0, "jpeg seed differs from the centre crop (mean %.3f)", mean);
}

static int grey_of_frame(int index)
{
    return 16 + index * 7;
}

/* Frames are identified by their grey level (one level per frame, 7 apart). */
static int frame_index_of(const uint8_t *rgb, int pixels)
{
    double sum = 0;
    for (int i = 0; i < pixels * 3; i++)
        sum += rgb[i];
    return (int)lround((sum / (pixels * 3) - 16) / 7);
}

static bool write_grey_video(const char *path, int frames)
{
    char err[DFV_ERR_LEN];
    dfv_export_desc desc = {.path = path, .width = 48, .height = 32, .fps = 10, .crf = 4};
    dfv_export *ex = NULL;
    if (!dfv_export_open(&desc, &ex, err)) {
        fprintf(stderr, "%s\n", err);
        return false;
    }
    uint8_t rgb[48 * 32 * 3];
    bool ok = true;
    for (int i = 0; i < frames && ok; i++) {
        memset(rgb, grey_of_frame(i), sizeof rgb);
        ok = dfv_export_write(ex, rgb, 0, err);
    }
    return dfv_export_close(ex, NULL, err) && ok;
}

static void expect_frames(test_env *env, const char *spec, int count, int first_index)
{
    enum { R = 16 };
    uint8_t frames[4 * R * R * 3];
    char err[DFV_ERR_LEN] = "";
    dfv_seed_desc desc = {.resolution = R, .frame_count = count};
    bool ok = dfv_seed_load(spec, &desc, frames, err);
    CHECK(env->failures, ok, "%s: %s", spec, err);
    for (int i = 0; ok && i < count; i++) {
        int index = frame_index_of(frames + i * R * R * 3, R * R);
        CHECK(env->failures, index == first_index + i, "%s: frame %d is video frame %d, expected %d", strrchr(spec, '/'),
              i, index, first_index + i);
    }
    /* Asked for the first frame's index (eval --video), the loader decodes from the start instead of seeking:
     * the same frames, and the index says which. */
    int64_t reported = -1;
    uint8_t again[sizeof frames];
    desc.first_index = &reported;
    ok = ok && dfv_seed_load(spec, &desc, again, err);
    CHECK(env->failures, ok && reported == first_index && !memcmp(frames, again, (size_t)count * R * R * 3),
          "%s: with first_index: %s, index %lld, expected %d", strrchr(spec, '/'), ok ? "loaded" : err,
          (long long)reported, first_index);
}

static void expect_error(test_env *env, const char *spec, int count, const char *needle)
{
    uint8_t frames[4 * 16 * 16 * 3];
    char err[DFV_ERR_LEN] = "";
    dfv_seed_desc desc = {.resolution = 16, .frame_count = count};
    bool ok = dfv_seed_load(spec, &desc, frames, err);
    printf("seed %-40s -> %s\n", strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec, ok ? "loaded" : err);
    CHECK(env->failures, !ok && strstr(err, needle) && !strchr(err, '\n'), "%s: expected an error with '%s', got '%s'",
          spec, needle, err);
}

static void video_seeds(test_env *env, const char *name)
{
    char path[512], spec[600];
    snprintf(path, sizeof path, "%s/%s", env->dir, name);
    if (!write_grey_video(path, 30)) {
        env->failures++;
        return;
    }
    expect_frames(env, path, 2, 0);
    snprintf(spec, sizeof spec, "%s@1.5s", path);
    expect_frames(env, spec, 2, 15);
    snprintf(spec, sizeof spec, "%s@2.2", path);
    expect_frames(env, spec, 3, 22);
    snprintf(spec, sizeof spec, "%s@0s", path);
    expect_frames(env, spec, 1, 0);
    snprintf(spec, sizeof spec, "%s#7", path);
    expect_frames(env, spec, 3, 7);
    snprintf(spec, sizeof spec, "%s#28", path);
    expect_frames(env, spec, 2, 28);
    snprintf(spec, sizeof spec, "%s#29", path);
    expect_error(env, spec, 2, "shorter than asked");
    snprintf(spec, sizeof spec, "%s#40", path);
    expect_error(env, spec, 1, "only 30 frames");
    snprintf(spec, sizeof spec, "%s@5s", path);
    expect_error(env, spec, 1, "ends before");
    snprintf(spec, sizeof spec, "%s@soon", path);
    expect_error(env, spec, 1, "time");
}

static void bad_seeds(test_env *env)
{
    char path[512];
    snprintf(path, sizeof path, "%s/missing.png", env->dir);
    expect_error(env, path, 1, "No such file");
    snprintf(path, sizeof path, "%s/notes.png", env->dir);
    FILE *text = fopen(path, "w");
    if (text) {
        fputs("these are not pixels\n", text);
        fclose(text);
    }
    expect_error(env, path, 1, "not an image or video");
    expect_error(env, env->dir, 1, "not a regular file");
    uint8_t out[3];
    char err[DFV_ERR_LEN];
    dfv_seed_desc zero = {.resolution = 0};
    CHECK(env->failures, !dfv_seed_load(path, &zero, out, err), "resolution 0 accepted");
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET); /* the bad-seed cases make FFmpeg complain; our messages are checked */
    test_env env = {0};
    snprintf(env.dir, sizeof env.dir, "/tmp/dfv_media_seed_XXXXXX");
    if (!mkdtemp(env.dir)) {
        perror("mkdtemp");
        return 1;
    }
    image_seed_downscaled(&env);
    image_seed_exact_crop(&env);
    image_seed_non_square(&env);
    jpeg_seed(&env);
    video_seeds(&env, "grey.mp4");
    video_seeds(&env, "grey.webm");
    bad_seeds(&env);
    char cleanup[600];
    snprintf(cleanup, sizeof cleanup, "rm -rf '%s'", env.dir);
    if (env.failures == 0 && system(cleanup) != 0)
        fprintf(stderr, "could not remove %s\n", env.dir);
    printf("%s: %d failures\n", env.failures ? "FAIL" : "ok", env.failures);
    return env.failures ? 1 : 0;
}
