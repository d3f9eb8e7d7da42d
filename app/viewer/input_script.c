/* The input-script parser; see input_script.h. */
#include "input_script.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *word;
    dfv_script_verb verb;
} verb_name;

static const verb_name verbs[] = {
    {"press", DFV_SCRIPT_PRESS}, {"release", DFV_SCRIPT_RELEASE}, {"tap", DFV_SCRIPT_PRESS},
    {"screenshot", DFV_SCRIPT_SCREENSHOT}, {"drop", DFV_SCRIPT_DROP}, {"click", DFV_SCRIPT_CLICK},
    {"resize", DFV_SCRIPT_RESIZE}, {"move", DFV_SCRIPT_MOVE}, {"quit", DFV_SCRIPT_QUIT},
};

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) *--end = '\0';
    return s;
}

static bool push_event(dfv_input_script *s, int *capacity, const dfv_script_event *event)
{
    if (s->count == *capacity) {
        int grown_capacity = *capacity ? *capacity * 2 : 32;
        dfv_script_event *grown = realloc(s->events, (size_t)grown_capacity * sizeof *grown);
        if (!grown) return false;
        s->events = grown;
        *capacity = grown_capacity;
    }
    s->events[s->count++] = *event;
    return true;
}

static bool parse_two_ints(const char *text, int *a, int *b, int lo, int hi)
{
    char tail;
    return sscanf(text, "%d %d %c", a, b, &tail) == 2 && *a >= lo && *a <= hi && *b >= lo && *b <= hi;
}

/* Parses the part after the frame number into one or two events (tap makes two). */
static bool parse_command(char *rest, long frame, int line, dfv_script_event out[2], int *n, char *reason,
                          size_t reason_len)
{
    char *arg = rest;
    while (*arg && !isspace((unsigned char)*arg)) arg++;
    if (*arg) *arg++ = '\0';
    arg = trim(arg);
    const verb_name *verb = NULL;
    for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
        if (!strcmp(rest, verbs[k].word)) verb = &verbs[k];
    if (!verb) {
        snprintf(reason, reason_len, "unknown command '%s' (press, release, tap, screenshot, drop, click, resize, move, quit)", rest);
        return false;
    }
    dfv_script_event e = {.frame = frame, .verb = verb->verb, .line = line};
    *n = 1;
    switch (verb->verb) {
    case DFV_SCRIPT_PRESS:
    case DFV_SCRIPT_RELEASE:
        if (!dfv_input_parse(arg, &e.input)) {
            snprintf(reason, reason_len, "unknown key or pad input '%s'", arg);
            return false;
        }
        if (dfv_input_is_analog(e.input)) {
            snprintf(reason, reason_len, "'%s' is an axis, not a button: %s", arg,
                     e.input.pad == DFV_MOUSE_AXIS ? "use 'move DX DY'" : "press its '+' or '-' half");
            return false;
        }
        if (!strcmp(verb->word, "tap")) {
            out[1] = e;
            out[1].verb = DFV_SCRIPT_RELEASE;
            out[1].frame = frame + 1;
            *n = 2;
        }
        break;
    case DFV_SCRIPT_SCREENSHOT:
    case DFV_SCRIPT_DROP:
        if (!*arg) {
            snprintf(reason, reason_len, "'%s' needs a path", verb->word);
            return false;
        }
        if (!(e.path = strdup(arg))) {
            snprintf(reason, reason_len, "out of memory");
            return false;
        }
        break;
    case DFV_SCRIPT_CLICK:
        if (!parse_two_ints(arg, &e.x, &e.y, 0, 1 << 15)) {
            snprintf(reason, reason_len, "'click' needs two pixel coordinates, got '%s'", arg);
            return false;
        }
        break;
    case DFV_SCRIPT_RESIZE:
        if (!parse_two_ints(arg, &e.x, &e.y, 16, 1 << 14)) {
            snprintf(reason, reason_len, "'resize' needs a width and height from 16 to 16384, got '%s'", arg);
            return false;
        }
        break;
    case DFV_SCRIPT_MOVE:
        if (!parse_two_ints(arg, &e.x, &e.y, -(1 << 15), 1 << 15)) {
            snprintf(reason, reason_len, "'move' needs a motion in pixels (DX DY), got '%s'", arg);
            return false;
        }
        break;
    case DFV_SCRIPT_QUIT:
        if (*arg) {
            snprintf(reason, reason_len, "'quit' takes no argument");
            return false;
        }
        break;
    }
    out[0] = e;
    return true;
}

/* Cuts a trailing comment: '#' at the start or after whitespace. */
static void strip_comment(char *text)
{
    for (char *c = text; *c; c++)
        if (*c == '#' && (c == text || isspace((unsigned char)c[-1]))) {
            *c = '\0';
            return;
        }
}

/* One line; blank and comment lines add nothing. */
static bool parse_line(char *text, int line, dfv_script_event out[2], int *n, char *reason, size_t reason_len)
{
    *n = 0;
    strip_comment(text);
    char *s = trim(text);
    if (!*s || *s == '#') return true;
    errno = 0;
    char *end;
    long frame = strtol(s, &end, 10);
    if (end == s || errno || frame < 0 || !isspace((unsigned char)*end)) {
        snprintf(reason, reason_len, "expected '<frame> <command> [argument]', got '%s'", s);
        return false;
    }
    return parse_command(trim(end), frame, line, out, n, reason, reason_len);
}

static int by_frame_then_order(const void *pa, const void *pb)
{
    const dfv_script_event *a = pa, *b = pb;
    if (a->frame != b->frame) return a->frame < b->frame ? -1 : 1;
    /* Releases made by a tap sort after the frame's own lines; then file order. */
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return 0;
}

bool dfv_input_script_parse(const char *text, const char *name, dfv_input_script *out, char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    int capacity = 0, line = 0;
    const char *cursor = text;
    while (*cursor) {
        const char *eol = strchr(cursor, '\n');
        size_t len = eol ? (size_t)(eol - cursor) : strlen(cursor);
        line++;
        char buffer[4096], reason[300];
        dfv_script_event events[2] = {0};
        int n = 0;
        bool ok = len < sizeof buffer;
        if (!ok) snprintf(reason, sizeof reason, "line longer than %zu characters", sizeof buffer - 1);
        if (ok) {
            memcpy(buffer, cursor, len);
            buffer[len] = '\0';
            ok = parse_line(buffer, line, events, &n, reason, sizeof reason);
        }
        for (int k = 0; ok && k < n; k++) {
            if (ok && !push_event(out, &capacity, &events[k])) {
                free(events[k].path);
                ok = false;
                snprintf(reason, sizeof reason, "out of memory");
            }
        }
        if (!ok) {
            dfv_error_set(err, "%s:%d: %s", name, line, reason);
            dfv_input_script_free(out);
            return false;
        }
        cursor += len;
        if (*cursor == '\n') cursor++;
    }
    if (out->count) qsort(out->events, (size_t)out->count, sizeof *out->events, by_frame_then_order);
    return true;
}

bool dfv_input_script_load(const char *path, dfv_input_script *out, char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        dfv_error_set(err, "%s: cannot open the script: %s", path, strerror(errno));
        return false;
    }
    char *text = NULL;
    size_t size = 0;
    bool ok = fseek(f, 0, SEEK_END) == 0 && (size = (size_t)ftell(f)) < (16u << 20) && fseek(f, 0, SEEK_SET) == 0 &&
              (text = malloc(size + 1)) != NULL && fread(text, 1, size, f) == size;
    fclose(f);
    if (!ok) {
        free(text);
        dfv_error_set(err, "%s: cannot read the script (or it is over 16 MiB)", path);
        return false;
    }
    text[size] = '\0';
    if (strlen(text) != size) {
        free(text);
        dfv_error_set(err, "%s: not a text file (contains NUL bytes)", path);
        return false;
    }
    ok = dfv_input_script_parse(text, path, out, err);
    free(text);
    return ok;
}

void dfv_input_script_free(dfv_input_script *script)
{
    for (int k = 0; k < script->count; k++) free(script->events[k].path);
    free(script->events);
    memset(script, 0, sizeof *script);
}

const dfv_script_event *dfv_input_script_due(dfv_input_script *script, long frame)
{
    if (script->next >= script->count || script->events[script->next].frame > frame) return NULL;
    return &script->events[script->next++];
}

long dfv_input_script_last_frame(const dfv_input_script *script)
{
    return script->count ? script->events[script->count - 1].frame : -1;
}
