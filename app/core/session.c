#include "session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "world.h"

struct dfv_session {
    dfv_engine engine;
    dfv_session_desc desc;
    dfv_sampler_settings settings;
    dfv_sampler *sampler;
    int res, channels, context_frames, action_dim;
    size_t frame_floats;
    float *history, *out; /* window frames of floats */
    float *actions;       /* window rows */
    int calls_last;
    const char *action_names[DFV_MAX_ACTIONS];
    char bundled_model[4096], bundled_seed[4096];
};

/* Finds a file shipped with dfview: under $DFVIEW_DATA_DIR, beside the binary's folder (build/dfview →
 * the source tree), the binary's own folder, then the working directory. */
static bool find_bundled(const char *relative, char *out, size_t size)
{
    char exe[4096], dir[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    memcpy(dir, exe, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    const char *data = getenv("DFVIEW_DATA_DIR");
    const char *roots[] = {data ? data : "", dir[0] ? dir : "", dir[0] ? dir : "", "."};
    const char *fmt[] = {"%s/%s", "%s/../%s", "%s/%s", "%s/%s"};
    for (int i = 0; i < 4; i++) {
        if (!roots[i][0]) continue;
        int n = snprintf(out, size, fmt[i], roots[i], relative);
        if (n > 0 && (size_t)n < size && access(out, R_OK) == 0) return true;
    }
    return false;
}

/* No --model: the bundled maze model, on its bundled seed unless one was given. */
static void apply_bundled_defaults(dfv_session *s)
{
    if (s->desc.engine.model_path) return;
    if (find_bundled("models/maze.safetensors", s->bundled_model, sizeof s->bundled_model))
        s->desc.engine.model_path = s->bundled_model;
    if (!s->desc.seed && find_bundled("assets/seeds/maze-0.png", s->bundled_seed, sizeof s->bundled_seed))
        s->desc.seed = s->bundled_seed;
}

void dfv_session_desc_default(dfv_session_desc *desc)
{
    memset(desc, 0, sizeof *desc);
}

void dfv_session_print_options(FILE *out)
{
    char schedules[256];
    dfv_schedule_list(" | ", schedules, sizeof schedules);
    fprintf(out,
           "  --model FILE         model (.safetensors)\n"
           "  --seed SPEC          image, video@SECONDS, video#FRAME or world:KIND:N (default: world:maze:1; with\n"
           "                       the bundled model, its seed image assets/seeds/maze-0.png)\n"
           "  --steps S            sampling steps (default: the model's)\n"
           "  --stabilization L    noise level fed for clean context frames (default: the model's)\n"
           "  --schedule KIND      %s\n"
           "  --window W           frames the network sees (default: the model's)\n"
           "  --seed-rng K         noise seed (default 0)\n"
           "  --no-cache           run the whole window every call\n"
           "  --fp16               fp16 storage on the GPU\n"
           "  --device N           Vulkan device index (see dfview devices)\n", schedules);
}

static int parse_int(const char *opt, const char *text, long lo, long hi, long *out, char err[DFV_ERR_LEN])
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == 0 || *end || v < lo || v > hi)
        return snprintf(err, DFV_ERR_LEN, "%s takes a number in %ld..%ld, not '%s'", opt, lo, hi, text), -1;
    *out = v;
    return 0;
}

int dfv_session_parse_option(int argc, char **argv, int i, dfv_session_desc *d, char err[DFV_ERR_LEN])
{
    int used = dfv_engine_parse_option(argc, argv, i, &d->engine, err);
    if (used) return used;
    const char *opt = argv[i];
    if (!strcmp(opt, "--no-cache")) {
        d->no_cache = true;
        return 1;
    }
    static const char *const valued[] = {"--seed", "--steps", "--stabilization", "--schedule", "--window", "--seed-rng"};
    bool known = false;
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) known |= !strcmp(opt, valued[k]);
    if (!known) return 0;
    if (i + 1 >= argc) return snprintf(err, DFV_ERR_LEN, "%s needs a value", opt), -1;
    const char *val = argv[i + 1];
    long v = 0;
    if (!strcmp(opt, "--seed")) d->seed = val;
    else if (!strcmp(opt, "--schedule")) d->schedule = val;
    else if (!strcmp(opt, "--steps")) {
        if (parse_int(opt, val, 1, 1000, &v, err)) return -1;
        d->steps = (int)v;
    } else if (!strcmp(opt, "--stabilization")) {
        if (parse_int(opt, val, 1, 1000, &v, err)) return -1;
        d->stabilization = (int)v;
    } else if (!strcmp(opt, "--window")) {
        if (parse_int(opt, val, 1, DFV_MAX_WINDOW, &v, err)) return -1;
        d->window = (int)v;
    } else {
        char *end;
        unsigned long long s = strtoull(val, &end, 10);
        if (!*val || *end) return snprintf(err, DFV_ERR_LEN, "--seed-rng takes a non-negative integer, not '%s'", val), -1;
        d->rng_seed = s;
    }
    return 2;
}

/* ---- the network behind the sampler's callbacks ------------------------------------------------- */

static dfv_status denoise_full(void *user, const float *x_in, const int32_t *t, const float *a, int frames, float *out)
{
    dfv_session *s = user;
    s->calls_last++;
    return dfv_unet_forward(s->engine.net, x_in, t, a, frames, out);
}

static dfv_status cache_context(void *user, const float *x_in, const int32_t *t, const float *a, int n)
{
    dfv_session *s = user;
    s->calls_last++; /* one network pass over the context frames */
    return dfv_unet_cache_context(s->engine.net, x_in, t, a, n);
}

static dfv_status denoise_new(void *user, const float *x_in, const int32_t *t, const float *a, int n, float *out)
{
    dfv_session *s = user;
    s->calls_last++;
    return dfv_unet_forward_cached(s->engine.net, x_in, t, a, n, out);
}

static int make_sampler(dfv_session *s, char *err, int err_len)
{
    char e[DFV_ERR_LEN];
    dfv_sampler *next;
    if (dfv_sampler_create(s->engine.config, &s->settings, denoise_full, s, &next, e)) {
        snprintf(err, (size_t)err_len, "%s", e);
        return -1;
    }
    if (!s->desc.no_cache && dfv_unet_can_cache(s->engine.net))
        dfv_sampler_use_cached_context(next, cache_context, denoise_new);
    dfv_sampler_destroy(s->sampler);
    s->sampler = next;
    return 0;
}

static int apply_desc(dfv_session *s, const dfv_session_desc *d, char *err, int err_len)
{
    dfv_sampler_settings_default(s->engine.config, &s->settings);
    if (d->steps) s->settings.steps = d->steps;
    if (d->stabilization) s->settings.stabilization_level = d->stabilization;
    if (d->window) s->settings.window = d->window;
    s->settings.seed = d->rng_seed;
    if (d->schedule && !dfv_schedule_parse(d->schedule, &s->settings.schedule)) {
        char schedules[256];
        dfv_schedule_list(", ", schedules, sizeof schedules);
        snprintf(err, (size_t)err_len, "unknown schedule '%s' (%s)", d->schedule, schedules);
        return -1;
    }
    /* The session produces one frame per step; chunked schedules still denoise their chunk together. */
    return make_sampler(s, err, err_len);
}

int dfv_session_open(const dfv_session_desc *desc, dfv_session **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    err[0] = 0;
    dfv_session *s = calloc(1, sizeof *s);
    if (!s) return snprintf(err, DFV_ERR_LEN, "out of memory"), -1;
    s->desc = *desc;
    apply_bundled_defaults(s);
    if (dfv_engine_open(&s->desc.engine, &s->engine, err)) {
        free(s);
        return -1;
    }
    const dfv_model_config *c = s->engine.config;
    s->res = c->arch.resolution;
    s->channels = dfv_model_in_channels(c);
    s->context_frames = c->diffusion.context_frames > 0 ? c->diffusion.context_frames : 1;
    s->action_dim = c->actions.dim;
    s->frame_floats = (size_t)s->channels * s->res * s->res;
    for (int i = 0; i < s->action_dim; i++) s->action_names[i] = c->actions.actions[i].name;
    if (c->arch.frame_stack != 1) snprintf(err, DFV_ERR_LEN, "models with frame_stack > 1 are not supported yet");
    int window = c->diffusion.window;
    s->history = malloc(s->frame_floats * window * sizeof(float));
    s->out = malloc(s->frame_floats * window * sizeof(float));
    s->actions = calloc((size_t)window * (s->action_dim ? s->action_dim : 1) + 1, sizeof(float));
    if (!err[0] && (!s->history || !s->out || !s->actions)) snprintf(err, DFV_ERR_LEN, "out of memory");
    if (!err[0]) apply_desc(s, desc, err, DFV_ERR_LEN);
    if (err[0]) {
        dfv_session_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void dfv_session_close(dfv_session *s)
{
    if (!s) return;
    dfv_sampler_destroy(s->sampler);
    dfv_engine_close(&s->engine);
    free(s->history), free(s->out), free(s->actions);
    free(s);
}

const dfv_model_config *dfv_session_config(const dfv_session *s) { return s->engine.config; }
const dfv_sampler_settings *dfv_session_settings(const dfv_session *s) { return &s->settings; }
const char *dfv_session_device_name(const dfv_session *s) { return dfv_ctx_caps(s->engine.ctx)->name; }
const char *dfv_session_model_path(const dfv_session *s) { return s->desc.engine.model_path; }
const char *dfv_session_seed_spec(const dfv_session *s) { return s->desc.seed ? s->desc.seed : "world:maze:1"; }
int dfv_session_resolution(const dfv_session *s) { return s->res; }
int dfv_session_context_frames(const dfv_session *s) { return s->context_frames; }
int dfv_session_calls_last(const dfv_session *s) { return s->calls_last; }
const char *const *dfv_session_action_names(const dfv_session *s) { return s->action_names; }

int dfv_session_update(dfv_session *s, const dfv_sampler_settings *settings, char *err, int err_len)
{
    dfv_sampler_settings old = s->settings;
    s->settings = *settings;
    if (make_sampler(s, err, err_len)) {
        s->settings = old;
        return -1;
    }
    return 0;
}

int dfv_session_load_seed(dfv_session *s, const char *spec, uint8_t *rgb, char *err, int err_len)
{
    dfv_world_kind kind;
    uint64_t world_seed;
    if (!spec) spec = dfv_session_seed_spec(s);
    if (dfv_world_parse_seed_spec(spec, &kind, &world_seed) == 0) {
        char e[DFV_ERR_LEN];
        if (dfv_world_render_seed(kind, world_seed, s->res, s->context_frames, rgb, e)) {
            snprintf(err, (size_t)err_len, "%s: %s", spec, e);
            return -1;
        }
        return 0;
    }
    if (!strncmp(spec, "world:", 6)) {
        char kinds[128];
        dfv_world_kind_list(", ", kinds, sizeof kinds);
        snprintf(err, (size_t)err_len, "'%s' is not a world seed: write world:KIND:N, KIND one of %s, N a whole number",
                 spec, kinds);
        return -1;
    }
    if (!s->desc.load_image) {
        snprintf(err, (size_t)err_len, "%s: image and video seeds need the full dfview (use world:KIND:SEED here)", spec);
        return -1;
    }
    char e[DFV_ERR_LEN];
    if (s->desc.load_image(spec, s->res, s->context_frames, rgb, e)) {
        snprintf(err, (size_t)err_len, "%s", e);
        return -1;
    }
    return 0;
}

void dfv_session_idle_action(const dfv_session *s, float *out)
{
    const dfv_model_actions *a = &s->engine.config->actions;
    memset(out, 0, sizeof(float) * (size_t)a->dim);
    for (int i = 0; i < a->dim; i++)
        if (a->kind == DFV_ACTIONS_ONE_HOT && (!strcmp(a->actions[i].name, "none") || !strcmp(a->actions[i].name, "noop")))
            out[i] = 1.0f;
}

/* uint8 → the model's normalised floats, channel-major. */
static void rgb_to_model(const dfv_session *s, const uint8_t *rgb, float *x)
{
    float mean = s->engine.config->data_mean, std = s->engine.config->data_std;
    size_t plane = (size_t)s->res * s->res;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) x[c * plane + p] = (rgb[p * 3 + c] / 255.0f - mean) / std;
}

static void model_to_rgb(const dfv_session *s, const float *x, uint8_t *rgb)
{
    float mean = s->engine.config->data_mean, std = s->engine.config->data_std;
    size_t plane = (size_t)s->res * s->res;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) {
            float v = (x[c * plane + p] * std + mean) * 255.0f;
            rgb[p * 3 + c] = (uint8_t)lrintf(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

int dfv_session_next(dfv_session *s, const uint8_t *context, int n, int64_t first_index, const float *actions,
                     uint8_t *out_rgb, char *err, int err_len)
{
    int keep = s->settings.window - 1, skip = n > keep ? n - keep : 0;
    n -= skip;
    size_t rgb_frame = (size_t)s->res * s->res * 3;
    for (int i = 0; i < n; i++) rgb_to_model(s, context + rgb_frame * (i + skip), s->history + s->frame_floats * i);
    if (s->action_dim)
        memcpy(s->actions, actions + (size_t)skip * s->action_dim, (size_t)(n + 1) * s->action_dim * sizeof(float));
    s->calls_last = 0;
    char e[DFV_ERR_LEN];
    if (dfv_sampler_next(s->sampler, s->history, n, first_index + skip, s->action_dim ? s->actions : NULL, 1, s->out, e)) {
        snprintf(err, (size_t)err_len, "%s", e);
        return -1;
    }
    model_to_rgb(s, s->out, out_rgb);
    return 0;
}
