#include "sidecar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_script.h"
#include "safetensors.h"

/* A whole file, NUL-terminated, at most `max` bytes; its length in *size (err may be NULL). */
static char *read_file(const char *path, long max, size_t *size, char err[DFV_ERR_LEN])
{
    FILE *f = fopen(path, "rb");
    if (!f) return dfv_error_set(err, "%s: %s", path, strerror(errno)), NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = n >= 0 && n <= max ? malloc((size_t)n + 1) : NULL;
    if (text && fread(text, 1, (size_t)n, f) == (size_t)n) text[n] = 0, *size = (size_t)n;
    else free(text), text = NULL, dfv_error_set(err, "%s: unreadable or larger than %ld bytes", path, max);
    fclose(f);
    return text;
}

/* SHA-256 of a whole file as hex, or "" when it cannot be read (a world seed is not a file). */
static void file_sha256(const char *path, char hex[65])
{
    size_t size;
    hex[0] = 0;
    char *bytes = read_file(path, 1l << 30, &size, NULL);
    if (bytes) dfv_st_sha256_hex(bytes, size, hex);
    free(bytes);
}

/* ---- writing ------------------------------------------------------------------------------------ */

/* The model, the seed and, when asked, what their files hash to. */
static void add_sources(cJSON *doc, const dfv_session *s, const dfv_sidecar_desc *d)
{
    char hex[65];
    cJSON_AddStringToObject(doc, "model", dfv_session_model_path(s));
    if (d->hash_files) file_sha256(dfv_session_model_path(s), hex), cJSON_AddStringToObject(doc, "model_sha256", hex);
    if (!d->seed) return;
    cJSON_AddStringToObject(doc, "seed", d->seed);
    if (!d->hash_files) return;
    file_sha256(d->seed, hex);
    if (hex[0]) cJSON_AddStringToObject(doc, "seed_sha256", hex);
}

/* The sampler as it stands and how the clip was written. The RNG seed is a string: JSON numbers are
 * doubles, which cannot hold every 64-bit seed. */
static cJSON *settings_json(const dfv_session *s, const dfv_sidecar_desc *d)
{
    const dfv_sampler_settings *st = dfv_session_settings(s);
    cJSON *set = cJSON_CreateObject();
    char schedule[64], rng[32];
    cJSON_AddNumberToObject(set, "steps", st->steps);
    cJSON_AddNumberToObject(set, "stabilization", st->stabilization_level);
    cJSON_AddBoolToObject(set, "context_noise", st->context_noise);
    cJSON_AddNumberToObject(set, "eta", st->eta);
    cJSON_AddNumberToObject(set, "window", st->window);
    dfv_schedule_format(&st->schedule, schedule, sizeof schedule);
    cJSON_AddStringToObject(set, "schedule", schedule);
    snprintf(rng, sizeof rng, "%llu", (unsigned long long)st->seed);
    cJSON_AddStringToObject(set, "seed_rng", rng);
    cJSON_AddBoolToObject(set, "fp16", d->opened->engine.fp16);
    cJSON_AddBoolToObject(set, "no_cache", d->opened->no_cache);
    cJSON_AddNumberToObject(set, "fps", d->fps > 0 ? d->fps : 10);
    cJSON_AddNumberToObject(set, "scale", d->scale > 0 ? d->scale : 1);
    cJSON_AddStringToObject(set, "filter", d->filter == DFV_SCALE_BILINEAR ? "bilinear" : "nearest");
    return set;
}

cJSON *dfv_sidecar_summary(const dfv_session *s, const dfv_sidecar_desc *desc, int64_t frames)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "format", "dfview-render");
    cJSON_AddNumberToObject(doc, "version", 1);
    add_sources(doc, s, desc);
    cJSON_AddStringToObject(doc, "device", dfv_session_device_name(s));
    cJSON_AddNumberToObject(doc, "frames", (double)frames);
    cJSON_AddNumberToObject(doc, "context_frames", dfv_session_context_frames(s));
    if (desc->recorded_by) cJSON_AddStringToObject(doc, "recorded_by", desc->recorded_by);
    cJSON_AddItemToObject(doc, "settings", settings_json(s, desc));
    return doc;
}

/* One script line per generated frame; an unconditioned model's are empty, which keeps the count. */
static void add_actions(cJSON *doc, const dfv_session *s, int64_t frames, dfv_sidecar_action_fn action, void *user)
{
    const dfv_model_config *c = dfv_session_config(s);
    const char *names[DFV_MAX_ACTIONS];
    for (int a = 0; a < c->actions.dim; a++) names[a] = c->actions.actions[a].name;
    dfv_action_space space = {.dim = c->actions.dim, .kind = (dfv_action_kind)c->actions.kind, .names = names};
    cJSON *list = cJSON_AddArrayToObject(doc, "actions");
    float v[DFV_MAX_ACTIONS];
    for (int64_t i = dfv_session_context_frames(s); i < frames; i++) {
        char line[512] = "";
        if (space.dim) action(user, i, v), dfv_action_format(&space, v, line, sizeof line);
        cJSON_AddItemToArray(list, cJSON_CreateString(line));
    }
}

char *dfv_sidecar_print(const cJSON *summary, const dfv_session *s, int64_t frames, dfv_sidecar_action_fn action,
                        void *user)
{
    cJSON *doc = cJSON_Duplicate(summary, true);
    if (!doc) return NULL;
    /* Replaced in place: the clip may hold fewer frames than asked for, and the key keeps its position. */
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "frames", cJSON_CreateNumber((double)frames));
    add_actions(doc, s, frames, action, user);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    return text;
}

/* ---- reading ------------------------------------------------------------------------------------ */

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double json_num(const cJSON *o, const char *key, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

static void read_session(const cJSON *doc, const cJSON *settings, dfv_session_desc *d)
{
    d->engine.model_path = json_str(doc, "model");
    d->engine.fp16 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(settings, "fp16"));
    d->seed = json_str(doc, "seed");
    d->steps = (int)json_num(settings, "steps", 0);
    d->stabilization = (int)json_num(settings, "stabilization", 0);
    /* Absent in sidecars written before context noise existed: the model's default (then always off). */
    const cJSON *context_noise = cJSON_GetObjectItemCaseSensitive(settings, "context_noise");
    d->context_noise = cJSON_IsBool(context_noise) ? (cJSON_IsTrue(context_noise) ? 1 : -1) : 0;
    const cJSON *eta = cJSON_GetObjectItemCaseSensitive(settings, "eta");
    d->has_eta = cJSON_IsNumber(eta), d->eta = d->has_eta ? (float)eta->valuedouble : 0.0f;
    d->window = (int)json_num(settings, "window", 0);
    d->schedule = json_str(settings, "schedule");
    d->no_cache = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(settings, "no_cache"));
    const char *rng = json_str(settings, "seed_rng");
    d->rng_seed = rng ? strtoull(rng, NULL, 10) : 0;
}

/* The action lines joined into one script, as if read from a file. */
static char *join_actions(const cJSON *actions)
{
    size_t len = 1;
    const cJSON *it;
    cJSON_ArrayForEach(it, actions) len += cJSON_IsString(it) ? strlen(it->valuestring) + 1 : 0;
    char *script = calloc(1, len);
    if (script) cJSON_ArrayForEach(it, actions) if (cJSON_IsString(it)) strcat(strcat(script, it->valuestring), "\n");
    return script;
}

int dfv_sidecar_read(const char *path, dfv_session_desc *session, dfv_sidecar_replay *out, char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    size_t size;
    char *text = read_file(path, 64 << 20, &size, err);
    if (!text) return -1;
    out->doc = cJSON_Parse(text);
    free(text);
    const cJSON *settings = cJSON_GetObjectItemCaseSensitive(out->doc, "settings");
    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(out->doc, "actions");
    if (!json_str(out->doc, "model") || !cJSON_IsObject(settings) || !cJSON_IsArray(actions)) {
        dfv_error_set(err, "%s is not a dfview render sidecar", path);
        return dfv_sidecar_replay_free(out), -1;
    }
    read_session(out->doc, settings, session);
    const char *want = json_str(out->doc, "model_sha256");
    char have[65];
    if (want) file_sha256(session->engine.model_path, have), out->model_changed = strcmp(want, have) != 0;
    out->frames = (int64_t)json_num(out->doc, "frames", 0);
    out->fps = json_num(settings, "fps", 10);
    out->scale = (int)json_num(settings, "scale", 1);
    const char *filter = json_str(settings, "filter");
    out->filter = filter && !strcmp(filter, "bilinear") ? DFV_SCALE_BILINEAR : DFV_SCALE_NEAREST;
    if (!(out->actions = join_actions(actions))) {
        dfv_error_set(err, "%s: out of memory", path);
        return dfv_sidecar_replay_free(out), -1;
    }
    return 0;
}

void dfv_sidecar_replay_free(dfv_sidecar_replay *replay)
{
    free(replay->actions);
    cJSON_Delete(replay->doc);
    memset(replay, 0, sizeof *replay);
}
