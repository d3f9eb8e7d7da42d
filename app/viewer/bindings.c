/* Default bindings by action name, and the bindings.ini parser; see bindings.h. */
#include "bindings.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults per action name: what a player of DMLab-like and Minecraft-like games expects. */
typedef struct {
    const char *action;
    const char *inputs; /* comma-separated, as in bindings.ini */
} default_binding;

static const default_binding action_defaults[] = {
    {"forward", "W, Up, pad:dpup, pad:lefty-"},
    {"backward", "S, Down, pad:dpdown, pad:lefty+"},
    {"turn_left", "A, Left, pad:dpleft, pad:rightx-"},
    {"turn_right", "D, Right, pad:dpright, pad:rightx+"},
    {"strafe_left", "Q, pad:leftx-, pad:leftshoulder"},
    {"strafe_right", "E, pad:leftx+, pad:rightshoulder"},
    {"jump", "Space, pad:a"},
    {"look_up", "R, pad:righty-"},
    {"look_down", "F, pad:righty+"},
    /* Oasis-500M (open-oasis ACTION_KEYS): Minecraft's keys. Escape stays the viewer's own (quit, or leave
     * mouse-look), so the game's ESC is on the key below it. cameraX is the pitch (mouse down looks down),
     * cameraY the yaw. */
    {"back", "S, Down, pad:dpdown, pad:lefty+"},
    {"left", "A, pad:dpleft, pad:leftx-"},
    {"right", "D, pad:dpright, pad:leftx+"},
    {"cameraX", "mouse:y, pad:righty"},
    {"cameraY", "mouse:x, pad:rightx"},
    {"sneak", "Left Shift, Right Shift, pad:rightstick"},
    {"sprint", "Left Ctrl, Right Ctrl, pad:leftstick"},
    {"attack", "mouse:left, pad:righttrigger+"},
    {"use", "mouse:right, pad:lefttrigger+"},
    {"pickItem", "mouse:middle"},
    {"swapHands", "F"},
    {"inventory", "E, pad:y"},
    {"drop", "Q, pad:b"},
    {"ESC", "`"},
    {"hotbar.1", "1"}, {"hotbar.2", "2"}, {"hotbar.3", "3"}, {"hotbar.4", "4"}, {"hotbar.5", "5"},
    {"hotbar.6", "6"}, {"hotbar.7", "7"}, {"hotbar.8", "8"}, {"hotbar.9", "9"},
};

/* Named settings of bindings.ini, with their ranges. */
typedef struct {
    const char *name;
    size_t offset; /* into dfv_bindings */
    double min, max;
} binding_setting;

static const binding_setting settings[] = {
    {"mouse_sensitivity", offsetof(dfv_bindings, mouse_sensitivity), 1e-6, 1.0},
    {"stick_sensitivity", offsetof(dfv_bindings, stick_sensitivity), 1e-6, 1.0},
};

static const char *const mouse_buttons[] = {"", "left", "middle", "right", "x1", "x2"}; /* by SDL_BUTTON_* */

static const char *const control_names[DFV_CONTROL_COUNT] = {
    "pause", "step", "reset", "scrub_back", "scrub_forward", "branch_prev", "branch_next",
    "hud", "stability_panel", "bilinear", "fullscreen", "screenshot", "record", "quit",
    "steps_down", "steps_up", "stabilization_down", "stabilization_up", "schedule_next", "window_down", "window_up",
    "rng_reseed",
};

static const char *const control_defaults[DFV_CONTROL_COUNT] = {
    "P, pad:start", "N", "Backspace, pad:back", "[", "]", "PageUp", "PageDown",
    "H", "T", "B", "F11", "F12", "F9", "Escape",
    "Comma", ".", ";", "'", "/", "-", "=", "G",
};

/* Number keys for actions that have no named default, so every action can be reached. */
static const char *const spare_keys[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"};

dfv_input dfv_input_key(SDL_Keycode key)
{
    dfv_input input = {.key = key, .pad = DFV_PAD_NONE, .pad_index = 0};
    return input;
}

bool dfv_input_equal(dfv_input a, dfv_input b)
{
    if (a.pad != b.pad) return false;
    return a.pad == DFV_PAD_NONE ? a.key == b.key : a.pad_index == b.pad_index;
}

bool dfv_input_is_analog(dfv_input input)
{
    return input.pad == DFV_PAD_AXIS || input.pad == DFV_MOUSE_AXIS;
}

/* "mouse:left" … "mouse:x2" (buttons) and "mouse:x" / "mouse:y" (motion). */
static bool parse_mouse(const char *what, dfv_input *input)
{
    if (!strcmp(what, "x") || !strcmp(what, "y")) {
        *input = (dfv_input){SDLK_UNKNOWN, DFV_MOUSE_AXIS, what[0] == 'y'};
        return true;
    }
    for (int b = 1; b < (int)(sizeof mouse_buttons / sizeof mouse_buttons[0]); b++)
        if (!strcmp(what, mouse_buttons[b])) {
            *input = (dfv_input){SDLK_UNKNOWN, DFV_MOUSE_BUTTON, b};
            return true;
        }
    return false;
}

bool dfv_input_parse(const char *name, dfv_input *input)
{
    if (!strncmp(name, "mouse:", 6)) return parse_mouse(name + 6, input);
    if (!strncmp(name, "pad:", 4)) {
        const char *what = name + 4;
        size_t len = strlen(what);
        char axis[32];
        if (len > 1 && len < sizeof axis && (what[len - 1] == '+' || what[len - 1] == '-')) {
            memcpy(axis, what, len - 1);
            axis[len - 1] = '\0';
            SDL_GameControllerAxis a = SDL_GameControllerGetAxisFromString(axis);
            if (a == SDL_CONTROLLER_AXIS_INVALID) return false;
            *input = (dfv_input){SDLK_UNKNOWN, what[len - 1] == '+' ? DFV_PAD_AXIS_POSITIVE : DFV_PAD_AXIS_NEGATIVE, a};
            return true;
        }
        SDL_GameControllerAxis whole = SDL_GameControllerGetAxisFromString(what);
        if (whole != SDL_CONTROLLER_AXIS_INVALID) {
            *input = (dfv_input){SDLK_UNKNOWN, DFV_PAD_AXIS, whole};
            return true;
        }
        SDL_GameControllerButton button = SDL_GameControllerGetButtonFromString(what);
        if (button == SDL_CONTROLLER_BUTTON_INVALID) return false;
        *input = (dfv_input){SDLK_UNKNOWN, DFV_PAD_BUTTON, button};
        return true;
    }
    /* ',' cannot appear in a comma-separated list, so it has a name of its own. */
    SDL_Keycode key = !SDL_strcasecmp(name, "Comma") ? SDLK_COMMA : SDL_GetKeyFromName(name);
    if (key == SDLK_UNKNOWN) return false;
    *input = dfv_input_key(key);
    return true;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = '\0';
    return s;
}

/* Parses a comma-separated input list into `out`; on failure names the bad input in `reason`. */
static bool parse_input_list(const char *list, dfv_binding *out, char *reason, size_t reason_len)
{
    char copy[512];
    if (strlen(list) >= sizeof copy) {
        snprintf(reason, reason_len, "input list longer than %zu characters", sizeof copy - 1);
        return false;
    }
    strcpy(copy, list);
    dfv_binding binding = {.count = 0};
    char *save = NULL;
    for (char *token = strtok_r(copy, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
        char *name = trim(token);
        if (!*name) continue;
        if (binding.count == DFV_BINDINGS_MAX_INPUTS) {
            snprintf(reason, reason_len, "more than %d inputs for one binding", DFV_BINDINGS_MAX_INPUTS);
            return false;
        }
        if (!dfv_input_parse(name, &binding.inputs[binding.count])) {
            snprintf(reason, reason_len, "unknown key or pad input '%s'", name);
            return false;
        }
        binding.count++;
    }
    *out = binding;
    return true;
}

static void set_default(dfv_binding *binding, const char *inputs)
{
    char unused[128];
    if (!parse_input_list(inputs, binding, unused, sizeof unused)) binding->count = 0;
}

static bool bound_anywhere(const dfv_bindings *b, dfv_input input)
{
    return dfv_bindings_action_for(b, input) >= 0 || dfv_bindings_control_for(b, input) >= 0;
}

void dfv_bindings_defaults(dfv_bindings *b, const char *const *action_names, int action_count)
{
    memset(b, 0, sizeof *b);
    b->mouse_sensitivity = DFV_DEFAULT_MOUSE_SENSITIVITY;
    b->stick_sensitivity = DFV_DEFAULT_STICK_SENSITIVITY;
    b->action_count = action_count < DFV_MAX_ACTIONS ? action_count : DFV_MAX_ACTIONS;
    for (int c = 0; c < DFV_CONTROL_COUNT; c++) set_default(&b->controls[c], control_defaults[c]);
    for (int a = 0; a < b->action_count; a++) {
        b->action_names[a] = action_names[a];
        for (size_t d = 0; d < sizeof action_defaults / sizeof action_defaults[0]; d++)
            if (!strcmp(action_names[a], action_defaults[d].action)) set_default(&b->actions[a], action_defaults[d].inputs);
    }
    size_t spare = 0;
    for (int a = 0; a < b->action_count; a++) {
        if (b->actions[a].count || !strcmp(action_names[a], "none")) continue;
        while (spare < sizeof spare_keys / sizeof spare_keys[0]) {
            dfv_input input = dfv_input_key(SDL_GetKeyFromName(spare_keys[spare++]));
            if (bound_anywhere(b, input)) continue;
            b->actions[a].inputs[0] = input;
            b->actions[a].count = 1;
            break;
        }
    }
}

/* The binding a name refers to (action or control), or NULL. */
static dfv_binding *binding_named(dfv_bindings *b, const char *name)
{
    for (int a = 0; a < b->action_count; a++)
        if (!strcmp(b->action_names[a], name)) return &b->actions[a];
    for (int c = 0; c < DFV_CONTROL_COUNT; c++)
        if (!strcmp(control_names[c], name)) return &b->controls[c];
    return NULL;
}

/* A rebound input leaves whatever else had it, so one key never triggers two things. */
static void unbind_elsewhere(dfv_bindings *b, const dfv_binding *keep, dfv_input input)
{
    dfv_binding *all[DFV_MAX_ACTIONS + DFV_CONTROL_COUNT];
    int n = 0;
    for (int a = 0; a < b->action_count; a++) all[n++] = &b->actions[a];
    for (int c = 0; c < DFV_CONTROL_COUNT; c++) all[n++] = &b->controls[c];
    for (int k = 0; k < n; k++) {
        if (all[k] == keep) continue;
        int w = 0;
        for (int i = 0; i < all[k]->count; i++)
            if (!dfv_input_equal(all[k]->inputs[i], input)) all[k]->inputs[w++] = all[k]->inputs[i];
        all[k]->count = w;
    }
}

static void append_error(char *errors, int errors_len, const char *source_name, int line, const char *reason)
{
    if (!errors || errors_len <= 0) return;
    size_t used = strlen(errors);
    if (used + 1 >= (size_t)errors_len) return;
    snprintf(errors + used, (size_t)errors_len - used, "%s:%d: %s\n", source_name, line, reason);
}

/* "mouse_sensitivity = 0.02": true when `name` is a setting (then *ok says whether the value was good). */
static bool apply_setting(dfv_bindings *b, const char *name, const char *value_text, bool *ok, char *reason,
                          size_t reason_len)
{
    for (size_t s = 0; s < sizeof settings / sizeof settings[0]; s++) {
        if (strcmp(name, settings[s].name)) continue;
        char *end = NULL;
        double value = strtod(value_text, &end);
        while (end && isspace((unsigned char)*end)) end++;
        *ok = end != value_text && end && !*end && isfinite(value) && value >= settings[s].min && value <= settings[s].max;
        if (*ok) *(double *)((char *)b + settings[s].offset) = value;
        else snprintf(reason, reason_len, "%s takes a number above 0 and at most %g, got '%s'", name, settings[s].max,
                      value_text);
        return true;
    }
    return false;
}

/* Applies one line; false with a reason for a bad one. */
static bool apply_line(dfv_bindings *b, char *line, char *reason, size_t reason_len)
{
    char *text = trim(line);
    if (!*text || *text == '#' || *text == ';') return true;
    if (*text == '[') return true; /* INI section headers are allowed and carry no meaning */
    char *equals = strchr(text, '=');
    if (!equals) {
        snprintf(reason, reason_len, "expected 'name = inputs', got '%s'", text);
        return false;
    }
    *equals = '\0';
    char *name = trim(text);
    bool setting_ok = false;
    if (apply_setting(b, name, trim(equals + 1), &setting_ok, reason, reason_len)) return setting_ok;
    dfv_binding *binding = binding_named(b, name);
    if (!binding) {
        snprintf(reason, reason_len, "unknown action or control '%s'", name);
        return false;
    }
    dfv_binding parsed;
    if (!parse_input_list(equals + 1, &parsed, reason, reason_len)) return false;
    *binding = parsed;
    for (int i = 0; i < parsed.count; i++) unbind_elsewhere(b, binding, parsed.inputs[i]);
    return true;
}

int dfv_bindings_apply_source_keys(dfv_bindings *b, const char *const *inputs, const char *source_name, char *errors,
                                   int errors_len)
{
    int bad = 0;
    for (int a = 0; a < b->action_count; a++) {
        if (!inputs[a] || !*inputs[a]) continue;
        dfv_binding parsed;
        char reason[256];
        if (!parse_input_list(inputs[a], &parsed, reason, sizeof reason)) {
            if (errors && errors_len > 0) {
                size_t used = strlen(errors);
                snprintf(errors + used, (size_t)errors_len - used, "%s: keys of action '%s': %s\n", source_name,
                         b->action_names[a], reason);
            }
            bad++;
            continue;
        }
        b->actions[a] = parsed;
        for (int i = 0; i < parsed.count; i++) unbind_elsewhere(b, &b->actions[a], parsed.inputs[i]);
    }
    return bad;
}

int dfv_bindings_parse(dfv_bindings *b, const char *text, const char *source_name, char *errors, int errors_len)
{
    int bad = 0, line_number = 0;
    const char *cursor = text;
    while (*cursor) {
        const char *end = strchr(cursor, '\n');
        size_t len = end ? (size_t)(end - cursor) : strlen(cursor);
        line_number++;
        char line[1024], reason[256];
        if (len >= sizeof line) {
            snprintf(reason, sizeof reason, "line longer than %zu characters", sizeof line - 1);
            append_error(errors, errors_len, source_name, line_number, reason);
            bad++;
        } else {
            memcpy(line, cursor, len);
            line[len] = '\0';
            if (!apply_line(b, line, reason, sizeof reason)) {
                append_error(errors, errors_len, source_name, line_number, reason);
                bad++;
            }
        }
        cursor += len;
        if (*cursor == '\n') cursor++;
    }
    return bad;
}

int dfv_bindings_load_file(dfv_bindings *b, const char *path, bool *found, char *errors, int errors_len)
{
    *found = false;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    *found = true;
    char *text = NULL;
    size_t size = 0;
    bool ok = fseek(f, 0, SEEK_END) == 0 && (size = (size_t)ftell(f)) < (1u << 20) && fseek(f, 0, SEEK_SET) == 0 &&
              (text = malloc(size + 1)) != NULL && fread(text, 1, size, f) == size;
    fclose(f);
    if (!ok) {
        free(text);
        append_error(errors, errors_len, path, 0, "cannot read the file (or it is over 1 MiB)");
        return 1;
    }
    text[size] = '\0';
    if (strlen(text) != size) {
        free(text);
        append_error(errors, errors_len, path, 0, "not a text file (contains NUL bytes)");
        return 1;
    }
    int bad = dfv_bindings_parse(b, text, path, errors, errors_len);
    free(text);
    return bad;
}

bool dfv_bindings_default_path(char *path, int path_len)
{
    const char *config = getenv("XDG_CONFIG_HOME");
    if (config && *config) return snprintf(path, (size_t)path_len, "%s/dfview/bindings.ini", config) < path_len;
    const char *home = getenv("HOME");
    if (home && *home) return snprintf(path, (size_t)path_len, "%s/.config/dfview/bindings.ini", home) < path_len;
    return false;
}

static int find_in(const dfv_binding *bindings, int count, dfv_input input)
{
    for (int k = 0; k < count; k++)
        for (int i = 0; i < bindings[k].count; i++)
            if (dfv_input_equal(bindings[k].inputs[i], input)) return k;
    return -1;
}

bool dfv_bindings_use_mouse_look(const dfv_bindings *b)
{
    for (int a = 0; a < b->action_count; a++)
        for (int i = 0; i < b->actions[a].count; i++)
            if (b->actions[a].inputs[i].pad == DFV_MOUSE_AXIS) return true;
    return false;
}

int dfv_bindings_action_for(const dfv_bindings *b, dfv_input input) { return find_in(b->actions, b->action_count, input); }
int dfv_bindings_control_for(const dfv_bindings *b, dfv_input input) { return find_in(b->controls, DFV_CONTROL_COUNT, input); }

const char *dfv_bindings_control_name(dfv_control control)
{
    return control >= 0 && control < DFV_CONTROL_COUNT ? control_names[control] : "?";
}

void dfv_bindings_describe(const dfv_binding *binding, char *text, int text_len)
{
    text[0] = '\0';
    for (int i = 0; i < binding->count; i++) {
        const dfv_input *in = &binding->inputs[i];
        char one[64];
        if (in->pad == DFV_PAD_NONE)
            snprintf(one, sizeof one, "%s", SDL_GetKeyName(in->key));
        else if (in->pad == DFV_MOUSE_AXIS)
            snprintf(one, sizeof one, "mouse:%c", in->pad_index ? 'y' : 'x');
        else if (in->pad == DFV_MOUSE_BUTTON)
            snprintf(one, sizeof one, "mouse:%s", in->pad_index > 0 && in->pad_index < 6 ? mouse_buttons[in->pad_index] : "?");
        else if (in->pad == DFV_PAD_AXIS)
            snprintf(one, sizeof one, "pad:%s", SDL_GameControllerGetStringForAxis(in->pad_index));
        else if (in->pad == DFV_PAD_BUTTON)
            snprintf(one, sizeof one, "pad:%s", SDL_GameControllerGetStringForButton(in->pad_index));
        else
            snprintf(one, sizeof one, "pad:%s%c", SDL_GameControllerGetStringForAxis(in->pad_index),
                     in->pad == DFV_PAD_AXIS_POSITIVE ? '+' : '-');
        size_t used = strlen(text);
        snprintf(text + used, (size_t)text_len - used, "%s%s", i ? ", " : "", one);
    }
}
