/* The viewer's picture: the frame scaled with its aspect kept, the HUD, the stability panel and the
 * history bar, composed on the canvas each UI frame. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hud.h"
#include "stability_panel.h"
#include "timeline_bar.h"
#include "viewer_state.h"

enum { MAX_FORKS = 64, HUD_LINES = 10, FPS_HORIZON_MS = 3000 };

static const uint32_t background = 0x000000;

/* Frames per second over the last few seconds; a slow model (a frame every few seconds) is measured over
 * its last two frames instead. 0 before two frames. */
static double frames_per_second(const dfv_viewer *v)
{
    double now = dfv_now_ms();
    int first = v->finish_count;
    while (first > 0 && now - v->finish_times[first - 1] < FPS_HORIZON_MS) first--;
    if (v->finish_count - first < 2) first = v->finish_count - 2;
    if (first < 0) return 0;
    int n = v->finish_count - first;
    double span = v->finish_times[v->finish_count - 1] - v->finish_times[first];
    return span > 0 ? (n - 1) * 1000.0 / span : 0;
}

/* "FPS 12.5" while a frame takes under a second, "4.2 S/FRAME" for slower sources. */
static void format_rate(double fps, char *text, size_t len)
{
    if (fps <= 0) snprintf(text, len, "FPS -");
    else if (fps >= 1) snprintf(text, len, "FPS %.1f", fps);
    else snprintf(text, len, "%.1f S/FRAME", 1 / fps);
}

static void action_label(const dfv_viewer *v, char *text, size_t len)
{
    float action[DFV_MAX_ACTIONS];
    dfv_viewer_current_action(v, action);
    text[0] = '\0';
    bool continuous = v->src->action_kind == DFV_ACTIONS_CONTINUOUS;
    for (int a = 0; a < v->src->action_dim; a++) {
        bool value = continuous && action[a] != 0 && action[a] != 1; /* a camera turn: show how much */
        if (!value && action[a] <= 0.5f) continue;
        size_t used = strlen(text);
        if (value) snprintf(text + used, len - used, "%s%s=%.2f", used ? " " : "", v->src->action_names[a], action[a]);
        else snprintf(text + used, len - used, "%s%s", used ? "+" : "", v->src->action_names[a]);
    }
    if (!text[0]) snprintf(text, len, "-");
}

static void draw_hud(dfv_viewer *v)
{
    char lines[HUD_LINES][160];
    const char *pointers[HUD_LINES];
    char action[128];
    action_label(v, action, sizeof action);
    int n = 0;
    snprintf(lines[n++], sizeof lines[0], "%s", v->src->name);
    snprintf(lines[n++], sizeof lines[0], "DEVICE %s", v->src->device_name ? v->src->device_name : "?");
    if (v->desc->describe) v->desc->describe(v->desc->describe_user, lines[n++], (int)sizeof lines[0]);
    char rate[32];
    format_rate(frames_per_second(v), rate, sizeof rate);
    snprintf(lines[n++], sizeof lines[0], "%s  %.1f MS/FRAME  CALLS/FRAME %d", rate, v->generate_ms, v->calls_per_frame);
    snprintf(lines[n++], sizeof lines[0], "FRAME %d/%d  BRANCH %d/%d%s%s", v->position, v->path_len - 1, v->branch + 1,
             dfv_timeline_branch_count(v->tl), v->paused ? "  PAUSED" : "",
             v->position < v->path_len - 1 ? "  PAST" : "");
    snprintf(lines[n++], sizeof lines[0], "LATENCY %.0f MS", v->latency_ms);
    snprintf(lines[n++], sizeof lines[0], "ACTION %s%s", action, v->recorder ? "  REC" : "");
    if (dfv_bindings_use_mouse_look(&v->bindings))
        snprintf(lines[n++], sizeof lines[0], "%s", v->mouse_look ? "MOUSE-LOOK ON  ESC RELEASES" : "CLICK FOR MOUSE-LOOK");
    snprintf(lines[n++], sizeof lines[0], "H HUD T PANEL P PAUSE [ ] SCRUB F9 REC F12 SHOT");
    for (int i = 0; i < n; i++) pointers[i] = lines[i];
    dfv_hud_draw(&v->canvas, v->layout.frame_area, v->layout.text_scale, pointers, n);
}

static void draw_panel(dfv_viewer *v)
{
    const float *series[DFV_STAT_COUNT];
    int n = v->path_len;
    if (!dfv_stability_gather(v->stability, v->tl, v->path, n, series)) return;
    enum { FILM = 16 };
    const uint8_t *film[FILM];
    int film_count = 0;
    for (int k = v->position - FILM + 1; k <= v->position; k++)
        if (k >= 0) film[film_count++] = dfv_timeline_rgb(v->tl, v->path[k]);
    dfv_stability_view view = {
        .film = film,
        .film_count = film_count,
        .frame_width = v->src->width,
        .frame_height = v->src->height,
        .series = {series[DFV_STAT_CHANGE], series[DFV_STAT_BRIGHTNESS], series[DFV_STAT_SATURATION], series[DFV_STAT_SHARPNESS]},
        .series_length = n,
        .cursor = v->position,
        .text_scale = v->layout.text_scale,
    };
    dfv_stability_panel_draw(&v->canvas, v->layout.panel, &view);
}

/* Indices on the path where another branch leaves it (or where this branch left its parent branch). */
static int find_forks(const dfv_viewer *v, int *forks, int max)
{
    int n = 0, branches = dfv_timeline_branch_count(v->tl);
    for (int b = 0; b < branches && n < max; b++) {
        int id = dfv_timeline_branch_head(v->tl, b);
        const dfv_timeline_frame *f = dfv_timeline_get(v->tl, id);
        while (f->parent >= 0 && dfv_timeline_get(v->tl, f->parent)->branch == b) f = dfv_timeline_get(v->tl, f->parent);
        if (f->parent < 0) continue;
        const dfv_timeline_frame *origin = dfv_timeline_get(v->tl, f->parent);
        if (b != v->branch && origin->index < v->path_len && v->path[origin->index] == f->parent)
            forks[n++] = origin->index;
        else if (b == v->branch)
            forks[n++] = origin->index;
    }
    return n;
}

static void draw_bar(dfv_viewer *v)
{
    int forks[MAX_FORKS];
    dfv_timeline_bar bar = {
        .length = v->path_len,
        .position = v->position,
        .forks = forks,
        .fork_count = find_forks(v, forks, MAX_FORKS),
        .branch = v->branch,
        .branch_count = dfv_timeline_branch_count(v->tl),
        .paused = v->paused,
        .recording = v->recorder != NULL,
        .generating = v->generating_from >= 0,
        .text_scale = v->layout.text_scale,
    };
    dfv_timeline_bar_draw(&v->canvas, v->layout.bar, &bar);
}

/* The ground truth beside the rollout, labelled so the two are never confused. */
static void draw_companion(dfv_viewer *v)
{
    const uint8_t *truth = v->desc->companion(v->desc->companion_user, v->tl, dfv_viewer_current_id(v));
    dfv_rect r = v->layout.companion;
    int scale = v->layout.text_scale;
    if (truth) dfv_canvas_blit_rgb(&v->canvas, r, truth, v->src->width, v->src->height, v->bilinear);
    else dfv_canvas_text(&v->canvas, r.x + 4, r.y + r.h / 2, scale, 0x808080, "NO GROUND TRUTH FOR THIS SEED");
    const char *label = "GROUND TRUTH";
    dfv_rect box = {r.x + r.w - dfv_text_width(label, scale) - 8, r.y + r.h - dfv_text_height(scale) - 8,
                    dfv_text_width(label, scale) + 6, dfv_text_height(scale) + 4};
    dfv_canvas_blend(&v->canvas, box, 0x000000, 160);
    dfv_canvas_text(&v->canvas, box.x + 3, box.y + 2, scale, 0xa0e0a0, label);
}

bool dfv_viewer_draw(dfv_viewer *v, char err[DFV_ERR_LEN])
{
    int w = 0, h = 0;
    dfv_window_size(v->window, &w, &h);
    if (w < 1 || h < 1) w = h = 1;
    if (!dfv_canvas_resize(&v->canvas, w, h)) {
        dfv_error_set(err, "viewer: out of memory for a %dx%d window", w, h);
        return false;
    }
    v->layout = dfv_layout_compute(w, h, v->src->width, v->src->height, v->show_panel, v->desc->companion != NULL);
    dfv_canvas_fill(&v->canvas, (dfv_rect){0, 0, w, h}, background);
    const uint8_t *rgb = dfv_timeline_rgb(v->tl, dfv_viewer_current_id(v));
    if (rgb) dfv_canvas_blit_rgb(&v->canvas, v->layout.frame, rgb, v->src->width, v->src->height, v->bilinear);
    if (v->desc->companion) draw_companion(v);
    if (v->show_hud) draw_hud(v);
    if (v->tick < v->notice_until_tick) dfv_hud_notice(&v->canvas, v->layout.frame_area, v->layout.text_scale, v->notice);
    if (v->show_panel) draw_panel(v);
    draw_bar(v);
    return true;
}
