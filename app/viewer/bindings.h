/* Which keys and gamepad inputs drive a source's actions and the viewer's controls.
 *
 * Defaults come from the action names (forward/backward/turn/strafe/jump/look, as in the worlds and the
 * models' metadata; Minecraft's keys, mouse and right stick for Oasis's actions); a user file (bindings.ini,
 * format in docs/viewer.md) rebinds any of them by name and sets the mouse-look settings:
 *     forward = W, Up, pad:dpup, pad:lefty-
 *     cameraY = mouse:x, pad:rightx
 *     mouse_sensitivity = 0.01
 * A bad line is reported with its line number and changes nothing. */
#ifndef DFV_BINDINGS_H
#define DFV_BINDINGS_H

#include <stdbool.h>

#include <SDL.h>

#include "timeline.h"

#define DFV_BINDINGS_MAX_INPUTS 6

typedef enum {
    DFV_CONTROL_PAUSE,
    DFV_CONTROL_STEP,
    DFV_CONTROL_RESET,
    DFV_CONTROL_SCRUB_BACK,
    DFV_CONTROL_SCRUB_FORWARD,
    DFV_CONTROL_BRANCH_PREV,
    DFV_CONTROL_BRANCH_NEXT,
    DFV_CONTROL_HUD,
    DFV_CONTROL_PANEL,
    DFV_CONTROL_FILTER,
    DFV_CONTROL_FULLSCREEN,
    DFV_CONTROL_SCREENSHOT,
    DFV_CONTROL_RECORD,
    DFV_CONTROL_QUIT,
    DFV_CONTROL_STEPS_DOWN,
    DFV_CONTROL_STEPS_UP,
    DFV_CONTROL_STABILIZATION_DOWN,
    DFV_CONTROL_STABILIZATION_UP,
    DFV_CONTROL_SCHEDULE_NEXT,
    DFV_CONTROL_WINDOW_DOWN,
    DFV_CONTROL_WINDOW_UP,
    DFV_CONTROL_RNG_RESEED,
    DFV_CONTROL_COUNT
} dfv_control;

/* What an input is besides a key. Buttons and axis halves are held or not; whole axes (a stick's, the
 * mouse's motion) are analog and drive continuous actions only. */
typedef enum {
    DFV_PAD_NONE,          /* a key */
    DFV_PAD_BUTTON,        /* "pad:a" */
    DFV_PAD_AXIS_POSITIVE, /* "pad:leftx+": held past the threshold */
    DFV_PAD_AXIS_NEGATIVE, /* "pad:leftx-" */
    DFV_PAD_AXIS,          /* "pad:rightx": the whole axis, analog */
    DFV_MOUSE_BUTTON,      /* "mouse:left" (pad_index: SDL_BUTTON_*); acts while mouse-look is on */
    DFV_MOUSE_AXIS,        /* "mouse:x" / "mouse:y" (pad_index 0 / 1): motion while mouse-look is on */
} dfv_pad_input_kind;

/* One bindable input: a keyboard key, a gamepad button / axis, a mouse button or a mouse motion axis. */
typedef struct {
    SDL_Keycode key;         /* SDLK_UNKNOWN when this is not a key */
    dfv_pad_input_kind pad;  /* DFV_PAD_NONE for keys */
    int pad_index;           /* SDL_GameControllerButton, SDL_GameControllerAxis, SDL_BUTTON_* or 0/1 (x/y) */
} dfv_input;

typedef struct {
    dfv_input inputs[DFV_BINDINGS_MAX_INPUTS];
    int count;
} dfv_binding;

/* Mouse-look and stick settings (bindings.ini: mouse_sensitivity = 0.01). */
#define DFV_DEFAULT_MOUSE_SENSITIVITY 0.01 /* action units per pixel of motion: 100 pixels turn by 1 */
#define DFV_DEFAULT_STICK_SENSITIVITY 0.5  /* action units for a stick pushed all the way, per frame */

typedef struct {
    int action_count;
    const char *action_names[DFV_MAX_ACTIONS];
    dfv_binding actions[DFV_MAX_ACTIONS];
    dfv_binding controls[DFV_CONTROL_COUNT];
    double mouse_sensitivity, stick_sensitivity;
} dfv_bindings;

/* The defaults for these action names (names are borrowed, not copied). */
void dfv_bindings_defaults(dfv_bindings *b, const char *const *action_names, int action_count);

/* Replaces the defaults of actions whose source names its own keys (a model's metadata): inputs[a] is a
 * comma-separated list as in bindings.ini, or NULL to keep the default. Unknown inputs are reported like
 * bad file lines (source_name:action) and skipped. Returns how many lists had a problem. */
int dfv_bindings_apply_source_keys(dfv_bindings *b, const char *const *inputs, const char *source_name, char *errors,
                                   int errors_len);

/* Applies a bindings file's text. Each bad line adds "<source_name>:<line>: <reason>\n" to errors (cut at
 * errors_len) and is skipped. Returns the number of bad lines. */
int dfv_bindings_parse(dfv_bindings *b, const char *text, const char *source_name, char *errors, int errors_len);

/* Reads and applies a file; a missing file is no error (returns 0, *found false). An unreadable one counts
 * as one bad line. */
int dfv_bindings_load_file(dfv_bindings *b, const char *path, bool *found, char *errors, int errors_len);

/* $XDG_CONFIG_HOME/dfview/bindings.ini, or ~/.config/dfview/bindings.ini; false when neither is known. */
bool dfv_bindings_default_path(char *path, int path_len);

/* Whether any action is bound to mouse motion (then a click in the picture turns mouse-look on). */
bool dfv_bindings_use_mouse_look(const dfv_bindings *b);
/* Whether an input is analog (a whole pad axis or mouse motion). */
bool dfv_input_is_analog(dfv_input input);

/* The action / control a key or pad input is bound to, or -1. */
int dfv_bindings_action_for(const dfv_bindings *b, dfv_input input);
int dfv_bindings_control_for(const dfv_bindings *b, dfv_input input);

const char *dfv_bindings_control_name(dfv_control control);
/* "W, Up, pad:dpup" for showing a binding. */
void dfv_bindings_describe(const dfv_binding *binding, char *text, int text_len);

dfv_input dfv_input_key(SDL_Keycode key);
/* Parses one input name as written in bindings.ini ("W", "PageUp", "pad:a", "pad:leftx-", "pad:rightx",
 * "mouse:left", "mouse:x"). */
bool dfv_input_parse(const char *name, dfv_input *input);
bool dfv_input_equal(dfv_input a, dfv_input b);

#endif
