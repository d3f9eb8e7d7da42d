#include "action_script.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_NESTING 64
#define MAX_SCRIPT_BYTES (64 << 20)
#define RANDOM_HOLD_FRAMES 4

struct dfv_action_script {
    int dim;
    float *vectors; /* one per action line, dim floats each */
    int64_t vector_count, vector_capacity;
    uint32_t *frames; /* per frame: which vector */
    int64_t frame_count, frame_capacity;
};

/* The parser reports through the common error setter; the short name keeps its many messages on one line. */
#define fail(...) dfv_error_set(__VA_ARGS__)

typedef struct {
    int number; /* 1-based line in the file */
    char *text; /* comment stripped, trimmed, non-empty */
} script_line;

typedef struct {
    const char *source;
    const dfv_action_space *space;
    script_line *lines;
    int line_count;
    dfv_action_script *script;
    char *err;
} script_parser;

static bool check_space(const dfv_action_space *space, char *err)
{
    if (!space || space->dim < 1 || space->dim > 4096)
        return fail(err, "actions: the model has no action input (dim %d)", space ? space->dim : 0);
    if (space->kind != DFV_ACTIONS_ONE_HOT && space->kind != DFV_ACTIONS_MULTI_HOT && space->kind != DFV_ACTIONS_CONTINUOUS)
        return fail(err, "actions: unknown action kind %d", (int)space->kind);
    return true;
}

static const char *kind_name(dfv_action_kind kind)
{
    return kind == DFV_ACTIONS_ONE_HOT ? "one-hot" : kind == DFV_ACTIONS_MULTI_HOT ? "multi-hot" : "continuous";
}

/* "none, forward, turn_left, ..." for error messages. */
static const char *list_names(const dfv_action_space *space, char *out, size_t size)
{
    if (!space->names) {
        snprintf(out, size, "none named: give %d numbers", space->dim);
        return out;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < space->dim && used + 1 < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", space->names[i]);
    return out;
}

static int find_name(const dfv_action_space *space, const char *name, size_t length)
{
    for (int i = 0; space->names && i < space->dim; i++)
        if (strlen(space->names[i]) == length && strncasecmp(space->names[i], name, length) == 0)
            return i;
    return -1;
}

/* ---- the script store ---------------------------------------------------------------------------- */

static bool grow(void **items, int64_t *capacity, int64_t needed, size_t item_size)
{
    if (needed <= *capacity)
        return true;
    int64_t next = *capacity ? *capacity : 64;
    while (next < needed)
        next *= 2;
    void *bigger = realloc(*items, (size_t)next * item_size);
    if (!bigger)
        return false;
    *items = bigger;
    *capacity = next;
    return true;
}

static float *new_vector(dfv_action_script *script)
{
    if (!grow((void **)&script->vectors, &script->vector_capacity, (script->vector_count + 1) * script->dim,
              sizeof(float)))
        return NULL;
    float *vector = script->vectors + script->vector_count * script->dim;
    script->vector_count++;
    memset(vector, 0, sizeof(float) * (size_t)script->dim);
    return vector;
}

static bool append_frames(dfv_action_script *script, const uint32_t *frames, int64_t count)
{
    if (!grow((void **)&script->frames, &script->frame_capacity, script->frame_count + count, sizeof(uint32_t)))
        return false;
    memmove(script->frames + script->frame_count, frames, sizeof(uint32_t) * (size_t)count);
    script->frame_count += count;
    return true;
}

/* ---- reading lines --------------------------------------------------------------------------------- */

static char *trim(char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        text[--n] = '\0';
    return text;
}

/* Splits text into numbered lines without comments or blanks (edits `copy` in place). */
static bool split_lines(script_parser *p, char *copy, size_t length)
{
    int capacity = 0;
    int number = 0;
    for (char *line = copy; line && line < copy + length + 1;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        number++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *text = trim(line);
        line = next;
        if (!*text)
            continue;
        if (p->line_count == capacity) {
            capacity = capacity ? capacity * 2 : 256;
            script_line *bigger = realloc(p->lines, sizeof *bigger * (size_t)capacity);
            if (!bigger)
                return fail(p->err, "%s: out of memory", p->source);
            p->lines = bigger;
        }
        p->lines[p->line_count++] = (script_line){number, text};
    }
    return true;
}

/* ---- one action line ----------------------------------------------------------------------------- */

static bool parse_numbers(script_parser *p, const script_line *line, float *vector)
{
    const dfv_action_space *space = p->space;
    double values[4097];
    int count = 0;
    const char *cursor = line->text;
    while (*cursor) {
        char *end = NULL;
        errno = 0;
        double value = strtod(cursor, &end);
        if (end == cursor || errno || !isfinite(value))
            return fail(p->err, "%s:%d: '%s' is not a number", p->source, line->number, cursor);
        if (count < 4097)
            values[count] = value;
        count++;
        cursor = end;
        while (isspace((unsigned char)*cursor) || *cursor == ',')
            cursor++;
    }
    if (count == 1 && space->kind != DFV_ACTIONS_CONTINUOUS) {
        if (values[0] != floor(values[0]) || values[0] < 0 || values[0] >= space->dim)
            return fail(p->err, "%s:%d: action index %s is out of range (this model has actions 0..%d)", p->source,
                        line->number, line->text, space->dim - 1);
        vector[(int)values[0]] = 1.0f;
        return true;
    }
    if (count != space->dim)
        return fail(p->err, "%s:%d: expected %d numbers (one per action), got %d", p->source, line->number,
                    space->dim, count);
    int ones = 0;
    for (int i = 0; i < count; i++) {
        if (space->kind != DFV_ACTIONS_CONTINUOUS && values[i] != 0 && values[i] != 1)
            return fail(p->err, "%s:%d: %s actions take 0 or 1, got %g", p->source, line->number,
                        kind_name(space->kind), values[i]);
        if (values[i] < -1.0 || values[i] > 1.0)
            return fail(p->err, "%s:%d: number %d is %g, out of range: continuous actions take values in [-1, 1]",
                        p->source, line->number, i + 1, values[i]);
        ones += values[i] == 1;
        vector[i] = (float)values[i];
    }
    if (space->kind == DFV_ACTIONS_ONE_HOT && ones != 1)
        return fail(p->err, "%s:%d: one-hot actions need exactly one 1, got %d", p->source, line->number, ones);
    return true;
}

/* One term of a named line: `forward`, `cameraX=0.2`, or the pair alias `camera=0.2,-0.1`. */
typedef struct {
    const char *text;   /* where the term starts (its name), for lookups and messages */
    size_t name_length;
    size_t length;      /* of the whole term */
    int value_count;    /* 0 for a bare name (meaning 1), 1, or 2 for a pair */
    double values[2];
} action_term;

static const char *skip_spaces(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    return text;
}

/* Reads "= V" or "= X, Y" at *cursor (on the '='); leaves *cursor after the last number. */
static bool read_values(script_parser *p, const script_line *line, const char **cursor, action_term *term)
{
    const char *at = skip_spaces(*cursor + 1);
    for (;;) {
        char *end = NULL;
        errno = 0;
        double value = strtod(at, &end);
        const char *shown_end = at + strcspn(at, "+, \t");
        if (end == at || errno || !isfinite(value))
            return fail(p->err, "%s:%d: '%.*s' needs a number after '='", p->source, line->number,
                        (int)(shown_end - term->text), term->text);
        if (term->value_count == 2)
            return fail(p->err, "%s:%d: '%.*s' gives more than two values", p->source, line->number,
                        (int)(shown_end - term->text), term->text);
        term->values[term->value_count++] = value;
        at = skip_spaces(end);
        if (*at != ',') {
            *cursor = end;
            return true;
        }
        at = skip_spaces(at + 1);
    }
}

/* The term at *cursor: 1 with the term (and *cursor on the next one), 0 at the end of the line, -1 after
 * reporting a syntax error. Terms are separated by spaces and/or one '+'. */
static int next_term(script_parser *p, const script_line *line, const char **cursor, action_term *term)
{
    const char *at = *cursor;
    if (!*at)
        return 0;
    *term = (action_term){.text = at, .name_length = strcspn(at, "+=, \t\r\v\f")};
    if (term->name_length == 0)
        return *at == '+' ? (fail(p->err, "%s:%d: empty action name in '%s'", p->source, line->number, line->text), -1)
                          : (fail(p->err, "%s:%d: expected an action name at '%s'", p->source, line->number, at), -1);
    const char *after = skip_spaces(at + term->name_length);
    if (*after == '=') {
        if (!read_values(p, line, &after, term))
            return -1;
    } else {
        after = at + term->name_length;
    }
    if (*after && *after != '+' && !isspace((unsigned char)*after))
        return fail(p->err, "%s:%d: unexpected '%c' in '%s'", p->source, line->number, *after, line->text), -1;
    term->length = (size_t)(after - at);
    const char *next = skip_spaces(after);
    if (*next == '+') {
        next = skip_spaces(next + 1);
        if (!*next)
            return fail(p->err, "%s:%d: '%s' ends with '+'", p->source, line->number, line->text), -1;
    }
    *cursor = next;
    return 1;
}

/* The actions a term sets: its own name, or NAMEX and NAMEY for the pair alias NAME=X,Y. */
static int term_targets(const dfv_action_space *space, const action_term *term, int targets[2])
{
    targets[0] = find_name(space, term->text, term->name_length);
    if (targets[0] >= 0)
        return 1;
    char name[256];
    if (term->name_length + 2 > sizeof name)
        return 0;
    for (int axis = 0; axis < 2; axis++) {
        snprintf(name, sizeof name, "%.*s%c", (int)term->name_length, term->text, axis ? 'Y' : 'X');
        targets[axis] = find_name(space, name, term->name_length + 1);
    }
    return targets[0] >= 0 && targets[1] >= 0 ? 2 : 0;
}

/* Checks a term against the model's actions and writes its values; `set` marks the actions named so far. */
static bool apply_term(script_parser *p, const script_line *line, const action_term *term, float *vector,
                       unsigned char *set)
{
    const dfv_action_space *space = p->space;
    int name_length = (int)term->name_length, targets[2];
    char names[600];
    int count = term_targets(space, term, targets);
    if (count == 0)
        return fail(p->err, "%s:%d: unknown action '%.*s' (this model's actions: %s)", p->source, line->number,
                    name_length, term->text, list_names(space, names, sizeof names));
    if (term->value_count && space->kind != DFV_ACTIONS_CONTINUOUS)
        return fail(p->err, "%s:%d: '%.*s' gives a value, but this model's actions are %s (on or off)", p->source,
                    line->number, (int)term->length, term->text, kind_name(space->kind));
    if (count == 2 && term->value_count != 2)
        return fail(p->err, "%s:%d: '%.*s' stands for %s and %s: give both values (%.*s=X,Y)", p->source,
                    line->number, name_length, term->text, space->names[targets[0]], space->names[targets[1]],
                    name_length, term->text);
    if (count == 1 && term->value_count == 2)
        return fail(p->err, "%s:%d: '%.*s' is one action but is given two values", p->source, line->number,
                    name_length, term->text);
    for (int k = 0; k < count; k++) {
        double value = term->value_count ? term->values[k] : 1.0;
        const char *name = space->names[targets[k]];
        if (set[targets[k]])
            return fail(p->err, "%s:%d: '%s' names %s twice", p->source, line->number, line->text, name);
        if (value < -1.0 || value > 1.0)
            return fail(p->err, "%s:%d: %s=%g is out of range: continuous actions take values in [-1, 1]",
                        p->source, line->number, name, value);
        set[targets[k]] = 1;
        vector[targets[k]] = (float)value;
    }
    return true;
}

/* Counts the terms of a line (reporting syntax errors): one-hot lines must have exactly one. */
static int count_terms(script_parser *p, const script_line *line)
{
    const char *cursor = line->text;
    action_term term;
    int count = 0, r;
    while ((r = next_term(p, line, &cursor, &term)) == 1)
        count++;
    return r < 0 ? -1 : count;
}

static bool parse_names(script_parser *p, const script_line *line, float *vector)
{
    const char *text = line->text;
    if (!strcasecmp(text, "none") && find_name(p->space, "none", 4) < 0) {
        if (p->space->kind == DFV_ACTIONS_ONE_HOT)
            return fail(p->err, "%s:%d: this model has no 'none' action (one-hot: name one action per frame)",
                        p->source, line->number);
        return true; /* all zeros */
    }
    int count = count_terms(p, line);
    if (count < 0)
        return false;
    if (count > 1 && p->space->kind == DFV_ACTIONS_ONE_HOT)
        return fail(p->err, "%s:%d: '%s' combines actions, but this model takes one action per frame (one-hot)",
                    p->source, line->number, text);
    unsigned char *set = calloc((size_t)p->space->dim, 1);
    if (!set)
        return fail(p->err, "%s: out of memory", p->source);
    const char *cursor = text;
    action_term term;
    bool ok = true;
    while (ok && next_term(p, line, &cursor, &term) == 1)
        ok = apply_term(p, line, &term, vector, set);
    free(set);
    return ok;
}

static bool parse_action_line(script_parser *p, const script_line *line)
{
    float *vector = new_vector(p->script);
    if (!vector)
        return fail(p->err, "%s: out of memory", p->source);
    char first = line->text[0];
    bool numeric = isdigit((unsigned char)first) || first == '-' || first == '+' || first == '.';
    if (!(numeric ? parse_numbers(p, line, vector) : parse_names(p, line, vector)))
        return false;
    uint32_t index = (uint32_t)(p->script->vector_count - 1);
    if (p->script->frame_count + 1 > DFV_ACTION_SCRIPT_MAX_FRAMES)
        return fail(p->err, "%s:%d: the script expands to more than %d frames", p->source, line->number,
                    DFV_ACTION_SCRIPT_MAX_FRAMES);
    return append_frames(p->script, &index, 1) || fail(p->err, "%s: out of memory", p->source);
}

/* ---- repeat and blocks ----------------------------------------------------------------------------- */

static bool parse_item(script_parser *p, int *at, int depth);

/* Lines up to the matching "}" (when in a block) or the end of the file. */
static bool parse_sequence(script_parser *p, int *at, int depth, const script_line *opened_by)
{
    while (*at < p->line_count) {
        const script_line *line = &p->lines[*at];
        if (!strcmp(line->text, "}")) {
            if (!opened_by)
                return fail(p->err, "%s:%d: '}' without a 'repeat N {' to close", p->source, line->number);
            (*at)++;
            return true;
        }
        if (!parse_item(p, at, depth))
            return false;
    }
    if (opened_by)
        return fail(p->err, "%s:%d: the block opened here is never closed with '}'", p->source, opened_by->number);
    return true;
}

/* Repeats the frames appended since `start` so that they occur `count` times in all. */
static bool repeat_frames(script_parser *p, const script_line *line, int64_t start, int64_t count)
{
    dfv_action_script *script = p->script;
    int64_t span = script->frame_count - start;
    if (count == 0) {
        script->frame_count = start;
        return true;
    }
    if (span > 0 && (count - 1) > (DFV_ACTION_SCRIPT_MAX_FRAMES - script->frame_count) / span)
        return fail(p->err, "%s:%d: the script expands to more than %d frames", p->source, line->number,
                    DFV_ACTION_SCRIPT_MAX_FRAMES);
    /* Grow once up front: copying from the array while it moves would read freed memory. */
    if (!grow((void **)&script->frames, &script->frame_capacity, script->frame_count + span * (count - 1),
              sizeof(uint32_t)))
        return fail(p->err, "%s: out of memory", p->source);
    for (int64_t copy = 1; copy < count; copy++)
        append_frames(script, script->frames + start, span);
    return true;
}

static bool parse_repeat(script_parser *p, int *at, int depth)
{
    const script_line *line = &p->lines[*at];
    char *end = NULL;
    const char *count_text = line->text + 6;
    while (isspace((unsigned char)*count_text))
        count_text++;
    errno = 0;
    long long count = isdigit((unsigned char)*count_text) ? strtoll(count_text, &end, 10) : -1;
    if (count < 0 || errno || (*end && !isspace((unsigned char)*end)))
        return fail(p->err, "%s:%d: 'repeat' needs a count (repeat N)", p->source, line->number);
    if (depth >= MAX_NESTING)
        return fail(p->err, "%s:%d: repeats nested more than %d deep", p->source, line->number, MAX_NESTING);
    char *rest = trim(end);
    int64_t start = p->script->frame_count;
    (*at)++;
    bool ok;
    if (!strcmp(rest, "{")) {
        ok = parse_sequence(p, at, depth + 1, line);
    } else if (*rest) {
        script_line inline_action = {line->number, rest}; /* "repeat 10 forward" */
        ok = parse_action_line(p, &inline_action);
    } else if (*at >= p->line_count || !strcmp(p->lines[*at].text, "}")) {
        ok = fail(p->err, "%s:%d: 'repeat %lld' has nothing after it to repeat", p->source, line->number, count);
    } else {
        ok = parse_item(p, at, depth + 1);
    }
    return ok && repeat_frames(p, line, start, count);
}

static bool is_repeat(const char *text)
{
    return !strncasecmp(text, "repeat", 6) && (text[6] == '\0' || isspace((unsigned char)text[6]));
}

static bool parse_item(script_parser *p, int *at, int depth)
{
    const script_line *line = &p->lines[*at];
    if (is_repeat(line->text))
        return parse_repeat(p, at, depth);
    if (!strcmp(line->text, "{"))
        return fail(p->err, "%s:%d: '{' must end a 'repeat N {' line", p->source, line->number);
    (*at)++;
    return parse_action_line(p, line);
}

/* ---- public: scripts --------------------------------------------------------------------------------- */

void dfv_action_script_destroy(dfv_action_script *script)
{
    if (!script)
        return;
    free(script->vectors);
    free(script->frames);
    free(script);
}

static bool parse_all(script_parser *p, const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (!copy)
        return fail(p->err, "%s: out of memory", p->source);
    memcpy(copy, text, length);
    copy[length] = '\0';
    int at = 0;
    bool ok = split_lines(p, copy, length) && parse_sequence(p, &at, 0, NULL);
    if (ok && p->script->frame_count == 0)
        ok = fail(p->err, "%s: the script has no frames", p->source);
    free(p->lines);
    free(copy);
    return ok;
}

bool dfv_action_script_parse(const char *text, size_t length, const char *source, const dfv_action_space *space,
                             dfv_action_script **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    if (!check_space(space, err))
        return false;
    if (memchr(text, '\0', length))
        return fail(err, "%s: not a text file (it contains NUL bytes)", source);
    script_parser p = {.source = source, .space = space, .err = err};
    p.script = calloc(1, sizeof *p.script);
    if (!p.script)
        return fail(err, "%s: out of memory", source);
    p.script->dim = space->dim;
    if (!parse_all(&p, text, length)) {
        dfv_action_script_destroy(p.script);
        return false;
    }
    *out = p.script;
    return true;
}

bool dfv_action_script_load(const char *path, const dfv_action_space *space, dfv_action_script **out,
                            char err[DFV_ERR_LEN])
{
    *out = NULL;
    FILE *file = fopen(path, "rb");
    if (!file)
        return fail(err, "%s: %s", path, strerror(errno));
    char *text = malloc(MAX_SCRIPT_BYTES + 1);
    size_t length = text ? fread(text, 1, MAX_SCRIPT_BYTES + 1, file) : 0;
    bool read_error = ferror(file);
    fclose(file);
    bool ok;
    if (!text)
        ok = fail(err, "%s: out of memory", path);
    else if (read_error)
        ok = fail(err, "%s: read failed", path);
    else if (length > MAX_SCRIPT_BYTES)
        ok = fail(err, "%s: larger than %d MiB; use repeat lines", path, MAX_SCRIPT_BYTES >> 20);
    else
        ok = dfv_action_script_parse(text, length, path, space, out, err);
    free(text);
    return ok;
}

int64_t dfv_action_script_frame_count(const dfv_action_script *script)
{
    return script->frame_count;
}

const float *dfv_action_script_frame(const dfv_action_script *script, int64_t frame)
{
    if (frame < 0 || frame >= script->frame_count)
        return NULL;
    return script->vectors + (int64_t)script->frames[frame] * script->dim;
}

/* ---- public: policies ------------------------------------------------------------------------------ */

static int find_name_containing(const dfv_action_space *space, const char *const *candidates)
{
    for (const char *const *c = candidates; *c; c++) {
        int exact = find_name(space, *c, strlen(*c));
        if (exact >= 0)
            return exact;
    }
    for (const char *const *c = candidates; *c; c++)
        for (int i = 0; space->names && i < space->dim; i++)
            if (strcasestr(space->names[i], *c))
                return i;
    return -1;
}

static bool parse_random_seed(const char *text, uint64_t *seed, char *err)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (!*text || *end || errno || *text == '-')
        return fail(err, "policy 'random:%s': the seed must be a non-negative integer", text);
    *seed = value;
    return true;
}

bool dfv_action_policy_parse(const char *spec, const dfv_action_space *space, dfv_action_policy *out,
                             char err[DFV_ERR_LEN])
{
    static const char *const still_names[] = {"none", "noop", "no_op", "no-op", "idle", "still", "stop", NULL};
    static const char *const forward_names[] = {"forward", "move_forward", "fwd", NULL};
    static const char *const turn_names[] = {"turn_left", "yaw_left", "camera_left", "look_left", "left", "yaw",
                                             "turn", NULL};
    char names[400];
    if (!check_space(space, err))
        return false;
    *out = (dfv_action_policy){.still_index = find_name_containing(space, still_names),
                               .forward_index = -1, .turn_index = -1};
    if (!strcmp(spec, "still")) {
        out->kind = DFV_POLICY_STILL;
        return true;
    }
    if (!strcmp(spec, "random") || !strncmp(spec, "random:", 7)) {
        out->kind = DFV_POLICY_RANDOM;
        return spec[6] == '\0' || parse_random_seed(spec + 7, &out->seed, err);
    }
    bool circle = !strcmp(spec, "circle");
    if (!circle && strcmp(spec, "forward"))
        return fail(err, "policy '%s': unknown (use still, forward, random[:seed] or circle)", spec);
    out->kind = circle ? DFV_POLICY_CIRCLE : DFV_POLICY_FORWARD;
    out->forward_index = find_name_containing(space, forward_names);
    out->turn_index = circle ? find_name_containing(space, turn_names) : -1;
    if (out->forward_index < 0 || (circle && (out->turn_index < 0 || out->turn_index == out->forward_index)))
        return fail(err, "policy '%s': this model has no %s action (its actions: %s)", spec,
                    out->forward_index < 0 ? "forward" : "turning", list_names(space, names, sizeof names));
    return true;
}

/* SplitMix64: a counter-based generator, so a frame's action depends on (seed, frame) alone. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void random_action(const dfv_action_policy *policy, const dfv_action_space *space, int64_t frame, float *out)
{
    uint64_t segment = mix64(policy->seed ^ mix64((uint64_t)(frame / RANDOM_HOLD_FRAMES)));
    if (space->kind == DFV_ACTIONS_ONE_HOT) {
        out[segment % (uint64_t)space->dim] = 1.0f;
        return;
    }
    for (int i = 0; i < space->dim; i++) {
        uint64_t bits = mix64(segment + (uint64_t)i);
        if (space->kind == DFV_ACTIONS_MULTI_HOT)
            out[i] = (bits >> 62) == 0 ? 1.0f : 0.0f; /* each action on a quarter of the time */
        else
            out[i] = (float)((double)(bits >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
    }
}

void dfv_action_policy_frame(const dfv_action_policy *policy, const dfv_action_space *space, int64_t frame,
                             float *out)
{
    memset(out, 0, sizeof(float) * (size_t)space->dim);
    switch (policy->kind) {
    case DFV_POLICY_STILL:
        /* One-hot needs a named no-op; without one, zeros are the closest thing to "no input". */
        if (policy->still_index >= 0 && space->kind == DFV_ACTIONS_ONE_HOT)
            out[policy->still_index] = 1.0f;
        break;
    case DFV_POLICY_FORWARD:
        out[policy->forward_index] = 1.0f;
        break;
    case DFV_POLICY_CIRCLE:
        /* One-hot cannot press both: two frames forward, one frame turning. */
        if (space->kind == DFV_ACTIONS_ONE_HOT) {
            out[frame % 3 == 2 ? policy->turn_index : policy->forward_index] = 1.0f;
        } else {
            out[policy->forward_index] = 1.0f;
            out[policy->turn_index] = space->kind == DFV_ACTIONS_CONTINUOUS ? 0.5f : 1.0f;
        }
        break;
    case DFV_POLICY_RANDOM:
        random_action(policy, space, frame, out);
        break;
    }
}

/* ---- public: text form ----------------------------------------------------------------------------- */

/* The shortest decimal that this file's parser (strtod, then float) reads back to exactly `value`; "-0"
 * keeps the sign of a negative zero. */
static void format_value(float value, char *out, size_t size)
{
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(out, size, "%.*g", digits, value);
        float back = (float)strtod(out, NULL);
        if (!memcmp(&back, &value, sizeof value))
            return;
    }
    snprintf(out, size, "%.17g", value); /* exact: the double holds the float */
}

static bool is_set(float value)
{
    return value != 0 || signbit(value);
}

/* Appends "sep + text" at *used (cut at size). */
static void append(char *out, size_t size, size_t *used, const char *sep, const char *text)
{
    if (*used + 1 >= size)
        return;
    int n = snprintf(out + *used, size - *used, "%s%s", *used ? sep : "", text);
    *used += n > 0 ? (size_t)n : 0;
    if (*used >= size)
        *used = size - 1;
}

static void format_numbers(const dfv_action_space *space, const float *action, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < space->dim; i++) {
        char number[40];
        format_value(action[i], number, sizeof number);
        if (i == 0)
            snprintf(out, size, "%s", number), used = strlen(out);
        else
            append(out, size, &used, ",", number);
    }
}

/* The pair partner of action i when its name is NAMEX and the model also has NAMEY (the alias NAME=X,Y),
 * or -1. */
static int pair_partner(const dfv_action_space *space, int i)
{
    const char *name = space->names[i];
    size_t length = strlen(name);
    if (length < 2 || length > 200 || name[length - 1] != 'X' || find_name(space, name, length - 1) >= 0)
        return -1;
    char partner[256];
    snprintf(partner, sizeof partner, "%.*sY", (int)(length - 1), name);
    return find_name(space, partner, length);
}

/* Whether action i is the Y of a pair alias. */
static bool is_pair_y(const dfv_action_space *space, int i)
{
    const char *name = space->names[i];
    size_t length = strlen(name);
    if (length < 2 || length > 200 || name[length - 1] != 'Y')
        return false;
    char partner[256];
    snprintf(partner, sizeof partner, "%.*sX", (int)(length - 1), name);
    int x = find_name(space, partner, length);
    return x >= 0 && pair_partner(space, x) == i;
}

/* Continuous lines: keys held at exactly 1 joined by '+', then "name=value" terms (pairs as NAME=X,Y). */
static void format_continuous(const dfv_action_space *space, const float *action, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < space->dim; i++)
        if (action[i] == 1.0f && pair_partner(space, i) < 0 && !is_pair_y(space, i))
            append(out, size, &used, "+", space->names[i]);
    for (int i = 0; i < space->dim; i++) {
        int partner = pair_partner(space, i);
        bool paired_y = is_pair_y(space, i);
        char term[300], x[40], y[40];
        if (partner >= 0 && (is_set(action[i]) || is_set(action[partner]))) {
            format_value(action[i], x, sizeof x);
            format_value(action[partner], y, sizeof y);
            snprintf(term, sizeof term, "%.*s=%s,%s", (int)strlen(space->names[i]) - 1, space->names[i], x, y);
        } else if (partner < 0 && !paired_y && is_set(action[i]) && action[i] != 1.0f) {
            format_value(action[i], x, sizeof x);
            snprintf(term, sizeof term, "%s=%s", space->names[i], x);
        } else {
            continue;
        }
        append(out, size, &used, " ", term);
    }
}

void dfv_action_format(const dfv_action_space *space, const float *action, char *out, size_t size)
{
    bool any = false;
    for (int i = 0; i < space->dim; i++)
        any |= space->kind == DFV_ACTIONS_CONTINUOUS ? is_set(action[i]) : action[i] != 0;
    bool none_is_a_name = find_name(space, "none", 4) >= 0;
    if (!space->names || (!any && (none_is_a_name || space->kind == DFV_ACTIONS_ONE_HOT))) {
        format_numbers(space, action, out, size);
        return;
    }
    if (!any) {
        snprintf(out, size, "none");
        return;
    }
    if (space->kind == DFV_ACTIONS_CONTINUOUS) {
        format_continuous(space, action, out, size);
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < space->dim; i++)
        if (action[i] != 0)
            append(out, size, &used, "+", space->names[i]);
}
