#include "eval_plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "canvas.h"

static const uint32_t background = 0x101418, axis_color = 0x5a6470, grid_color = 0x252c34, text_color = 0xd8dee4;
static const uint32_t model_color = 0x4fc3f7, baseline_color = 0xffa040, mark_color = 0xd04040;

enum { TEXT_SCALE = 2, LEFT = 80, RIGHT = 24 };

typedef struct {
    dfv_rect area;
    int frames;
    double lo, hi;
} plot_axes;

static int x_of(const plot_axes *a, int k)
{
    if (a->frames < 2) return a->area.x + a->area.w / 2;
    return a->area.x + (int)((int64_t)(k - 1) * (a->area.w - 1) / (a->frames - 1));
}

/* Values beyond the axis (an infinite PSNR for an exact match) sit on its edge. */
static int y_of(const plot_axes *a, double v)
{
    double f = (v - a->lo) / (a->hi - a->lo);
    f = isnan(f) ? 0 : f < 0 ? 0 : f > 1 ? 1 : f;
    return a->area.y + a->area.h - 1 - (int)lround(f * (a->area.h - 1));
}

/* 1, 2 or 5 times a power of ten, near span / 5. */
static double nice_step(double span)
{
    double raw = span / 5, power = pow(10, floor(log10(raw))), unit = raw / power;
    return power * (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10);
}

static void draw_axes(dfv_canvas *c, const plot_axes *a, const char *title, int decimals)
{
    dfv_canvas_text(c, a->area.x, a->area.y - dfv_text_height(TEXT_SCALE) - 6, TEXT_SCALE, text_color, title);
    double step = nice_step(a->hi - a->lo);
    char label[32];
    for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-6; v += step) {
        int y = y_of(a, v);
        dfv_canvas_line(c, a->area.x, y, a->area.x + a->area.w - 1, y, grid_color);
        snprintf(label, sizeof label, "%.*f", decimals, fabs(v) < step * 1e-6 ? 0.0 : v);
        dfv_canvas_text(c, a->area.x - dfv_text_width(label, TEXT_SCALE) - 8, y - dfv_text_height(TEXT_SCALE) / 2,
                        TEXT_SCALE, text_color, label);
    }
    if (a->frames >= DFV_EVAL_PLOT_MARK_FRAME) {
        int x = x_of(a, DFV_EVAL_PLOT_MARK_FRAME);
        dfv_canvas_line(c, x, a->area.y, x, a->area.y + a->area.h - 1, mark_color);
        dfv_canvas_text(c, x + 4, a->area.y + 4, TEXT_SCALE, mark_color, "72");
    }
    dfv_canvas_outline(c, a->area, axis_color);
}

static void draw_frame_ticks(dfv_canvas *c, const plot_axes *a)
{
    int step = (int)nice_step(a->frames > 5 ? a->frames : 5);
    char label[32];
    for (int k = 1; k <= a->frames; k = k == 1 && step > 1 ? step : k + step) {
        int x = x_of(a, k), y = a->area.y + a->area.h;
        dfv_canvas_line(c, x, y, x, y + 4, axis_color);
        snprintf(label, sizeof label, "%d", k);
        dfv_canvas_text(c, x - dfv_text_width(label, TEXT_SCALE) / 2, y + 8, TEXT_SCALE, text_color, label);
    }
    const char *caption = "FRAME (1 = FIRST GENERATED)";
    dfv_canvas_text(c, a->area.x + (a->area.w - dfv_text_width(caption, TEXT_SCALE)) / 2,
                    a->area.y + a->area.h + 14 + dfv_text_height(TEXT_SCALE), TEXT_SCALE, text_color, caption);
}

static void draw_series(dfv_canvas *c, const plot_axes *a, const double *values, uint32_t color)
{
    for (int k = 1; k <= a->frames; k++) {
        int x = x_of(a, k), y = y_of(a, values[k - 1]);
        if (k > 1) dfv_canvas_line(c, x_of(a, k - 1), y_of(a, values[k - 2]), x, y, color);
        if (a->frames <= 32) dfv_canvas_fill(c, (dfv_rect){x - 2, y - 2, 5, 5}, color);
    }
}

/* The finite range of two series, widened to `at_least` and padded to whole steps. */
static void fit_range(const double *a, const double *b, int n, double floor_lo, double at_least_hi, double *lo, double *hi)
{
    *lo = floor_lo, *hi = at_least_hi;
    for (int i = 0; i < n; i++) {
        const double v[2] = {a[i], b[i]};
        for (int j = 0; j < 2; j++)
            if (isfinite(v[j])) *lo = v[j] < *lo ? v[j] : *lo, *hi = v[j] > *hi ? v[j] : *hi;
    }
    double step = nice_step(*hi - *lo);
    *lo = floor(*lo / step) * step;
    *hi = ceil(*hi / step) * step;
}

static void draw_legend(dfv_canvas *c, int x, int y)
{
    dfv_canvas_fill(c, (dfv_rect){x, y + 5, 24, 4}, model_color);
    x += 30 + dfv_canvas_text(c, x + 30, y, TEXT_SCALE, text_color, "MODEL") + 24;
    dfv_canvas_fill(c, (dfv_rect){x, y + 5, 24, 4}, baseline_color);
    dfv_canvas_text(c, x + 30, y, TEXT_SCALE, text_color, "REPEAT LAST CONTEXT FRAME");
}

int dfv_eval_plot_draw(const dfv_eval *eval, uint8_t *rgb)
{
    int n = dfv_eval_get_shape(eval)->frames;
    double *series = malloc(sizeof(double) * (size_t)n * 4);
    dfv_canvas c = {0};
    if (!series || !dfv_canvas_resize(&c, DFV_EVAL_PLOT_WIDTH, DFV_EVAL_PLOT_HEIGHT)) return free(series), -1;
    double *psnr = series, *base_psnr = series + n, *ssim = series + 2 * n, *base_ssim = series + 3 * n;
    for (int k = 1; k <= n; k++) {
        dfv_eval_frame m = dfv_eval_frame_mean(eval, k);
        psnr[k - 1] = m.psnr, base_psnr[k - 1] = m.baseline_psnr, ssim[k - 1] = m.ssim, base_ssim[k - 1] = m.baseline_ssim;
    }
    dfv_canvas_fill(&c, (dfv_rect){0, 0, c.width, c.height}, background);
    char title[96];
    snprintf(title, sizeof title, "DFVIEW EVAL: %d EPISODE%s X %d FRAMES", dfv_eval_episodes(eval),
             dfv_eval_episodes(eval) == 1 ? "" : "S", n);
    dfv_canvas_text(&c, LEFT, 10, TEXT_SCALE, text_color, title);
    draw_legend(&c, LEFT, 34);
    int width = DFV_EVAL_PLOT_WIDTH - LEFT - RIGHT;
    plot_axes top = {.area = {LEFT, 90, width, 190}, .frames = n};
    fit_range(psnr, base_psnr, n, 0, 20, &top.lo, &top.hi);
    plot_axes bottom = {.area = {LEFT, 320, width, 170}, .frames = n};
    fit_range(ssim, base_ssim, n, 0, 1, &bottom.lo, &bottom.hi);
    draw_axes(&c, &top, "PSNR (DB) VS GROUND TRUTH", 0);
    draw_axes(&c, &bottom, "SSIM VS GROUND TRUTH", 1);
    draw_series(&c, &top, base_psnr, baseline_color);
    draw_series(&c, &top, psnr, model_color);
    draw_series(&c, &bottom, base_ssim, baseline_color);
    draw_series(&c, &bottom, ssim, model_color);
    draw_frame_ticks(&c, &bottom);
    bool exact = false;
    for (int i = 0; i < n; i++) exact |= isinf(psnr[i]) || isinf(base_psnr[i]);
    if (exact) {
        const char *note = "INF (EXACT MATCH) ON THE TOP EDGE";
        dfv_canvas_text(&c, top.area.x + top.area.w - dfv_text_width(note, TEXT_SCALE), top.area.y - dfv_text_height(TEXT_SCALE) - 6,
                        TEXT_SCALE, text_color, note);
    }
    dfv_canvas_to_rgb(&c, rgb);
    dfv_canvas_free(&c);
    free(series);
    return 0;
}

int dfv_eval_plot_write(const dfv_eval *eval, const char *path, dfv_png_writer write_png, char err[DFV_ERR_LEN])
{
    uint8_t *rgb = malloc((size_t)DFV_EVAL_PLOT_WIDTH * DFV_EVAL_PLOT_HEIGHT * 3);
    if (!rgb || dfv_eval_plot_draw(eval, rgb)) {
        free(rgb);
        dfv_error_set(err, "%s: out of memory drawing the plot", path);
        return -1;
    }
    bool ok = write_png(path, rgb, DFV_EVAL_PLOT_WIDTH, DFV_EVAL_PLOT_HEIGHT, err);
    free(rgb);
    return ok ? 0 : -1;
}
