/* dfview eval's scoring on synthetic videos, without a model: identical videos give infinite PSNR and SSIM
 * 1; a held frame scores exactly as the baseline; content moving right follows turn_left and not
 * turn_right; PSNR pools squared errors over episodes; range means, end statistics, the CSV rows and
 * the plot. Expected values are computed here from first principles, not read back from the code. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dataset.h"
#include "eval.h"
#include "eval_plot.h"
#include "eval_report.h"
#include "eval_sheet.h"
#include "png.h"

enum { SIZE = 32, CONTEXT = 2 };
static bool write_png(const char *path, const uint8_t *rgb, int width, int height, char *err)
{
    return dfv_png_write(path, rgb, width, height, 0, err);
}

static const size_t frame_bytes = (size_t)SIZE * SIZE * 3;

static dfv_eval *make_eval(int frames)
{
    dfv_eval_shape shape = {.kind = DFV_WORLD_MAZE, .width = SIZE, .height = SIZE, .context = CONTEXT, .frames = frames};
    dfv_eval *e = NULL;
    char err[DFV_ERR_LEN];
    if (dfv_eval_create(&shape, &e, err)) fprintf(stderr, "%s\n", err);
    return e;
}

/* A maze episode of context + frames frames with its actions (caller frees both). */
static int maze_episode(uint64_t seed, int frames, uint8_t **rgb, float **actions)
{
    int total = CONTEXT + frames;
    *rgb = malloc(frame_bytes * total);
    *actions = malloc(sizeof(float) * total * dfv_world_action_count(DFV_WORLD_MAZE));
    char err[DFV_ERR_LEN];
    if (dfv_dataset_episode(DFV_WORLD_MAZE, seed, total, SIZE, *rgb, *actions, err)) return fprintf(stderr, "%s\n", err), -1;
    return 0;
}

static void set_action(float *rows, int t, const char *name)
{
    int count = dfv_world_action_count(DFV_WORLD_MAZE);
    memset(rows + (size_t)t * count, 0, sizeof(float) * count);
    rows[(size_t)t * count + dfv_world_action_index(DFV_WORLD_MAZE, name)] = 1;
}

static int check_identical(void)
{
    int failures = 0, frames = 40;
    uint8_t *truth;
    float *actions;
    dfv_eval *e = make_eval(frames);
    if (!e || maze_episode(7, frames, &truth, &actions)) return 1;
    dfv_eval_add_episode(e, truth, truth, actions);
    int turns = 0;
    for (int k = 1; k <= frames; k++) {
        dfv_eval_frame m = dfv_eval_frame_mean(e, k);
        CHECK(failures, isinf(m.psnr) && m.psnr > 0, "frame %d: PSNR %g, want +inf", k, m.psnr);
        CHECK(failures, m.ssim == 1.0, "frame %d: SSIM %.17g, want 1", k, m.ssim);
        CHECK(failures, m.turns_followed[0] == m.turns_followed[1], "frame %d: identical frames follow turns differently", k);
        CHECK(failures, m.brightness[0] == m.brightness[1] && m.sharpness[0] == m.sharpness[1], "frame %d: statistics differ", k);
        turns += dfv_eval_turn_direction(DFV_WORLD_MAZE, actions + (size_t)(CONTEXT - 1 + k) * 7) != 0;
        CHECK(failures, m.episodes == 1, "frame %d counts %d episodes", k, m.episodes);
    }
    dfv_eval_summary s;
    dfv_eval_summarize(e, &s);
    CHECK(failures, s.turns == turns, "summary counts %d turn frames, the actions hold %d", s.turns, turns);
    CHECK(failures, turns == 0 || s.agreement[0] == s.agreement[1], "agreement %g vs %g", s.agreement[0], s.agreement[1]);
    CHECK(failures, s.end_within[0] && s.end_within[1] && s.end_within[2], "identical statistics reported out of tolerance");
    CHECK(failures, isinf(s.ranges[0].psnr) && s.ranges[0].ssim == 1.0, "range 1-16: %g dB, SSIM %g", s.ranges[0].psnr, s.ranges[0].ssim);
    free(truth), free(actions), dfv_eval_destroy(e);
    return failures;
}

/* A model that holds its last context frame is the baseline, figure for figure, and never turns. */
static int check_still(void)
{
    int failures = 0, frames = 30;
    uint8_t *truth;
    float *actions;
    dfv_eval *e = make_eval(frames);
    if (!e || maze_episode(3, frames, &truth, &actions)) return 1;
    uint8_t *model = malloc(frame_bytes * (CONTEXT + frames));
    for (int t = 0; t < CONTEXT + frames; t++) memcpy(model + frame_bytes * t, truth + frame_bytes * (t < CONTEXT ? t : CONTEXT - 1), frame_bytes);
    for (int t = CONTEXT; t < CONTEXT + frames; t += 3) set_action(actions, t, "turn_left"); /* some turns for sure */
    dfv_eval_add_episode(e, truth, model, actions);
    for (int k = 1; k <= frames; k++) {
        dfv_eval_frame m = dfv_eval_frame_mean(e, k);
        CHECK(failures, m.psnr == m.baseline_psnr && m.ssim == m.baseline_ssim, "frame %d: %g/%g dB vs baseline %g/%g", k,
              m.psnr, m.ssim, m.baseline_psnr, m.baseline_ssim);
        CHECK(failures, m.turns_followed[0] == 0, "frame %d: a frozen model followed a turn", k);
    }
    dfv_eval_summary s;
    dfv_eval_summarize(e, &s);
    CHECK(failures, s.turns >= frames / 3 && s.agreement[0] == 0, "%d turns, agreement %g", s.turns, s.agreement[0]);
    CHECK(failures, !dfv_eval_check_targets(&s).beats_baseline, "equal to the baseline counted as above it");
    free(truth), free(model), free(actions), dfv_eval_destroy(e);
    return failures;
}

/* A random texture rolled `shift` pixels to the right per frame. */
static void rolling_video(uint8_t *rgb, int count, int shift, unsigned seed)
{
    uint8_t *base = malloc(frame_bytes);
    for (size_t i = 0; i < frame_bytes; i++) base[i] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 16);
    for (int t = 0; t < count; t++)
        for (int y = 0; y < SIZE; y++)
            for (int x = 0; x < SIZE; x++) {
                int from = (((x - shift * t) % SIZE) + SIZE) % SIZE;
                memcpy(rgb + frame_bytes * t + ((size_t)y * SIZE + x) * 3, base + ((size_t)y * SIZE + from) * 3, 3);
            }
    free(base);
}

/* Turning left brings what was on the left into view: content moves right. */
static int check_turn_sign(void)
{
    int failures = 0, frames = 12, total = CONTEXT + frames;
    uint8_t *right = malloc(frame_bytes * total), *left = malloc(frame_bytes * total);
    float *actions = calloc((size_t)total * 7, sizeof(float));
    rolling_video(right, total, 3, 11);
    rolling_video(left, total, -3, 11);
    const char *turns[2] = {"turn_left", "turn_right"};
    for (int which = 0; which < 2; which++) {
        dfv_eval *e = make_eval(frames);
        if (!e) return 1;
        for (int t = 0; t < total; t++) set_action(actions, t, t % 2 ? turns[which] : "forward");
        dfv_eval_add_episode(e, right, left, actions); /* truth moves right, the "model" left */
        dfv_eval_summary s;
        dfv_eval_summarize(e, &s);
        double want_truth = which == 0 ? 1 : 0, want_model = 1 - want_truth;
        CHECK(failures, s.turns == frames / 2, "%s: %d turn frames, want %d", turns[which], s.turns, frames / 2);
        CHECK(failures, s.agreement[DFV_EVAL_TRUTH] == want_truth && s.agreement[DFV_EVAL_MODEL] == want_model,
              "%s: content moving right agrees %g, moving left %g", turns[which], s.agreement[DFV_EVAL_TRUTH],
              s.agreement[DFV_EVAL_MODEL]);
        dfv_eval_destroy(e);
    }
    free(right), free(left), free(actions);
    return failures;
}

/* Flat grey videos with a known error per frame: PSNR is that of the squared error pooled over episodes,
 * ranges average the frames, and a darkened model fails the end-brightness check. */
static int check_known_errors(void)
{
    int failures = 0, frames = 80, total = CONTEXT + frames;
    uint8_t *truth = malloc(frame_bytes * total), *exact = malloc(frame_bytes * total), *off = malloc(frame_bytes * total);
    float *actions = calloc((size_t)total * 7, sizeof(float));
    for (int t = 0; t < total; t++) {
        int error = t < CONTEXT ? 0 : 1 + (t - CONTEXT) % 20; /* frame k is off by 1 + (k-1) % 20 */
        memset(truth + frame_bytes * t, 100 + (t == CONTEXT - 1 ? 0 : 6), frame_bytes);
        memset(exact + frame_bytes * t, 100 + (t == CONTEXT - 1 ? 0 : 6), frame_bytes);
        memset(off + frame_bytes * t, t < CONTEXT ? 100 + (t == CONTEXT - 1 ? 0 : 6) : 106 - error, frame_bytes);
        set_action(actions, t, "forward");
    }
    dfv_eval *e = make_eval(frames);
    if (!e) return 1;
    dfv_eval_add_episode(e, truth, exact, actions);
    dfv_eval_add_episode(e, truth, off, actions);
    double sum_early = 0, sum_mid = 0;
    for (int k = 1; k <= frames; k++) {
        double err = 1 + (k - 1) % 20, want = 10 * log10(255.0 * 255.0 / (err * err / 2));
        dfv_eval_frame m = dfv_eval_frame_mean(e, k);
        CHECK(failures, fabs(m.psnr - want) < 1e-9, "frame %d: %.12g dB, want %.12g", k, m.psnr, want);
        /* The baseline holds grey 100 against grey 106 in both episodes. */
        CHECK(failures, fabs(m.baseline_psnr - 10 * log10(255.0 * 255.0 / 36)) < 1e-9, "frame %d baseline %g", k, m.baseline_psnr);
        if (k <= 16) sum_early += want;
        else if (k <= 72) sum_mid += want;
    }
    dfv_eval_summary s;
    dfv_eval_summarize(e, &s);
    CHECK(failures, s.range_count == 3 && s.ranges[2].first == 73 && s.ranges[2].last == 80, "ranges: %d, last %d-%d",
          s.range_count, s.ranges[2].first, s.ranges[2].last);
    CHECK(failures, fabs(s.ranges[0].psnr - sum_early / 16) < 1e-9 && fabs(s.ranges[1].psnr - sum_mid / 56) < 1e-9,
          "range means %g %g, want %g %g", s.ranges[0].psnr, s.ranges[1].psnr, sum_early / 16, sum_mid / 56);
    CHECK(failures, s.end_first == 71, "end window starts at %d, want 71", s.end_first);
    /* The off episode is darker by up to 20/106 at the end: mean model brightness stays within 20%. */
    CHECK(failures, s.end_within[0] && s.end_brightness[0] < s.end_brightness[1], "end brightness %g vs %g",
          s.end_brightness[0], s.end_brightness[1]);
    CHECK(failures, s.turns == 0 && isnan(s.agreement[0]), "no turns expected");
    dfv_eval_destroy(e);

    /* A model collapsing to black fails the tolerance; a short rollout has only the first range. */
    e = make_eval(10);
    memset(off + frame_bytes * CONTEXT, 0, frame_bytes * 10);
    dfv_eval_add_episode(e, truth, off, actions);
    dfv_eval_summarize(e, &s);
    CHECK(failures, !s.end_within[0] && !dfv_eval_check_targets(&s).no_collapse, "black frames passed the brightness check");
    CHECK(failures, s.range_count == 1 && s.ranges[0].last == 10 && s.end_first == 1, "short rollout: %d ranges, last %d",
          s.range_count, s.ranges[0].last);
    CHECK(failures, dfv_eval_within_tolerance(1.19, 1.0) && !dfv_eval_within_tolerance(1.21, 1.0) &&
                        dfv_eval_within_tolerance(0, 0), "tolerance edges");
    dfv_eval_destroy(e);
    free(truth), free(exact), free(off), free(actions);
    return failures;
}

static int check_files(const char *dir)
{
    int failures = 0, frames = 20;
    uint8_t *truth;
    float *actions;
    dfv_eval *e = make_eval(frames);
    if (!e || maze_episode(5, frames, &truth, &actions)) return 1;
    dfv_eval_add_episode(e, truth, truth, actions);
    char path[512], err[DFV_ERR_LEN], line[1024];
    snprintf(path, sizeof path, "%s/test_eval.csv", dir);
    CHECK(failures, dfv_eval_write_csv(e, path, err) == 0, "%s", err);
    FILE *f = fopen(path, "r");
    int rows = 0, bad = 0;
    if (f && fgets(line, sizeof line, f)) {
        CHECK(failures, !strncmp(line, "frame,episodes,psnr,ssim,baseline_psnr", 38), "header: %s", line);
        while (fgets(line, sizeof line, f)) {
            rows++;
            int k, episodes;
            char psnr[32];
            double ssim;
            bad += sscanf(line, "%d,%d,%31[^,],%lf", &k, &episodes, psnr, &ssim) != 4 || k != rows || episodes != 1 ||
                   !isinf(strtod(psnr, NULL)) || ssim != 1.0;
        }
    }
    if (f) fclose(f);
    CHECK(failures, rows == frames && bad == 0, "%d rows (want %d), %d wrong", rows, frames, bad);
    /* Read back (for --replot): the figures survive to the CSV's precision. */
    dfv_eval *back = NULL;
    CHECK(failures, dfv_eval_read_csv(path, dfv_eval_get_shape(e), &back, err) == 0, "%s", err);
    for (int k = 1; back && k <= frames; k++) {
        dfv_eval_frame a = dfv_eval_frame_mean(e, k), b = dfv_eval_frame_mean(back, k);
        CHECK(failures, isinf(b.psnr) && fabs(a.baseline_psnr - b.baseline_psnr) < 1e-4 && fabs(a.ssim - b.ssim) < 1e-5 &&
                            fabs(a.sharpness[1] - b.sharpness[1]) < 1e-3 && a.turns == b.turns && b.episodes == 1,
              "frame %d read back as %g dB / %g, want %g / %g", k, b.baseline_psnr, b.ssim, a.baseline_psnr, a.ssim);
    }
    CHECK(failures, back && dfv_eval_get_shape(back)->frames == frames && dfv_eval_episodes(back) == 1, "read-back shape");
    dfv_eval_destroy(back);
    f = fopen(path, "a");
    if (f) fputs("21,1,nonsense\n", f), fclose(f);
    CHECK(failures, dfv_eval_read_csv(path, dfv_eval_get_shape(e), &back, err) == -1 && strstr(err, ":22:"),
          "a bad row was accepted: %s", err);
    snprintf(path, sizeof path, "%s/test_eval.csv", "/nonexistent-dir");
    CHECK(failures, dfv_eval_write_csv(e, path, err) == -1 && strstr(err, "/nonexistent-dir"), "unwritable path: %s", err);

    uint8_t *rgb = malloc((size_t)DFV_EVAL_PLOT_WIDTH * DFV_EVAL_PLOT_HEIGHT * 3);
    CHECK(failures, dfv_eval_plot_draw(e, rgb) == 0, "plot failed");
    int model_pixels = 0; /* the model's curve colour (0x4fc3f7) is on the image */
    for (size_t i = 0; i < (size_t)DFV_EVAL_PLOT_WIDTH * DFV_EVAL_PLOT_HEIGHT; i++)
        model_pixels += rgb[i * 3] == 0x4f && rgb[i * 3 + 1] == 0xc3 && rgb[i * 3 + 2] == 0xf7;
    CHECK(failures, model_pixels > 100, "only %d pixels of the model curve", model_pixels);
    snprintf(path, sizeof path, "%s/test_eval.png", dir);
    CHECK(failures, dfv_eval_plot_write(e, path, write_png, err) == 0, "%s", err);
    f = fopen(path, "rb");
    unsigned char sig[8] = {0};
    if (f) {
        CHECK(failures, fread(sig, 1, 8, f) == 8, "short png");
        fclose(f);
    }
    CHECK(failures, !memcmp(sig, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", path);
    free(rgb), free(truth), free(actions), dfv_eval_destroy(e);
    return failures;
}

/* The contact sheet: every tile is the right frame of the right row, scaled by a whole factor. Frames are
 * flat colours that name (episode, frame, side), so each tile's centre and corners say which it holds. */
static void name_frame(uint8_t *rgb, int episode, int t, int side)
{
    for (size_t i = 0; i < frame_bytes / 3; i++) {
        rgb[3 * i] = (uint8_t)t, rgb[3 * i + 1] = (uint8_t)(episode * 16 + side), rgb[3 * i + 2] = 200;
    }
}

static int check_sheet(const char *dir)
{
    int failures = 0, frames = 300, total = CONTEXT + frames;
    dfv_eval_shape shape = {.kind = DFV_WORLD_MAZE, .width = SIZE, .height = SIZE, .context = CONTEXT, .frames = frames};
    dfv_eval_sheet *sheet = dfv_eval_sheet_create(&shape);
    uint8_t *truth = malloc(frame_bytes * total), *model = malloc(frame_bytes * total);
    CHECK(failures, sheet && truth && model, "out of memory");
    if (failures) return failures;
    /* Columns: the last context frame, then every 30th generated frame up to the last. */
    for (int c = 0; c < DFV_EVAL_SHEET_COLUMNS; c++)
        CHECK(failures, dfv_eval_sheet_frame(&shape, c) == CONTEXT - 1 + 30 * c, "column %d shows frame %d", c,
              dfv_eval_sheet_frame(&shape, c));
    for (int e = 0; e < DFV_EVAL_SHEET_EPISODES + 1; e++) {
        for (int t = 0; t < total; t++) {
            name_frame(truth + frame_bytes * t, e, t % 256, 1);
            name_frame(model + frame_bytes * t, e, t % 256, 2);
        }
        dfv_eval_sheet_add_episode(sheet, truth, model);
    }
    int width, height, tile = 3 * SIZE; /* 32 px scaled by 3 reaches the 96-px minimum */
    const uint8_t *rgb = dfv_eval_sheet_pixels(sheet, &width, &height);
    int episode_height = 2 * tile + DFV_EVAL_SHEET_GAP + DFV_EVAL_SHEET_EPISODE_GAP;
    CHECK(failures, width == 11 * tile + 10 * DFV_EVAL_SHEET_GAP, "width %d", width);
    CHECK(failures, height == 4 * episode_height - DFV_EVAL_SHEET_EPISODE_GAP, "height %d (4 episodes only)", height);
    for (int e = 0; e < DFV_EVAL_SHEET_EPISODES; e++)
        for (int side = 1; side <= 2; side++)
            for (int c = 0; c < DFV_EVAL_SHEET_COLUMNS; c++) {
                int x0 = c * (tile + DFV_EVAL_SHEET_GAP), y0 = e * episode_height + (side - 1) * (tile + DFV_EVAL_SHEET_GAP);
                int t = (CONTEXT - 1 + 30 * c) % 256;
                int xs[3] = {x0, x0 + tile / 2, x0 + tile - 1}, ys[3] = {y0, y0 + tile / 2, y0 + tile - 1};
                for (int i = 0; i < 9; i++) {
                    const uint8_t *p = rgb + ((size_t)ys[i / 3] * width + xs[i % 3]) * 3;
                    CHECK(failures, p[0] == t && p[1] == e * 16 + side && p[2] == 200,
                          "episode %d side %d column %d: pixel (%d,%d) = %d,%d,%d", e, side, c, xs[i % 3], ys[i / 3],
                          p[0], p[1], p[2]);
                    if (failures) break;
                }
            }
    /* The gap between two columns is background, not a frame. */
    const uint8_t *gap = rgb + (size_t)tile * 3;
    CHECK(failures, gap[2] != 200, "the gap after column 0 holds a frame");
    char path[4200], err[DFV_ERR_LEN];
    snprintf(path, sizeof path, "%s/sheet.png", dir);
    CHECK(failures, dfv_eval_sheet_write(sheet, path, write_png, err) == 0, "%s", err);
    dfv_eval_sheet_destroy(sheet);
    free(truth), free(model);
    return failures;
}

/* A non-square video episode without actions (eval --video): a frame off by 3 in every value has the MSE
 * 9 (PSNR 10·log10(255²/9)), nothing counts as a turn, and the sheet scales by the shorter side (16 px → 6). */
static int check_video_shape(void)
{
    enum { W = 24, H = 16, FRAMES = 4 };
    int failures = 0, total = CONTEXT + FRAMES;
    size_t fb = (size_t)W * H * 3;
    dfv_eval_shape shape = {.kind = DFV_WORLD_MAZE, .width = W, .height = H, .context = CONTEXT, .frames = FRAMES};
    dfv_eval *e = NULL;
    char err[DFV_ERR_LEN];
    uint8_t *truth = malloc(fb * total), *model = malloc(fb * total);
    CHECK(failures, truth && model && !dfv_eval_create(&shape, &e, err), "video shape: %s", err);
    if (failures) return free(truth), free(model), failures;
    for (size_t i = 0; i < fb * total; i++) truth[i] = (uint8_t)(40 + (i * 7) % 160), model[i] = truth[i] + 3;
    memcpy(model, truth, fb * CONTEXT);
    dfv_eval_add_episode(e, truth, model, NULL);
    dfv_eval_summary s;
    dfv_eval_summarize(e, &s);
    double want = 10 * log10(255.0 * 255.0 / 9);
    CHECK(failures, fabs(s.psnr - want) < 1e-9 && s.turns == 0 && isnan(s.agreement[DFV_EVAL_MODEL]),
          "video shape: psnr %.6f (want %.6f), turns %d", s.psnr, want, s.turns);
    dfv_eval_sheet *sheet = dfv_eval_sheet_create(&shape);
    int width = 0, height = 0;
    if (sheet) dfv_eval_sheet_add_episode(sheet, truth, model), dfv_eval_sheet_pixels(sheet, &width, &height);
    CHECK(failures, width == 11 * W * 6 + 10 * DFV_EVAL_SHEET_GAP && height == 2 * H * 6 + DFV_EVAL_SHEET_GAP,
          "video sheet is %dx%d", width, height);
    dfv_eval_sheet_destroy(sheet);
    dfv_eval_destroy(e);
    free(truth), free(model);
    return failures;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int failures = check_identical() + check_still() + check_turn_sign() + check_known_errors() + check_files(dir) +
                   check_sheet(dir) + check_video_shape();
    dfv_eval_shape bad = {.kind = DFV_WORLD_MAZE, .width = 32, .height = 32, .context = 0, .frames = 5};
    dfv_eval *e;
    char err[DFV_ERR_LEN];
    CHECK(failures, dfv_eval_create(&bad, &e, err) == -1 && e == NULL && strstr(err, "context 0"), "bad shape: %s", err);
    if (failures) fprintf(stderr, "test_eval: %d failure(s)\n", failures);
    else printf("test_eval: ok\n");
    return failures ? 1 : 0;
}
