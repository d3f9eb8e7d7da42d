/* Per-frame statistic plots; see plot.h. */
#include "plot.h"

#include <math.h>
#include <stdio.h>

static const uint32_t plot_background = 0x101418, plot_border = 0x3a4450, plot_text = 0xc8d0d8;
static const uint32_t mark_color = 0xd04040, cursor_color = 0xe0e0e0;

enum { PLOT_PAD = 3 };

static dfv_rect plot_area(dfv_rect rect, int text_scale)
{
    int top = dfv_text_height(text_scale) + PLOT_PAD;
    return (dfv_rect){rect.x + PLOT_PAD, rect.y + top, rect.w - 2 * PLOT_PAD, rect.h - top - PLOT_PAD};
}

static int axis_span(const dfv_plot_desc *d)
{
    int span = d->count > d->min_span ? d->count : d->min_span;
    return span > 1 ? span : 2;
}

int dfv_plot_x_of(dfv_rect rect, const dfv_plot_desc *desc, int index)
{
    dfv_rect area = plot_area(rect, desc->text_scale);
    return area.x + (int)((int64_t)index * (area.w - 1) / (axis_span(desc) - 1));
}

static void value_range(const dfv_plot_desc *d, float *lo, float *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < d->count; i++) {
        if (isnan(d->values[i])) continue;
        if (d->values[i] < *lo) *lo = d->values[i];
        if (d->values[i] > *hi) *hi = d->values[i];
    }
    if (!(*lo <= *hi)) *lo = 0, *hi = 1;
    /* A flat series gets a small range around it, relative to its size (a float cannot add 1e-6 to 359). */
    float floor_range = fmaxf(1e-6f, fabsf(*lo) * 1e-3f);
    if (*hi - *lo < floor_range) *hi = *lo + floor_range;
}

/* The row of value v (clamped into the area); -1 for NaN. */
static int y_of(dfv_rect area, float v, float lo, float hi)
{
    if (isnan(v)) return -1;
    float t = (v - lo) / (hi - lo);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return area.y + area.h - 1 - (int)(t * (float)(area.h - 1) + 0.5f);
}

static void draw_series(dfv_canvas *canvas, dfv_rect area, const dfv_plot_desc *d, float lo, float hi)
{
    int span = axis_span(d);
    int previous_y = -1;
    for (int px = 0; px < area.w; px++) {
        /* Frames falling on this column: [first, last]. */
        int first = (int)((int64_t)px * (span - 1) / (area.w > 1 ? area.w - 1 : 1));
        int last = (int)((int64_t)(px + 1) * (span - 1) / (area.w > 1 ? area.w - 1 : 1)) - 1;
        if (last < first) last = first;
        if (first >= d->count) break;
        if (last >= d->count) last = d->count - 1;
        float vmin = INFINITY, vmax = -INFINITY;
        for (int i = first; i <= last; i++)
            if (!isnan(d->values[i])) vmin = fminf(vmin, d->values[i]), vmax = fmaxf(vmax, d->values[i]);
        if (vmin > vmax) {
            previous_y = -1;
            continue;
        }
        int y_top = y_of(area, vmax, lo, hi), y_bottom = y_of(area, vmin, lo, hi);
        if (previous_y >= 0) {
            /* Join to the previous column so steep changes stay continuous. */
            if (previous_y < y_top) y_top = previous_y;
            if (previous_y > y_bottom) y_bottom = previous_y;
        }
        dfv_canvas_fill(canvas, (dfv_rect){area.x + px, y_top, 1, y_bottom - y_top + 1}, d->color);
        previous_y = y_of(area, d->values[last], lo, hi);
    }
}

void dfv_plot_draw(dfv_canvas *canvas, dfv_rect rect, const dfv_plot_desc *d)
{
    dfv_canvas_fill(canvas, rect, plot_background);
    dfv_canvas_outline(canvas, rect, plot_border);
    dfv_rect area = plot_area(rect, d->text_scale);
    if (area.w < 4 || area.h < 4) return;
    float lo, hi;
    value_range(d, &lo, &hi);
    char label[160];
    float latest = d->count ? d->values[d->count - 1] : NAN;
    snprintf(label, sizeof label, "%s %.4g", d->title, (double)latest);
    dfv_canvas_text(canvas, rect.x + PLOT_PAD, rect.y + PLOT_PAD, d->text_scale, plot_text, label);
    if (d->mark_index >= 0 && d->mark_index < axis_span(d)) {
        int x = dfv_plot_x_of(rect, d, d->mark_index);
        for (int y = area.y; y < area.y + area.h; y += 3) dfv_canvas_fill(canvas, (dfv_rect){x, y, 1, 2}, mark_color);
        char mark[16];
        snprintf(mark, sizeof mark, "%d", d->mark_index);
        dfv_canvas_text(canvas, x + 2, area.y, d->text_scale, mark_color, mark);
    }
    if (d->cursor_index >= 0 && d->cursor_index < d->count) {
        int x = dfv_plot_x_of(rect, d, d->cursor_index);
        dfv_canvas_fill(canvas, (dfv_rect){x, area.y, 1, area.h}, cursor_color);
    }
    draw_series(canvas, area, d, lo, hi);
}
