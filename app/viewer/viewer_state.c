/* The viewer's state operations that every part of the viewer shares: notices, the branch on screen and the
 * position on it, queued knob changes and screenshots, and the action the held input makes. They touch
 * the state alone, so input (viewer_input.c) and drawing (viewer_draw.c) depend on this file only, and
 * viewer.c drives all three. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer_state.h"

/* Notices last a number of UI frames rather than seconds, so scripted runs draw the same pictures. */
enum { NOTICE_FRAMES = 240 };

void dfv_viewer_notice(dfv_viewer *v, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(v->notice, sizeof v->notice, fmt, args);
    va_end(args);
    v->notice_until_tick = v->tick + NOTICE_FRAMES;
    v->dirty = true;
    fprintf(stderr, "dfview: %s\n", v->notice);
}

int dfv_viewer_current_id(const dfv_viewer *v) { return v->path_len ? v->path[v->position] : -1; }

/* Keeps `path` equal to the frames from the seed to the head of the branch on screen. */
void dfv_viewer_refresh_path(dfv_viewer *v)
{
    int head = dfv_timeline_branch_head(v->tl, v->branch);
    if (head < 0 || (v->path_len && v->path[v->path_len - 1] == head)) return;
    const dfv_timeline_frame *frame = dfv_timeline_get(v->tl, head);
    int needed = frame->index + 1;
    if (needed > v->path_capacity) {
        int capacity = v->path_capacity ? v->path_capacity : 256;
        while (capacity < needed) capacity *= 2;
        int *grown = realloc(v->path, (size_t)capacity * sizeof *grown);
        if (!grown) return; /* keep the old path: still valid frames */
        v->path = grown;
        v->path_capacity = capacity;
    }
    if (v->path_len && needed == v->path_len + 1 && frame->parent == v->path[v->path_len - 1])
        v->path[v->path_len++] = head;
    else
        v->path_len = dfv_timeline_path(v->tl, head, v->path, needed);
    if (v->position >= v->path_len) v->position = v->path_len - 1;
}

void dfv_viewer_set_position(dfv_viewer *v, int position)
{
    if (position < 0) position = 0;
    if (position > v->path_len - 1) position = v->path_len - 1;
    v->position = position;
}

void dfv_viewer_switch_branch(dfv_viewer *v, int step)
{
    int count = dfv_timeline_branch_count(v->tl);
    if (count < 2) {
        dfv_viewer_notice(v, "only one branch so far: rewind and press an action to start another");
        return;
    }
    v->branch = ((v->branch + step) % count + count) % count;
    v->path_len = 0;
    dfv_viewer_refresh_path(v);
    dfv_viewer_notice(v, "branch %d of %d", v->branch + 1, count);
}

void dfv_viewer_queue_knob(dfv_viewer *v, dfv_knob knob, int direction)
{
    if (!v->desc->adjust) {
        dfv_viewer_notice(v, "%s has no live settings to change", v->src->name);
        return;
    }
    if (v->knob_change_count == DFV_VIEWER_MAX_KNOB_CHANGES) return;
    v->knob_changes[v->knob_change_count].knob = knob;
    v->knob_changes[v->knob_change_count++].direction = direction;
}

void dfv_viewer_queue_screenshot(dfv_viewer *v, const char *path, dfv_shot_announce announce)
{
    if (v->shot_count == DFV_VIEWER_MAX_SHOTS) return;
    v->shot_paths[v->shot_count] = strdup(path);
    v->shot_announce[v->shot_count] = announce;
    if (v->shot_paths[v->shot_count]) v->shot_count++;
}

void dfv_viewer_request_screenshot(dfv_viewer *v, const char *path, dfv_shot_announce announce)
{
    char generated[1024];
    if (!path) {
        if (!dfv_unique_output_path(v->desc->output_dir, "dfview-shot", "png", generated, sizeof generated)) {
            dfv_viewer_notice(v, "screenshot: no free file name");
            return;
        }
        path = generated;
    }
    dfv_viewer_queue_screenshot(v, path, announce);
}

int dfv_viewer_held_index(const dfv_viewer *v, dfv_input input)
{
    for (int i = 0; i < v->held_count; i++)
        if (dfv_input_equal(v->held[i], input)) return i;
    return -1;
}

static bool action_held(const dfv_viewer *v, int action)
{
    const dfv_binding *b = &v->bindings.actions[action];
    for (int i = 0; i < b->count; i++)
        if (dfv_viewer_held_index(v, b->inputs[i]) >= 0) return true;
    return false;
}

/* What the analog inputs bound to an action add to it: the mouse motion gathered since the last frame
 * started, scaled by the sensitivity, and the sticks' deflection. */
static double analog_value(const dfv_viewer *v, int action)
{
    const dfv_binding *b = &v->bindings.actions[action];
    double value = 0;
    for (int i = 0; i < b->count; i++) {
        const dfv_input *in = &b->inputs[i];
        if (in->pad == DFV_MOUSE_AXIS) value += v->mouse_motion[in->pad_index] * v->bindings.mouse_sensitivity;
        if (in->pad == DFV_PAD_AXIS && in->pad_index >= 0 && in->pad_index < SDL_CONTROLLER_AXIS_MAX)
            value += v->pad_axes[in->pad_index] * v->bindings.stick_sensitivity;
    }
    return value;
}

void dfv_viewer_current_action(const dfv_viewer *v, float action[DFV_MAX_ACTIONS])
{
    memset(action, 0, DFV_MAX_ACTIONS * sizeof *action);
    int latest = -1, none = -1;
    bool one_hot = v->src->action_kind == DFV_ACTIONS_ONE_HOT;
    for (int a = 0; a < v->bindings.action_count; a++) {
        if (!strcmp(v->bindings.action_names[a], "none")) none = a;
        if (v->src->action_kind == DFV_ACTIONS_CONTINUOUS) {
            double value = (action_held(v, a) ? 1.0 : 0.0) + analog_value(v, a);
            /* Clamped to the actions' range; + 0.0f turns a negative zero into zero. */
            action[a] = (float)(value < -1 ? -1 : value > 1 ? 1 : value) + 0.0f;
        }
        if (!action_held(v, a)) continue;
        if (v->src->action_kind == DFV_ACTIONS_MULTI_HOT) action[a] = 1.0f;
        if (latest < 0 || v->press_order[a] > v->press_order[latest]) latest = a;
    }
    /* One-hot sources get the most recently pressed of the held actions, or their explicit no-op. */
    if (one_hot) {
        if (latest >= 0) action[latest] = 1.0f;
        else if (none >= 0) action[none] = 1.0f;
    }
}

