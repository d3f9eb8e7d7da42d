/* The viewer's input: keys, gamepads, mouse on the history bar, dropped files, and the script that
 * replays all of these as SDL events, so scripted and live sessions take the same path. */
#include <string.h>

#include "timeline_bar.h"
#include "viewer_state.h"

enum { PAD_AXIS_THRESHOLD = 16384, PAD_DEAD_ZONE = 8000, SCRUB_PAGE = 10 };

/* Runs a control on the state; recording is left to the caller (viewer.c) as a request. */
static dfv_viewer_request run_control(dfv_viewer *v, dfv_control control, bool shift)
{
    int stride = shift ? SCRUB_PAGE : 1;
    switch (control) {
    case DFV_CONTROL_PAUSE:
        v->paused = !v->paused;
        dfv_viewer_notice(v, v->paused ? "paused" : "playing");
        break;
    case DFV_CONTROL_STEP:
        v->paused = true;
        v->step_once = true;
        break;
    case DFV_CONTROL_RESET:
        dfv_viewer_set_position(v, 0);
        v->resume_from_view = !v->paused;
        dfv_viewer_notice(v, "back to the seed");
        break;
    case DFV_CONTROL_SCRUB_BACK:
        dfv_viewer_set_position(v, v->position - stride);
        break;
    case DFV_CONTROL_SCRUB_FORWARD:
        dfv_viewer_set_position(v, v->position + stride); /* clamped to the branch's head */
        break;
    case DFV_CONTROL_BRANCH_PREV: dfv_viewer_switch_branch(v, -1); break;
    case DFV_CONTROL_BRANCH_NEXT: dfv_viewer_switch_branch(v, +1); break;
    case DFV_CONTROL_HUD: v->show_hud = !v->show_hud; break;
    case DFV_CONTROL_PANEL: v->show_panel = !v->show_panel; break;
    case DFV_CONTROL_FILTER:
        v->bilinear = !v->bilinear;
        dfv_viewer_notice(v, v->bilinear ? "bilinear scaling" : "nearest scaling");
        break;
    case DFV_CONTROL_FULLSCREEN: dfv_window_toggle_fullscreen(v->window); break;
    case DFV_CONTROL_SCREENSHOT: dfv_viewer_request_screenshot(v, NULL, DFV_SHOT_NOTICE); break;
    case DFV_CONTROL_RECORD: return DFV_VIEWER_REQUEST_RECORD;
    case DFV_CONTROL_QUIT: v->quit = true; break;
    case DFV_CONTROL_STEPS_DOWN: dfv_viewer_queue_knob(v, DFV_KNOB_STEPS, -1); break;
    case DFV_CONTROL_STEPS_UP: dfv_viewer_queue_knob(v, DFV_KNOB_STEPS, +1); break;
    case DFV_CONTROL_STABILIZATION_DOWN: dfv_viewer_queue_knob(v, DFV_KNOB_STABILIZATION, -1); break;
    case DFV_CONTROL_STABILIZATION_UP: dfv_viewer_queue_knob(v, DFV_KNOB_STABILIZATION, +1); break;
    case DFV_CONTROL_SCHEDULE_NEXT: dfv_viewer_queue_knob(v, DFV_KNOB_SCHEDULE, +1); break;
    case DFV_CONTROL_WINDOW_DOWN: dfv_viewer_queue_knob(v, DFV_KNOB_WINDOW, -1); break;
    case DFV_CONTROL_WINDOW_UP: dfv_viewer_queue_knob(v, DFV_KNOB_WINDOW, +1); break;
    case DFV_CONTROL_RNG_RESEED: dfv_viewer_queue_knob(v, DFV_KNOB_RNG_SEED, +1); break;
    case DFV_CONTROL_COUNT: break;
    }
    return DFV_VIEWER_REQUEST_NONE;
}

static void action_pressed(dfv_viewer *v, int action)
{
    v->press_order[action] = ++v->press_counter;
    v->input_changed_ms = dfv_now_ms();
    /* An action on a past frame grows a new branch from it. */
    if (v->position < v->path_len - 1) {
        v->resume_from_view = true;
        v->paused = false;
    }
}

static dfv_viewer_request input_down(dfv_viewer *v, dfv_input input, bool repeat, bool shift)
{
    int action = dfv_bindings_action_for(&v->bindings, input);
    if (action >= 0) {
        if (repeat || dfv_viewer_held_index(v, input) >= 0) return DFV_VIEWER_REQUEST_NONE;
        if (v->held_count < DFV_VIEWER_MAX_HELD) v->held[v->held_count++] = input;
        action_pressed(v, action);
        return DFV_VIEWER_REQUEST_NONE;
    }
    int control = dfv_bindings_control_for(&v->bindings, input);
    bool scrubbing = control == DFV_CONTROL_SCRUB_BACK || control == DFV_CONTROL_SCRUB_FORWARD;
    if (control >= 0 && (!repeat || scrubbing)) return run_control(v, (dfv_control)control, shift);
    return DFV_VIEWER_REQUEST_NONE;
}

static void input_up(dfv_viewer *v, dfv_input input)
{
    int i = dfv_viewer_held_index(v, input);
    if (i < 0) return;
    v->held[i] = v->held[--v->held_count];
    if (dfv_bindings_action_for(&v->bindings, input) >= 0) v->input_changed_ms = dfv_now_ms();
}

/* Whole-axis (analog) bindings see the stick's position with the dead zone taken out. */
static void pad_analog(dfv_viewer *v, int axis, int value)
{
    if (axis < 0 || axis >= SDL_CONTROLLER_AXIS_MAX) return;
    float position = value > PAD_DEAD_ZONE || value < -PAD_DEAD_ZONE ? (float)value / 32767.0f : 0.0f;
    position = position > 1 ? 1 : position < -1 ? -1 : position;
    if (position == v->pad_axes[axis]) return;
    v->pad_axes[axis] = position;
    if (dfv_bindings_action_for(&v->bindings, (dfv_input){SDLK_UNKNOWN, DFV_PAD_AXIS, axis}) >= 0 && !v->input_changed_ms)
        v->input_changed_ms = dfv_now_ms();
}

static dfv_viewer_request pad_axis(dfv_viewer *v, int axis, int value)
{
    pad_analog(v, axis, value);
    dfv_input positive = {SDLK_UNKNOWN, DFV_PAD_AXIS_POSITIVE, axis}, negative = {SDLK_UNKNOWN, DFV_PAD_AXIS_NEGATIVE, axis};
    dfv_viewer_request request = DFV_VIEWER_REQUEST_NONE;
    if (value > PAD_AXIS_THRESHOLD) request = input_down(v, positive, false, false);
    else input_up(v, positive);
    if (value < -PAD_AXIS_THRESHOLD) request = input_down(v, negative, false, false);
    else input_up(v, negative);
    return request;
}

static void pad_added(dfv_viewer *v, int device_index)
{
    if (!SDL_IsGameController(device_index)) return;
    for (int p = 0; p < DFV_VIEWER_MAX_PADS; p++) {
        if (v->pads[p]) continue;
        v->pads[p] = SDL_GameControllerOpen(device_index);
        if (v->pads[p]) dfv_viewer_notice(v, "gamepad: %s", SDL_GameControllerName(v->pads[p]));
        return;
    }
}

void dfv_viewer_close_pads(dfv_viewer *v)
{
    for (int p = 0; p < DFV_VIEWER_MAX_PADS; p++)
        if (v->pads[p]) SDL_GameControllerClose(v->pads[p]), v->pads[p] = NULL;
}

static dfv_timeline_bar bar_for_hit_test(const dfv_viewer *v)
{
    dfv_timeline_bar bar = {.length = v->path_len, .position = v->position, .text_scale = v->layout.text_scale};
    return bar;
}

static void mouse_scrub(dfv_viewer *v, int x)
{
    dfv_timeline_bar bar = bar_for_hit_test(v);
    dfv_viewer_set_position(v, dfv_timeline_bar_index_at(v->layout.bar, &bar, x));
}

/* Mouse-look: the pointer is captured (relative mode) and its motion and buttons become actions. */
static void mouse_look_on(dfv_viewer *v)
{
    v->mouse_look = true;
    v->mouse_motion[0] = v->mouse_motion[1] = 0;
    if (SDL_SetRelativeMouseMode(SDL_TRUE) != 0)
        dfv_viewer_notice(v, "mouse-look on, but the pointer cannot be captured: %s", SDL_GetError());
    else
        dfv_viewer_notice(v, "mouse-look on: Escape releases the mouse");
}

static void mouse_look_off(dfv_viewer *v)
{
    if (!v->mouse_look) return;
    v->mouse_look = false;
    SDL_SetRelativeMouseMode(SDL_FALSE);
    v->mouse_motion[0] = v->mouse_motion[1] = 0;
    int kept = 0;
    for (int i = 0; i < v->held_count; i++)
        if (v->held[i].pad != DFV_MOUSE_BUTTON) v->held[kept++] = v->held[i];
    if (kept != v->held_count) v->input_changed_ms = dfv_now_ms();
    v->held_count = kept;
    dfv_viewer_notice(v, "mouse released: click the picture for mouse-look");
}

static dfv_viewer_request mouse_look_event(dfv_viewer *v, const SDL_Event *e)
{
    if (e->type == SDL_MOUSEMOTION) {
        v->mouse_motion[0] += e->motion.xrel;
        v->mouse_motion[1] += e->motion.yrel;
        if (!v->input_changed_ms) v->input_changed_ms = dfv_now_ms();
        return DFV_VIEWER_REQUEST_NONE;
    }
    dfv_input button = {SDLK_UNKNOWN, DFV_MOUSE_BUTTON, e->button.button};
    if (e->type == SDL_MOUSEBUTTONDOWN) return input_down(v, button, false, false);
    if (e->type == SDL_MOUSEBUTTONUP) input_up(v, button);
    return DFV_VIEWER_REQUEST_NONE;
}

static dfv_viewer_request mouse_event(dfv_viewer *v, const SDL_Event *e)
{
    if (v->mouse_look && e->type != SDL_MOUSEWHEEL) return mouse_look_event(v, e);
    bool left_down = e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT;
    if (left_down && !dfv_rect_contains(v->layout.bar, e->button.x, e->button.y) &&
        dfv_bindings_use_mouse_look(&v->bindings)) {
        mouse_look_on(v); /* the click that captures the mouse is no action itself */
    } else if (left_down && dfv_rect_contains(v->layout.bar, e->button.x, e->button.y)) {
        v->mouse_scrubbing = true;
        mouse_scrub(v, e->button.x);
    } else if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT) {
        v->mouse_scrubbing = false;
    } else if (e->type == SDL_MOUSEMOTION && v->mouse_scrubbing) {
        mouse_scrub(v, e->motion.x);
    } else if (e->type == SDL_MOUSEWHEEL && e->wheel.y != 0) {
        int target = v->position + (e->wheel.y > 0 ? 1 : -1);
        if (target >= 0 && target < v->path_len) dfv_viewer_set_position(v, target);
    }
    return DFV_VIEWER_REQUEST_NONE;
}

dfv_viewer_request dfv_viewer_handle_event(dfv_viewer *v, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: v->quit = true; break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_CLOSE) v->quit = true;
        if (e->window.event == SDL_WINDOWEVENT_FOCUS_LOST) mouse_look_off(v);
        break;
    case SDL_KEYDOWN:
        /* Escape first releases a captured mouse; only then is it the quit key. */
        if (v->mouse_look && e->key.keysym.sym == SDLK_ESCAPE) {
            mouse_look_off(v);
            break;
        }
        return input_down(v, dfv_input_key(e->key.keysym.sym), e->key.repeat != 0, (e->key.keysym.mod & KMOD_SHIFT) != 0);
    case SDL_KEYUP: input_up(v, dfv_input_key(e->key.keysym.sym)); break;
    case SDL_CONTROLLERDEVICEADDED: pad_added(v, e->cdevice.which); break;
    case SDL_CONTROLLERBUTTONDOWN:
        return input_down(v, (dfv_input){SDLK_UNKNOWN, DFV_PAD_BUTTON, e->cbutton.button}, false, false);
    case SDL_CONTROLLERBUTTONUP: input_up(v, (dfv_input){SDLK_UNKNOWN, DFV_PAD_BUTTON, e->cbutton.button}); break;
    case SDL_CONTROLLERAXISMOTION: return pad_axis(v, e->caxis.axis, e->caxis.value);
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEMOTION:
    case SDL_MOUSEWHEEL: return mouse_event(v, e);
    case SDL_DROPFILE: return DFV_VIEWER_REQUEST_DROP;
    default: break;
    }
    return DFV_VIEWER_REQUEST_NONE;
}

/* A script's press/release as the SDL event a keyboard or gamepad would send. */
static void push_input(const dfv_viewer *v, dfv_input input, bool down)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    if (input.pad == DFV_PAD_NONE) {
        e.type = down ? SDL_KEYDOWN : SDL_KEYUP;
        e.key.windowID = dfv_window_id(v->window);
        e.key.state = down ? SDL_PRESSED : SDL_RELEASED;
        e.key.keysym.sym = input.key;
        e.key.keysym.scancode = SDL_GetScancodeFromKey(input.key);
    } else if (input.pad == DFV_MOUSE_BUTTON) {
        e.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
        e.button.windowID = dfv_window_id(v->window);
        e.button.button = (Uint8)input.pad_index;
        e.button.state = down ? SDL_PRESSED : SDL_RELEASED;
        e.button.clicks = 1;
    } else if (input.pad == DFV_PAD_BUTTON) {
        e.type = down ? SDL_CONTROLLERBUTTONDOWN : SDL_CONTROLLERBUTTONUP;
        e.cbutton.button = (Uint8)input.pad_index;
        e.cbutton.state = down ? SDL_PRESSED : SDL_RELEASED;
    } else {
        e.type = SDL_CONTROLLERAXISMOTION;
        e.caxis.axis = (Uint8)input.pad_index;
        e.caxis.value = (Sint16)(!down ? 0 : input.pad == DFV_PAD_AXIS_POSITIVE ? 32767 : -32767);
    }
    SDL_PushEvent(&e);
}

static void push_click(const dfv_viewer *v, int x, int y)
{
    for (int down = 1; down >= 0; down--) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
        e.button.windowID = dfv_window_id(v->window);
        e.button.button = SDL_BUTTON_LEFT;
        e.button.state = down ? SDL_PRESSED : SDL_RELEASED;
        e.button.clicks = 1;
        e.button.x = x;
        e.button.y = y;
        SDL_PushEvent(&e);
    }
}

static void push_motion(const dfv_viewer *v, int dx, int dy)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.windowID = dfv_window_id(v->window);
    e.motion.xrel = dx;
    e.motion.yrel = dy;
    SDL_PushEvent(&e);
}

void dfv_viewer_push_script_events(dfv_viewer *v)
{
    const dfv_script_event *event;
    while ((event = dfv_input_script_due(&v->script, v->tick)) != NULL) {
        switch (event->verb) {
        case DFV_SCRIPT_PRESS: push_input(v, event->input, true); break;
        case DFV_SCRIPT_RELEASE: push_input(v, event->input, false); break;
        case DFV_SCRIPT_SCREENSHOT: dfv_viewer_request_screenshot(v, event->path, DFV_SHOT_STDERR); break;
        case DFV_SCRIPT_DROP: {
            SDL_Event e;
            memset(&e, 0, sizeof e);
            e.type = SDL_DROPFILE;
            e.drop.file = SDL_strdup(event->path);
            e.drop.windowID = dfv_window_id(v->window);
            SDL_PushEvent(&e);
            break;
        }
        case DFV_SCRIPT_CLICK: push_click(v, event->x, event->y); break;
        case DFV_SCRIPT_RESIZE: dfv_window_set_size(v->window, event->x, event->y); break;
        case DFV_SCRIPT_MOVE: push_motion(v, event->x, event->y); break;
        case DFV_SCRIPT_QUIT: {
            SDL_Event e;
            memset(&e, 0, sizeof e);
            e.type = SDL_QUIT;
            SDL_PushEvent(&e);
            break;
        }
        }
    }
}
