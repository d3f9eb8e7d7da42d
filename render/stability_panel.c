/* Filmstrip + drift plots; see stability_panel.h. */
#include "stability_panel.h"

#include "plot.h"

static const uint32_t panel_background = 0x181c22, film_border = 0x50606c, film_current = 0xf0c040;
static const char *const series_titles[DFV_STABILITY_SERIES] = {"CHANGE", "BRIGHTNESS", "SATURATION", "SHARPNESS"};
static const uint32_t series_colors[DFV_STABILITY_SERIES] = {0xf07050, 0xf0e070, 0x60c0f0, 0x80f080};

enum { PANEL_GAP = 4, FILM_MAX = 16 };

static int film_height(dfv_rect rect) { return rect.h * 30 / 100; }

int dfv_stability_panel_film_capacity(dfv_rect rect, int frame_width, int frame_height)
{
    int h = film_height(rect) - 2 * PANEL_GAP;
    if (h < 4 || frame_height <= 0) return 0;
    int w = h * frame_width / frame_height;
    int n = (rect.w - PANEL_GAP) / (w + PANEL_GAP);
    return n < 0 ? 0 : n > FILM_MAX ? FILM_MAX : n;
}

static void draw_film(dfv_canvas *canvas, dfv_rect rect, const dfv_stability_view *v)
{
    int capacity = dfv_stability_panel_film_capacity(rect, v->frame_width, v->frame_height);
    int h = film_height(rect) - 2 * PANEL_GAP, w = h * v->frame_width / (v->frame_height ? v->frame_height : 1);
    int shown = v->film_count < capacity ? v->film_count : capacity;
    int first = v->film_count - shown;
    for (int k = 0; k < shown; k++) {
        dfv_rect cell = {rect.x + PANEL_GAP + k * (w + PANEL_GAP), rect.y + PANEL_GAP, w, h};
        dfv_canvas_blit_rgb(canvas, cell, v->film[first + k], v->frame_width, v->frame_height, false);
        bool current = k == shown - 1;
        dfv_canvas_outline(canvas, (dfv_rect){cell.x - 1, cell.y - 1, cell.w + 2, cell.h + 2},
                           current ? film_current : film_border);
    }
}

void dfv_stability_panel_draw(dfv_canvas *canvas, dfv_rect rect, const dfv_stability_view *v)
{
    dfv_canvas_fill(canvas, rect, panel_background);
    draw_film(canvas, rect, v);
    int top = rect.y + film_height(rect);
    int plots_h = rect.y + rect.h - top;
    int cell_w = (rect.w - 3 * PANEL_GAP) / 2, cell_h = (plots_h - 3 * PANEL_GAP) / 2;
    if (cell_w < 8 || cell_h < 8) return;
    for (int s = 0; s < DFV_STABILITY_SERIES; s++) {
        dfv_rect cell = {rect.x + PANEL_GAP + (s % 2) * (cell_w + PANEL_GAP), top + PANEL_GAP + (s / 2) * (cell_h + PANEL_GAP),
                         cell_w, cell_h};
        dfv_plot_desc plot = {
            .title = series_titles[s],
            .values = v->series[s],
            .count = v->series_length,
            .color = series_colors[s],
            .mark_index = DFV_STABILITY_MARK_FRAME,
            .cursor_index = v->cursor,
            .min_span = DFV_STABILITY_MARK_FRAME + DFV_STABILITY_MARK_FRAME / 3,
            .text_scale = v->text_scale,
        };
        dfv_plot_draw(canvas, cell, &plot);
    }
}
