/* Timed input for driving the viewer without a person (`--script FILE`; format in docs/viewer.md).
 * One event per line, `<frame> <verb> [argument]`, frames counted in viewer frames from 0:
 *     12 press W          12 release W          12 tap F12       (tap: press now, release next frame)
 *     30 screenshot out/a.png    31 drop some/file.png    40 click 100 380    50 resize 640 480    90 quit
 *     60 move 12 -4       (mouse motion in pixels: turns the camera while mouse-look is on)
 * Keys and pad inputs are named as in bindings.ini. '#' at the start of a line or after whitespace starts a
 * comment. */
#ifndef DFV_INPUT_SCRIPT_H
#define DFV_INPUT_SCRIPT_H

#include <stdbool.h>

#include "bindings.h"

typedef enum {
    DFV_SCRIPT_PRESS,
    DFV_SCRIPT_RELEASE,
    DFV_SCRIPT_SCREENSHOT,
    DFV_SCRIPT_DROP,
    DFV_SCRIPT_CLICK,
    DFV_SCRIPT_RESIZE,
    DFV_SCRIPT_MOVE,
    DFV_SCRIPT_QUIT,
} dfv_script_verb;

typedef struct {
    long frame;
    dfv_script_verb verb;
    dfv_input input; /* press, release */
    char *path;      /* screenshot, drop */
    int x, y;        /* click position; resize width and height; move: motion in pixels */
    int line;        /* in the script file, for messages */
} dfv_script_event;

typedef struct {
    dfv_script_event *events; /* sorted by frame; lines of one frame keep their order */
    int count;
    int next;
} dfv_input_script;

/* Parses script text; a bad line fails the whole script with "<name>:<line>: <reason>" in err. */
bool dfv_input_script_parse(const char *text, const char *name, dfv_input_script *out, char err[DFV_ERR_LEN]);
bool dfv_input_script_load(const char *path, dfv_input_script *out, char err[DFV_ERR_LEN]);
void dfv_input_script_free(dfv_input_script *script);

/* The next event due at or before `frame`, consumed; NULL when none is due. */
const dfv_script_event *dfv_input_script_due(dfv_input_script *script, long frame);
/* The frame of the last event, or -1 for an empty script. */
long dfv_input_script_last_frame(const dfv_input_script *script);

#endif
