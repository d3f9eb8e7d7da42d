/* The viewer's state, shared by its files (viewer.c: loop and generation, viewer_input.c: input and
 * controls, viewer_draw.c: the picture, viewer_state.c: what they share). Private to the viewer. */
#ifndef DFV_VIEWER_STATE_H
#define DFV_VIEWER_STATE_H

#include <SDL.h>

#include "bindings.h"
#include "canvas.h"
#include "generator.h"
#include "input_script.h"
#include "layout.h"
#include "recorder.h"
#include "stability.h"
#include "viewer.h"
#include "window.h"

/* How a screenshot says where it went: F12 on screen and stderr, a script's on stderr only (so later
 * screenshots stay clean), periodic ones not at all. */
typedef enum { DFV_SHOT_QUIET, DFV_SHOT_STDERR, DFV_SHOT_NOTICE } dfv_shot_announce;

enum { DFV_VIEWER_MAX_KNOB_CHANGES = 16, DFV_VIEWER_MAX_HELD = 32, DFV_VIEWER_MAX_PADS = 4, DFV_VIEWER_MAX_SHOTS = 8, DFV_VIEWER_FPS_WINDOW = 32 };

typedef struct {
    const dfv_viewer_desc *desc;
    dfv_frame_source *src;
    dfv_timeline *tl;
    dfv_generator *gen;
    dfv_window *window;
    dfv_canvas canvas;
    dfv_layout layout;
    dfv_bindings bindings;
    dfv_input_script script;
    bool scripted;
    dfv_stability *stability;
    SDL_GameController *pads[DFV_VIEWER_MAX_PADS];

    /* Input: what is held, and in which order actions were pressed (one-hot sources take the latest). */
    dfv_input held[DFV_VIEWER_MAX_HELD];
    int held_count;
    uint64_t press_order[DFV_MAX_ACTIONS];
    uint64_t press_counter;
    double input_changed_ms; /* when the held actions last changed; 0 once a generation has carried it */
    bool mouse_scrubbing;
    /* Mouse-look (relative mouse mode): motion in pixels since the current frame's generation started. */
    bool mouse_look;
    double mouse_motion[2];
    float pad_axes[SDL_CONTROLLER_AXIS_MAX]; /* the sticks and triggers in [-1, 1], dead zone removed */

    /* History: the branch on screen, its frames from seed to head, and the index on screen. */
    int branch;
    int *path;
    int path_len, path_capacity;
    int position;
    bool paused, resume_from_view, step_once;
    int generating_from; /* -1 when idle */
    double last_request_ms;

    bool show_hud, show_panel, bilinear;

    /* Figures for the HUD. */
    double latency_ms, generate_ms;
    double finish_times[DFV_VIEWER_FPS_WINDOW];
    int finish_count;
    int calls_per_frame;
    int failures;

    /* Knob changes wait here until no generation is in flight. */
    struct {
        dfv_knob knob;
        int direction;
    } knob_changes[DFV_VIEWER_MAX_KNOB_CHANGES];
    int knob_change_count;

    dfv_recorder *recorder;
    char notice[512];
    long notice_until_tick;
    char *shot_paths[DFV_VIEWER_MAX_SHOTS];
    int shot_announce[DFV_VIEWER_MAX_SHOTS]; /* dfv_shot_announce */
    int shot_count;
    uint8_t *readback;
    size_t readback_size;
    long tick;
    bool quit;
    /* Live play redraws only when something changed (or to refresh the HUD's figures now and then), so a
     * model generating on the CPU keeps the cores. */
    bool dirty;
    double last_draw_ms;
} dfv_viewer;

/* The files depend one way: viewer.c (the loop) calls viewer_input.c and viewer_draw.c, and all three
 * call viewer_state.c, which calls none of them. */

/* viewer_state.c: operations on the state alone */
void dfv_viewer_notice(dfv_viewer *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dfv_viewer_current_id(const dfv_viewer *v);
void dfv_viewer_refresh_path(dfv_viewer *v);
void dfv_viewer_set_position(dfv_viewer *v, int position);
void dfv_viewer_switch_branch(dfv_viewer *v, int step);
void dfv_viewer_queue_knob(dfv_viewer *v, dfv_knob knob, int direction);
/* A screenshot after this frame's drawing: path NULL picks a free name in the output directory. */
void dfv_viewer_request_screenshot(dfv_viewer *v, const char *path, dfv_shot_announce announce);
void dfv_viewer_queue_screenshot(dfv_viewer *v, const char *path, dfv_shot_announce announce);
int dfv_viewer_held_index(const dfv_viewer *v, dfv_input input);
/* The action the held input (and the mouse motion gathered so far) makes now. */
void dfv_viewer_current_action(const dfv_viewer *v, float action[DFV_MAX_ACTIONS]);

/* viewer_input.c: events change the state; what needs the loop's machinery comes back as a request */
typedef enum {
    DFV_VIEWER_REQUEST_NONE,
    DFV_VIEWER_REQUEST_RECORD, /* start or stop recording */
    DFV_VIEWER_REQUEST_DROP,   /* reseed from the dropped file (event->drop.file; the caller frees it) */
} dfv_viewer_request;

dfv_viewer_request dfv_viewer_handle_event(dfv_viewer *v, const SDL_Event *event);
void dfv_viewer_push_script_events(dfv_viewer *v);
void dfv_viewer_close_pads(dfv_viewer *v);

/* viewer_draw.c */
bool dfv_viewer_draw(dfv_viewer *v, char err[DFV_ERR_LEN]);

#endif
