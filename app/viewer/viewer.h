/* The interactive viewer: an SDL2 window over any frame source (a world simulator, a model's rollout).
 * Generation runs on its own thread and the window redraws at 60 Hz whatever the source's speed; the
 * action of a frame is the input held when its generation starts. History is a timeline tree: scrub back,
 * press an action and a new branch grows from there. Controls, bindings and the script format are in
 * docs/viewer.md. */
#ifndef DFV_VIEWER_H
#define DFV_VIEWER_H

#include <stdbool.h>

#include "frame_source.h"
#include "recorder.h"

/* Live settings a model source may expose (sampling steps, stabilization level, scheduling mode, window
 * length clamped to the model's, RNG seed). */
typedef enum {
    DFV_KNOB_STEPS,
    DFV_KNOB_STABILIZATION,
    DFV_KNOB_SCHEDULE,
    DFV_KNOB_WINDOW,
    DFV_KNOB_RNG_SEED,
    DFV_KNOB_COUNT
} dfv_knob;

typedef struct {
    dfv_frame_source *source;   /* required; the caller keeps ownership */
    const char *title;          /* window title; NULL: the source's name */
    int scale;                  /* initial window: frame size × scale; 0 picks about 512 pixels */
    const char *script_path;    /* timed input; scripted runs go in lockstep (one generated frame per viewer
                                   frame while playing), so they are reproducible */
    long exit_after;            /* quit after this many viewer frames; 0: never */
    int screenshot_every;       /* write the window every K viewer frames into screenshot_dir; 0: never */
    const char *screenshot_dir;
    const char *bindings_path;  /* NULL: $XDG_CONFIG_HOME/dfview/bindings.ini */
    const char *output_dir;     /* F9 clips and F12 screenshots; NULL: the current directory */
    const char *settings_json;  /* the source's settings (a JSON object) for recordings' sidecars, or NULL */
    /* The recordings' sidecar in the source's own format (a model: `dfview render --replay`'s); NULL: a
     * generic one from settings_json and the frames' actions. */
    dfv_sidecar_fn sidecar;
    void *sidecar_user;
    /* Default keys per action from the source's own metadata ("W, Up"; as in bindings.ini), replacing the
     * defaults by action name; NULL entries (or a NULL array) keep those. */
    const char *const *action_keys;
    double clip_fps;            /* 0 means 10 */
    double max_rate;            /* live play generates at most this many frames per second; 0: as fast as the
                                   source goes (scripted runs ignore it) */
    /* Reseeding from a dropped image or video; NULL: the source cannot (the viewer says so). Runs on the
     * UI thread while no generation is in flight; returns the new seed frame's id or -1 with err. */
    int (*reseed)(void *user, dfv_timeline *tl, const char *path, char err[DFV_ERR_LEN]);
    void *reseed_user;
    /* A second view beside the frame (the simulator's ground truth for a world-seeded model): the picture
     * for timeline frame id, or NULL when there is none for it. Runs on the UI thread. */
    const uint8_t *(*companion)(void *user, const dfv_timeline *tl, int id);
    void *companion_user;
    /* Live knobs: change one by direction (+1 / -1; the schedule and RNG seed just move on). NULL: the
     * source has none. Runs on the UI thread while no generation is in flight; returns false with the reason
     * in status, or true with the new setting in status ("steps 20"). */
    bool (*adjust)(void *user, dfv_knob knob, int direction, char status[DFV_ERR_LEN]);
    void *adjust_user;
    /* A HUD line with the source's settings ("steps 20  stabilization 0.02  pyramid"), or NULL. */
    void (*describe)(void *user, char *line, int line_len);
    void *describe_user;
} dfv_viewer_desc;

typedef enum {
    DFV_VIEWER_OK = 0,
    DFV_VIEWER_NO_DISPLAY, /* no window could be opened: the caller suggests `dfview render` */
    DFV_VIEWER_FAILED,     /* err says what */
} dfv_viewer_status;

/* Runs until the window is closed, Escape, a script's quit or exit_after. A one-line summary of the
 * session ("N frames in B branches") goes to summary. */
dfv_viewer_status dfv_viewer_run(const dfv_viewer_desc *desc, char *summary, int summary_len, char err[DFV_ERR_LEN]);

#endif
