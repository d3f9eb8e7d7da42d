/* Clip export round trips: frames written through media/export are decoded back with the tests' own
 * libavformat decoder and compared with what was written (exactly for PNG, within a tolerance for
 * lossy codecs), plus interrupted clips, bad paths, a full disk and flat memory. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "check.h"
#include "decode_clip.h"
#include "export.h"

typedef struct {
    char dir[256];
    int failures;
} test_env;

/* Smooth gradients that drift with the frame index, plus a moving square with hard edges. */
static void make_frame(uint8_t *rgb, int width, int height, int index)
{
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            uint8_t *p = rgb + ((size_t)y * width + x) * 3;
            p[0] = (uint8_t)(20 + x * 2 + index * 4);
            p[1] = (uint8_t)(30 + y * 3);
            p[2] = (uint8_t)(200 - x - y);
            int bx = (index * 2) % (width - 8), by = height / 3;
            if (x >= bx && x < bx + 8 && y >= by && y < by + 8)
                p[0] = p[1] = p[2] = 240;
        }
    }
}

static bool write_clip(const dfv_export_desc *desc, int frames, int64_t *written, char *err)
{
    dfv_export *ex = NULL;
    if (!dfv_export_open(desc, &ex, err))
        return false;
    uint8_t *rgb = malloc((size_t)desc->width * desc->height * 3);
    bool ok = true;
    for (int i = 0; i < frames && ok; i++) {
        make_frame(rgb, desc->width, desc->height, i);
        ok = dfv_export_write(ex, rgb, 0, err);
    }
    free(rgb);
    bool closed = dfv_export_close(ex, written, ok ? err : NULL);
    return ok && closed;
}

/* Differences over the top-left width×height of a decoded frame `stride_pixels` wide (codecs that need
 * even sizes get a repeated last column/row, which is not content). */
static void region_difference(const uint8_t *decoded, int stride_pixels, const uint8_t *expected, int width,
                              int height, double *mean, int *max)
{
    double sum = 0;
    *max = 0;
    for (int y = 0; y < height; y++) {
        double row_mean;
        int row_max;
        pixel_difference(decoded + (size_t)y * stride_pixels * 3, expected + (size_t)y * width * 3, width, &row_mean,
                         &row_max);
        sum += row_mean;
        *max = row_max > *max ? row_max : *max;
    }
    *mean = sum / height;
}

/* Writes `frames` frames, decodes them, checks count, size, first/last pixels. */
static void round_trip(test_env *env, const char *name, int width, int height, int frames, double mean_limit,
                       int max_limit, const char *expect_codec)
{
    bool even_only = strstr(name, ".mp4") || strstr(name, ".webm");
    int out_width = even_only ? (width + 1) / 2 * 2 : width, out_height = even_only ? (height + 1) / 2 * 2 : height;
    char path[512], err[DFV_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/%s", env->dir, name);
    dfv_export_tag tags[] = {{"comment", "{\"frames\": 12}"}, {"dfview_seed", "42"}};
    dfv_export_desc desc = {.path = path, .width = width, .height = height, .fps = 10, .tags = tags,
                            .tag_count = 2};
    int64_t written = -1;
    bool ok = write_clip(&desc, frames, &written, err);
    CHECK(env->failures, ok, "%s: %s", name, err);
    CHECK(env->failures, written == frames, "%s: close reported %lld frames, %d written", name, (long long)written,
          frames);
    decoded_clip clip;
    if (!decode_clip(path, "dfview_seed", &clip)) {
        env->failures++;
        return;
    }
    CHECK(env->failures, clip.frame_count == frames, "%s: decoded %d frames, wrote %d", name, clip.frame_count, frames);
    CHECK(env->failures, clip.width == out_width && clip.height == out_height, "%s: decoded %dx%d, expected %dx%d",
          name, clip.width, clip.height, out_width, out_height);
    CHECK(env->failures, !expect_codec || !strcmp(clip.codec, expect_codec), "%s: codec %s", name, clip.codec);
    uint8_t *expected = malloc((size_t)width * height * 3);
    double mean;
    int max;
    bool sized = clip.width == out_width && clip.height == out_height;
    for (int which = 0; which < 2 && sized; which++) {
        make_frame(expected, width, height, which ? frames - 1 : 0);
        region_difference(which ? clip.last : clip.first, clip.width, expected, width, height, &mean, &max);
        printf("%-14s %s frame: mean |diff| %.3f, max %d\n", name, which ? "last " : "first", mean, max);
        CHECK(env->failures, mean <= mean_limit && max <= max_limit, "%s: %s frame differs (mean %.3f max %d)",
              name, which ? "last" : "first", mean, max);
    }
    /* The comparison can fail: the first frame is far from the last one written. */
    make_frame(expected, width, height, frames - 1);
    if (sized)
        region_difference(clip.first, clip.width, expected, width, height, &mean, &max);
    CHECK(env->failures, !sized || frames < 2 || mean > 3 * mean_limit + 5, "%s: frames too alike to test (%.3f)", name, mean);
    free(expected);
    decoded_clip_free(&clip);
}

static void check_metadata(test_env *env, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", env->dir, name);
    decoded_clip clip;
    if (!decode_clip(path, "dfview_seed", &clip)) {
        env->failures++;
        return;
    }
    CHECK(env->failures, !strcmp(clip.comment, "{\"frames\": 12}"), "%s: comment tag is '%s'", name, clip.comment);
    CHECK(env->failures, !strcmp(clip.custom, "42"), "%s: custom tag is '%s'", name, clip.custom);
    decoded_clip_free(&clip);
}

/* Nearest ×3 must repeat every source pixel as a 3×3 block, exactly. */
static void scaled_nearest(test_env *env)
{
    char path[512], err[DFV_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/scaled_%%03d.png", env->dir);
    dfv_export_desc desc = {.path = path, .width = 10, .height = 7, .scale = 3};
    CHECK(env->failures, write_clip(&desc, 2, NULL, err), "scaled png: %s", err);
    decoded_clip clip;
    if (!decode_clip(path, NULL, &clip)) {
        env->failures++;
        return;
    }
    CHECK(env->failures, clip.width == 30 && clip.height == 21 && clip.frame_count == 2, "scaled png: %dx%d, %d frames",
          clip.width, clip.height, clip.frame_count);
    uint8_t source[10 * 7 * 3];
    make_frame(source, 10, 7, 1);
    int mismatches = 0;
    for (int y = 0; y < 21 && clip.width == 30; y++)
        for (int x = 0; x < 30; x++)
            mismatches += memcmp(clip.last + (y * 30 + x) * 3, source + ((y / 3) * 10 + x / 3) * 3, 3) != 0;
    CHECK(env->failures, mismatches == 0, "scaled png: %d pixels differ from nearest upsampling", mismatches);
    decoded_clip_free(&clip);
}

/* Bilinear ×2 against a plain C bilinear (pixel centres aligned, edges clamped). */
static void scaled_bilinear(test_env *env)
{
    char path[512], err[DFV_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/bilinear_%%03d.png", env->dir);
    enum { W = 16, H = 12 };
    dfv_export_desc desc = {.path = path, .width = W, .height = H, .scale = 2, .filter = DFV_SCALE_BILINEAR};
    CHECK(env->failures, write_clip(&desc, 1, NULL, err), "bilinear png: %s", err);
    decoded_clip clip;
    if (!decode_clip(path, NULL, &clip)) {
        env->failures++;
        return;
    }
    uint8_t source[W * H * 3], reference[W * H * 4 * 3];
    make_frame(source, W, H, 0);
    for (int y = 0; y < 2 * H; y++) {
        for (int x = 0; x < 2 * W; x++) {
            double sx = (x + 0.5) / 2 - 0.5, sy = (y + 0.5) / 2 - 0.5;
            sx = sx < 0 ? 0 : sx;
            sy = sy < 0 ? 0 : sy;
            int x0 = (int)sx, y0 = (int)sy, x1 = x0 + 1 < W ? x0 + 1 : x0, y1 = y0 + 1 < H ? y0 + 1 : y0;
            double fx = sx - x0, fy = sy - y0;
            for (int c = 0; c < 3; c++) {
                double top = source[(y0 * W + x0) * 3 + c] * (1 - fx) + source[(y0 * W + x1) * 3 + c] * fx;
                double bottom = source[(y1 * W + x0) * 3 + c] * (1 - fx) + source[(y1 * W + x1) * 3 + c] * fx;
                reference[(y * 2 * W + x) * 3 + c] = (uint8_t)(top * (1 - fy) + bottom * fy + 0.5);
            }
        }
    }
    double mean = 0;
    int max = 0;
    if (clip.width == 2 * W && clip.height == 2 * H)
        pixel_difference(clip.first, reference, 4 * W * H, &mean, &max);
    printf("bilinear x2    vs C reference: mean |diff| %.3f, max %d\n", mean, max);
    CHECK(env->failures, clip.width == 2 * W && clip.height == 2 * H && mean < 1.0 && max <= 4,
          "bilinear png: %dx%d, mean %.3f max %d", clip.width, clip.height, mean, max);
    decoded_clip_free(&clip);
}

/* A clip closed after N frames (as the SIGINT path does) holds exactly N frames. */
static void closed_midway(test_env *env, const char *name)
{
    char path[512], err[DFV_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/%s", env->dir, name);
    dfv_export_desc desc = {.path = path, .width = 32, .height = 32, .fps = 25};
    dfv_export *ex = NULL;
    if (!dfv_export_open(&desc, &ex, err)) {
        CHECK(env->failures, false, "%s: %s", name, err);
        return;
    }
    uint8_t rgb[32 * 32 * 3];
    for (int i = 0; i < 7; i++) {
        make_frame(rgb, 32, 32, i);
        CHECK(env->failures, dfv_export_write(ex, rgb, 0, err), "%s: %s", name, err);
    }
    int64_t written = 0;
    CHECK(env->failures, dfv_export_close(ex, &written, err), "%s: %s", name, err);
    decoded_clip clip;
    bool decoded = decode_clip(path, NULL, &clip);
    CHECK(env->failures, decoded && clip.frame_count == 7 && written == 7, "%s: closed after 7, decoded %d, reported %lld",
          name, decoded ? clip.frame_count : -1, (long long)written);
    decoded_clip_free(&clip);
}

static void bad_paths(test_env *env)
{
    char err[DFV_ERR_LEN] = "";
    dfv_export *ex = NULL;
    const char *paths[] = {"/nonexistent-dfview-dir/clip.mp4", "/nonexistent-dfview-dir/%05d.png", "clip.avi",
                           "/nonexistent-dfview-dir/clip.gif"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        err[0] = '\0';
        dfv_export_desc desc = {.path = paths[i], .width = 16, .height = 16};
        bool opened = dfv_export_open(&desc, &ex, err);
        printf("open %-34s -> %s\n", paths[i], opened ? "opened" : err);
        CHECK(env->failures, !opened && ex == NULL, "%s opened", paths[i]);
        CHECK(env->failures, strstr(err, paths[i]) && !strchr(err, '\n'), "message names the path on one line: %s", err);
        if (opened)
            dfv_export_close(ex, NULL, NULL);
    }
    dfv_export_desc zero = {.path = "x.mp4", .width = 0, .height = 16};
    CHECK(env->failures, !dfv_export_open(&zero, &ex, err), "zero width accepted");
}

/* A file-size limit stands in for a full disk: the failing write reports it, close still finishes
 * the file, and what reached the disk decodes. Run in a child so the limit stays there. */
static void disk_full(test_env *env, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", env->dir, name);
    int report[2];
    if (pipe(report) != 0) {
        env->failures++;
        return;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(report[0]);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit limit = {60000, 60000};
        setrlimit(RLIMIT_FSIZE, &limit);
        char err[DFV_ERR_LEN] = "";
        dfv_export_desc desc = {.path = path, .width = 64, .height = 64, .fps = 10, .crf = 10};
        dfv_export *ex = NULL;
        if (!dfv_export_open(&desc, &ex, err))
            _exit(2);
        uint8_t rgb[64 * 64 * 3];
        int i = 0;
        for (; i < 400; i++) {
            for (size_t k = 0; k < sizeof rgb; k++) /* noise: hard to compress, fills the limit fast */
                rgb[k] = (uint8_t)((k * 2654435761u + (unsigned)i * 40503u) >> 13);
            if (!dfv_export_write(ex, rgb, 0, err))
                break;
        }
        printf("disk full: write %d failed: %s\n", i, err);
        fflush(stdout);
        int reported = i < 400 && strstr(err, "File too large") && strstr(err, path) ? 1 : 0;
        char close_err[DFV_ERR_LEN] = "";
        int64_t kept = -1;
        bool closed = dfv_export_close(ex, &kept, close_err);
        printf("disk full: close says %s, the file holds %lld frames\n", closed ? "ok" : close_err, (long long)kept);
        fflush(stdout);
        if (write(report[1], &kept, sizeof kept) != sizeof kept)
            _exit(4);
        _exit(reported && !closed ? 0 : 3);
    }
    close(report[1]);
    int64_t kept = -1;
    if (read(report[0], &kept, sizeof kept) != sizeof kept)
        kept = -1;
    close(report[0]);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(env->failures, WIFEXITED(status) && WEXITSTATUS(status) == 0, "disk full: the failing write was not reported (status %d)",
          status);
    decoded_clip clip;
    bool decoded = decode_clip(path, NULL, &clip);
    printf("disk full: %d frames of %s decode from the cut file\n", decoded ? clip.frame_count : -1, name);
    CHECK(env->failures, decoded && clip.frame_count >= 5 && clip.frame_count == kept,
          "disk full: the file holds %d decodable frames, close reported %lld", decoded ? clip.frame_count : -1,
          (long long)kept);
    decoded_clip_free(&clip);
}

/* A process killed mid-clip (no close at all) leaves a file whose complete fragments/clusters play.
 * Encoders hold up to ~25 frames of lookahead, so of 60 frames at 10 fps at least two whole
 * one-second fragments must have reached the disk. */
static void killed_midway(test_env *env, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", env->dir, name);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char err[DFV_ERR_LEN];
        dfv_export_desc desc = {.path = path, .width = 32, .height = 32, .fps = 10};
        dfv_export *ex = NULL;
        if (!dfv_export_open(&desc, &ex, err))
            _exit(2);
        uint8_t rgb[32 * 32 * 3];
        for (int i = 0; i < 60; i++) {
            make_frame(rgb, 32, 32, i);
            if (!dfv_export_write(ex, rgb, 0, err))
                _exit(3);
        }
        raise(SIGKILL);
    }
    int status = 0;
    waitpid(child, &status, 0);
    decoded_clip clip;
    bool decoded = decode_clip(path, NULL, &clip);
    printf("killed after 60 frames: %d frames of %s decode\n", decoded ? clip.frame_count : -1, name);
    CHECK(env->failures, WIFSIGNALED(status) && decoded && clip.frame_count >= 20 && clip.frame_count <= 60,
          "%s: a killed writer left %d decodable frames", name, decoded ? clip.frame_count : -1);
    decoded_clip_free(&clip);
}

/* An encoder can be forced by name; a name FFmpeg lacks is refused at open. */
static void forced_encoder(test_env *env)
{
    char path[512], err[DFV_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/forced.mp4", env->dir);
    dfv_export_desc desc = {.path = path, .width = 32, .height = 32, .encoder = "mpeg4"};
    CHECK(env->failures, write_clip(&desc, 4, NULL, err), "mpeg4: %s", err);
    decoded_clip clip;
    bool decoded = decode_clip(path, NULL, &clip);
    CHECK(env->failures, decoded && !strcmp(clip.codec, "mpeg4") && clip.frame_count == 4, "forced mpeg4: %s, %d frames",
          clip.codec, clip.frame_count);
    decoded_clip_free(&clip);
    desc.encoder = "no_such_encoder";
    dfv_export *ex = NULL;
    CHECK(env->failures, !dfv_export_open(&desc, &ex, err) && strstr(err, "no_such_encoder"), "unknown encoder: %s", err);
}

static long resident_kib(void)
{
    long pages_total = 0, pages_resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm) {
        if (fscanf(statm, "%ld %ld", &pages_total, &pages_resident) != 2)
            pages_resident = 0;
        fclose(statm);
    }
    return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void memory_flat(test_env *env)
{
    char path[512], err[DFV_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/long.mp4", env->dir);
    dfv_export_desc desc = {.path = path, .width = 32, .height = 32, .fps = 30};
    dfv_export *ex = NULL;
    if (!dfv_export_open(&desc, &ex, err)) {
        CHECK(env->failures, false, "long: %s", err);
        return;
    }
    uint8_t rgb[32 * 32 * 3];
    long after_warmup = 0;
    for (int i = 0; i < 3000; i++) {
        make_frame(rgb, 32, 32, i);
        if (!dfv_export_write(ex, rgb, 0, err))
            break;
        if (i == 500)
            after_warmup = resident_kib();
    }
    long at_end = resident_kib();
    int64_t written = 0;
    dfv_export_close(ex, &written, err);
    printf("memory: %ld KiB after 500 frames, %ld KiB after 3000\n", after_warmup, at_end);
    CHECK(env->failures, written == 3000 && at_end - after_warmup < 2048, "memory grew %ld KiB over 2500 frames",
          at_end - after_warmup);
}

int main(void)
{
    av_log_set_level(AV_LOG_ERROR); /* encoder banners are noise here; real errors still print */
    test_env env = {0};
    snprintf(env.dir, sizeof env.dir, "/tmp/dfv_media_export_XXXXXX");
    if (!mkdtemp(env.dir)) {
        perror("mkdtemp");
        return 1;
    }
    round_trip(&env, "frames_%05d.png", 48, 32, 12, 0, 0, "png");
    round_trip(&env, "clip.mp4", 48, 32, 12, 3.0, 40, "h264");
    round_trip(&env, "clip.webm", 48, 32, 12, 4.0, 60, "vp9");
    round_trip(&env, "clip.gif", 48, 32, 12, 3.0, 24, "gif");
    check_metadata(&env, "clip.mp4");
    check_metadata(&env, "clip.webm");
    round_trip(&env, "odd.mp4", 33, 17, 5, 5.0, 64, "h264");
    scaled_nearest(&env);
    scaled_bilinear(&env);
    closed_midway(&env, "midway.mp4");
    closed_midway(&env, "midway.webm");
    closed_midway(&env, "midway.gif");
    bad_paths(&env);
    disk_full(&env, "full.mp4");
    disk_full(&env, "full.webm");
    disk_full(&env, "full.gif");
    killed_midway(&env, "killed.mp4");
    killed_midway(&env, "killed.webm");
    forced_encoder(&env);
    memory_flat(&env);
    char cleanup[600];
    snprintf(cleanup, sizeof cleanup, "rm -rf '%s'", env.dir);
    if (env.failures == 0 && system(cleanup) != 0)
        fprintf(stderr, "could not remove %s\n", env.dir);
    printf("%s: %d failures\n", env.failures ? "FAIL" : "ok", env.failures);
    return env.failures ? 1 : 0;
}
