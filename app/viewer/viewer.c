/* The viewer's loop: 60 Hz redraws, generation requests to the generation thread, history navigation,
 * recording and screenshots. See viewer.h. */
#include "viewer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "png.h"
#include "seed.h"
#include "viewer_state.h"

enum { UI_FRAME_MS = 16, IDLE_REDRAW_MS = 250 };

static void follow_frame(dfv_viewer *v, int id)
{
    const dfv_timeline_frame *frame = dfv_timeline_get(v->tl, id);
    if (frame->branch != v->branch) v->path_len = 0;
    v->branch = frame->branch;
    dfv_viewer_refresh_path(v);
    v->position = frame->index;
}

static void note_finish(dfv_viewer *v, double finished_ms)
{
    if (v->finish_count == DFV_VIEWER_FPS_WINDOW) {
        memmove(v->finish_times, v->finish_times + 1, (DFV_VIEWER_FPS_WINDOW - 1) * sizeof *v->finish_times);
        v->finish_count--;
    }
    v->finish_times[v->finish_count++] = finished_ms;
}

static void toggle_recording(dfv_viewer *v)
{
    char message[1400];
    if (v->recorder) {
        dfv_recorder_finish(v->recorder, message, sizeof message);
        v->recorder = NULL;
        dfv_viewer_notice(v, "%s", message);
        return;
    }
    dfv_recorder_desc desc = {
        .directory = v->desc->output_dir,
        .source_name = v->src->name,
        .action_names = v->src->action_names,
        .action_dim = v->src->action_dim,
        .settings_json = v->desc->settings_json,
        .sidecar = v->desc->sidecar,
        .sidecar_user = v->desc->sidecar_user,
        .fps = v->desc->clip_fps,
        .scale = v->desc->scale > 0 ? v->desc->scale : 4,
    };
    char path[1024], err[DFV_ERR_LEN];
    /* The recording holds the branch from its seed, so it replays from the seed like a render. */
    if (!dfv_recorder_start(&desc, v->tl, v->path, v->position + 1, &v->recorder, path, sizeof path, err))
        dfv_viewer_notice(v, "%s", err);
    else
        dfv_viewer_notice(v, "recording to %s (F9 stops)", path);
}

static void record_new_frame(dfv_viewer *v, int id)
{
    if (!v->recorder) return;
    char err[DFV_ERR_LEN];
    if (dfv_recorder_offer(v->recorder, v->tl, id, err)) return;
    if (err[0]) dfv_viewer_notice(v, "%s", err);
    else dfv_viewer_notice(v, "play left the recorded path; the recording stops");
    toggle_recording(v);
}

static void take_result(dfv_viewer *v, const dfv_generation *g)
{
    v->generating_from = -1;
    if (g->id < 0) {
        v->failures++;
        v->paused = true;
        dfv_viewer_notice(v, "generation failed (paused): %s", g->err);
        return;
    }
    v->generate_ms = g->finished_ms - g->started_ms;
    v->calls_per_frame = v->src->calls_per_frame ? v->src->calls_per_frame(v->src->user) : 0;
    note_finish(v, g->finished_ms);
    if (g->input_ms > 0) v->latency_ms = dfv_now_ms() - g->input_ms;
    /* Follow the new frame only when the view is still where it grew from. */
    if (dfv_viewer_current_id(v) == g->parent) follow_frame(v, g->id);
    else dfv_viewer_refresh_path(v);
    record_new_frame(v, g->id);
}

/* Applies queued knob changes between generations, so a step never sees settings change under it. */
static void apply_knobs(dfv_viewer *v)
{
    if (v->generating_from >= 0) return;
    for (int k = 0; k < v->knob_change_count; k++) {
        char status[DFV_ERR_LEN] = "";
        bool ok = v->desc->adjust(v->desc->adjust_user, v->knob_changes[k].knob, v->knob_changes[k].direction, status);
        dfv_viewer_notice(v, "%s%s", ok ? "" : "cannot change that: ", status);
    }
    v->knob_change_count = 0;
}

static void start_generation(dfv_viewer *v)
{
    if (v->generating_from >= 0 || !v->path_len) return;
    bool at_head = v->position == v->path_len - 1;
    if (!((!v->paused && at_head) || v->resume_from_view || v->step_once)) return;
    double now = dfv_now_ms();
    if (!v->scripted && v->desc->max_rate > 0 && now - v->last_request_ms < 1000.0 / v->desc->max_rate) return;
    float action[DFV_MAX_ACTIONS];
    dfv_viewer_current_action(v, action);
    int parent = dfv_viewer_current_id(v);
    if (!dfv_generator_request(v->gen, parent, action, v->input_changed_ms)) return;
    v->input_changed_ms = 0;
    v->mouse_motion[0] = v->mouse_motion[1] = 0; /* the next frame gathers its own mouse motion */
    /* Keep the average rate on the 60 Hz tick grid: the next slot follows the previous one. */
    double period = v->desc->max_rate > 0 ? 1000.0 / v->desc->max_rate : 0;
    v->last_request_ms = period > 0 && now - v->last_request_ms < 2 * period ? v->last_request_ms + period : now;
    v->generating_from = parent;
    v->resume_from_view = false;
    v->step_once = false;
}

static void collect_generation(dfv_viewer *v, bool block)
{
    dfv_generation g;
    if (v->generating_from < 0) return;
    if (block ? dfv_generator_wait(v->gen, &g) : dfv_generator_poll(v->gen, &g)) take_result(v, &g);
}

static void drop_file(dfv_viewer *v, const char *path)
{
    size_t bytes = (size_t)v->src->width * (size_t)v->src->height * 3;
    uint8_t *rgb = malloc(bytes);
    char media_err[DFV_ERR_LEN] = "out of memory";
    dfv_seed_desc seed = {.width = v->src->width, .height = v->src->height, .frame_count = 1};
    bool decodable = rgb && dfv_seed_load(path, &seed, rgb, media_err);
    free(rgb);
    if (!decodable) {
        dfv_viewer_notice(v, "dropped file refused: %s", media_err);
        return;
    }
    if (!v->desc->reseed) {
        dfv_viewer_notice(v, "reseeding from a file is not supported for %s; dropped %s ignored", v->src->name, path);
        return;
    }
    collect_generation(v, true);
    char err[DFV_ERR_LEN] = "";
    int seed_id = v->desc->reseed(v->desc->reseed_user, v->tl, path, err);
    if (seed_id < 0) {
        dfv_viewer_notice(v, "reseeding from %s failed: %s", path, err);
        return;
    }
    follow_frame(v, seed_id);
    dfv_viewer_notice(v, "reseeded from %s", path);
}

static void ensure_directory(const char *dir)
{
    if (dir && *dir && mkdir(dir, 0777) != 0 && errno != EEXIST)
        fprintf(stderr, "dfview: cannot create %s: %s\n", dir, strerror(errno));
}

static void write_screenshots(dfv_viewer *v)
{
    for (int s = 0; s < v->shot_count; s++) {
        char err[DFV_ERR_LEN];
        if (dfv_png_write(v->shot_paths[s], v->readback, v->canvas.width, v->canvas.height, 0, err)) {
            if (v->shot_announce[s] == DFV_SHOT_NOTICE) dfv_viewer_notice(v, "screenshot written to %s", v->shot_paths[s]);
            else if (v->shot_announce[s] == DFV_SHOT_STDERR) fprintf(stderr, "dfview: screenshot written to %s\n", v->shot_paths[s]);
        }
        else
            dfv_viewer_notice(v, "screenshot failed: %s", err);
        free(v->shot_paths[s]);
    }
    v->shot_count = 0;
}

static void request_periodic_screenshot(dfv_viewer *v)
{
    const dfv_viewer_desc *d = v->desc;
    if (d->screenshot_every <= 0 || !d->screenshot_dir || v->tick % d->screenshot_every != 0) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/frame-%06ld.png", d->screenshot_dir, v->tick);
    dfv_viewer_queue_screenshot(v, path, DFV_SHOT_QUIET);
}

/* Draws and presents; reads the window back when a screenshot is due. */
static bool present(dfv_viewer *v, char err[DFV_ERR_LEN])
{
    if (!dfv_viewer_draw(v, err)) return false;
    uint8_t *readback = NULL;
    if (v->shot_count) {
        size_t needed = (size_t)v->canvas.width * v->canvas.height * 3;
        if (needed > v->readback_size) {
            uint8_t *grown = realloc(v->readback, needed);
            if (!grown) {
                dfv_error_set(err, "viewer: out of memory for a screenshot");
                return false;
            }
            v->readback = grown;
            v->readback_size = needed;
        }
        readback = v->readback;
    }
    if (!dfv_window_present(v->window, &v->canvas, readback, err)) return false;
    if (readback) write_screenshots(v);
    return true;
}

static bool run_tick(dfv_viewer *v, char err[DFV_ERR_LEN])
{
    if (v->scripted) dfv_viewer_push_script_events(v);
    SDL_Event event;
    while (SDL_PollEvent(&event)) {
        dfv_viewer_request request = dfv_viewer_handle_event(v, &event);
        if (request == DFV_VIEWER_REQUEST_RECORD) toggle_recording(v);
        if (request == DFV_VIEWER_REQUEST_DROP) {
            drop_file(v, event.drop.file);
            SDL_free(event.drop.file);
        }
        v->dirty = true;
    }
    long position_before = v->position, path_before = v->path_len;
    collect_generation(v, false);
    apply_knobs(v);
    if (!v->quit) start_generation(v);
    /* Scripted runs wait for the frame they asked for, so every run of a script sees the same frames. */
    if (v->scripted) collect_generation(v, true);
    dfv_viewer_refresh_path(v);
    request_periodic_screenshot(v);
    double now = dfv_now_ms();
    bool changed = v->dirty || v->position != position_before || v->path_len != path_before || v->shot_count ||
                   v->tick == v->notice_until_tick;
    if (v->scripted || changed || now - v->last_draw_ms >= IDLE_REDRAW_MS) {
        if (!present(v, err)) return false;
        v->dirty = false;
        v->last_draw_ms = now;
    }
    v->tick++;
    if (v->desc->exit_after > 0 && v->tick >= v->desc->exit_after) v->quit = true;
    return true;
}

static void load_bindings(dfv_viewer *v)
{
    dfv_bindings_defaults(&v->bindings, v->src->action_names, v->src->action_dim);
    char errors[4096] = "";
    if (v->desc->action_keys &&
        dfv_bindings_apply_source_keys(&v->bindings, v->desc->action_keys, v->src->name, errors, sizeof errors))
        fprintf(stderr, "%sdfview: the defaults by action name stay for those\n", errors);
    errors[0] = '\0';
    char path[1024];
    const char *file = v->desc->bindings_path;
    if (!file) {
        if (!dfv_bindings_default_path(path, sizeof path)) return;
        file = path;
    }
    bool found = false;
    int bad = dfv_bindings_load_file(&v->bindings, file, &found, errors, sizeof errors);
    if (bad) fprintf(stderr, "%sdfview: %d bad line%s in %s ignored; the defaults stay for those\n", errors, bad,
                     bad == 1 ? "" : "s", file);
}

static void release(dfv_viewer *v, char *summary, int summary_len)
{
    if (v->gen) dfv_generator_stop(v->gen);
    if (v->recorder) toggle_recording(v); /* closing while recording finalises the clip */
    if (v->tl)
        snprintf(summary, (size_t)summary_len, "%d frames in %d branch%s, %d failed generation%s", dfv_timeline_count(v->tl),
                 dfv_timeline_branch_count(v->tl), dfv_timeline_branch_count(v->tl) == 1 ? "" : "es", v->failures,
                 v->failures == 1 ? "" : "s");
    for (int s = 0; s < v->shot_count; s++) free(v->shot_paths[s]);
    dfv_viewer_close_pads(v);
    if (v->mouse_look) SDL_SetRelativeMouseMode(SDL_FALSE);
    dfv_window_close(v->window);
    SDL_QuitSubSystem(SDL_INIT_GAMECONTROLLER | SDL_INIT_EVENTS);
    dfv_canvas_free(&v->canvas);
    dfv_input_script_free(&v->script);
    dfv_stability_destroy(v->stability);
    dfv_timeline_destroy(v->tl);
    free(v->path);
    free(v->readback);
}

static int initial_window_size(const dfv_viewer_desc *d, int frame_size)
{
    int scale = d->scale > 0 ? d->scale : (512 + frame_size - 1) / frame_size;
    int size = frame_size * scale;
    return size < 128 ? 128 : size;
}

static dfv_viewer_status open_everything(dfv_viewer *v, char err[DFV_ERR_LEN])
{
    const dfv_viewer_desc *d = v->desc;
    if (d->script_path && !dfv_input_script_load(d->script_path, &v->script, err)) return DFV_VIEWER_FAILED;
    v->scripted = d->script_path != NULL;
    if (d->screenshot_every > 0) ensure_directory(d->screenshot_dir);
    if (d->output_dir) ensure_directory(d->output_dir);
    v->tl = dfv_timeline_create(v->src->width, v->src->height, v->src->action_dim);
    v->stability = dfv_stability_create();
    if (!v->tl || !v->stability) {
        dfv_error_set(err, "viewer: out of memory");
        return DFV_VIEWER_FAILED;
    }
    int w = initial_window_size(d, v->src->width), h = initial_window_size(d, v->src->height);
    if (d->companion) w *= 2; /* room for the second view */
    if (!dfv_window_open(d->title ? d->title : v->src->name, w, h + 24, &v->window, err))
        return DFV_VIEWER_NO_DISPLAY;
    if (SDL_InitSubSystem(SDL_INIT_GAMECONTROLLER | SDL_INIT_EVENTS) != 0)
        fprintf(stderr, "dfview: gamepads unavailable: %s\n", SDL_GetError());
    load_bindings(v);
    err[0] = '\0';
    int seed = v->src->seed(v->src->user, v->tl, err);
    if (seed < 0) {
        if (!err[0]) dfv_error_set(err, "the source could not make its seed frame");
        return DFV_VIEWER_FAILED;
    }
    follow_frame(v, seed);
    v->gen = dfv_generator_start(v->src, v->tl);
    if (!v->gen) {
        dfv_error_set(err, "viewer: cannot start the generation thread");
        return DFV_VIEWER_FAILED;
    }
    return DFV_VIEWER_OK;
}

dfv_viewer_status dfv_viewer_run(const dfv_viewer_desc *desc, char *summary, int summary_len, char err[DFV_ERR_LEN])
{
    summary[0] = '\0';
    err[0] = '\0';
    dfv_viewer v = {.desc = desc, .src = desc->source, .show_hud = true, .generating_from = -1};
    dfv_viewer_status status = open_everything(&v, err);
    while (status == DFV_VIEWER_OK && !v.quit) {
        double start = dfv_now_ms();
        if (!run_tick(&v, err)) status = DFV_VIEWER_FAILED;
        double spent = dfv_now_ms() - start;
        if (!v.scripted && spent < UI_FRAME_MS) SDL_Delay((Uint32)(UI_FRAME_MS - spent));
    }
    release(&v, summary, summary_len);
    return status;
}
