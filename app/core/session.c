#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_family.h"
#include "session_family.h"
#include "world.h"

struct dfv_session {
    dfv_session_desc desc;
    dfv_sampler_settings settings;
    const dfv_session_family *family;
    void *impl;
    dfv_session_model model;
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
           "                       the bundled model, its seed image assets/seeds/maze-0.png; Oasis models: an\n"
           "                       image or video, resized to the model's frame size)\n"
           "  --steps S            sampling steps (Oasis: DDIM steps; default: the model's)\n"
           "  --stabilization L    noise level fed for clean context frames (default: the model's)\n"
           "  --context-noise V    on or off: clean context frames with real noise at that level, one\n"
           "                       draw per new frame (default: the model's; off in official models)\n"
           "  --eta E              DDIM eta in 0..1, 0 deterministic (default: the model's)\n"
           "  --schedule KIND      %s (Oasis: its own only)\n"
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
        return dfv_error_set(err, "%s takes a number in %ld..%ld, not '%s'", opt, lo, hi, text), -1;
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
    static const char *const valued[] = {"--seed",     "--steps",  "--stabilization", "--context-noise",
                                         "--eta",      "--schedule", "--window",      "--seed-rng"};
    bool known = false;
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) known |= !strcmp(opt, valued[k]);
    if (!known) return 0;
    if (i + 1 >= argc) return dfv_error_set(err, "%s needs a value", opt), -1;
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
    } else if (!strcmp(opt, "--context-noise")) {
        if (strcmp(val, "on") && strcmp(val, "off"))
            return dfv_error_set(err, "--context-noise takes on or off, not '%s'", val), -1;
        d->context_noise = strcmp(val, "on") ? -1 : 1;
    } else if (!strcmp(opt, "--eta")) {
        char *end;
        double eta = strtod(val, &end);
        if (!*val || *end || !(eta >= 0.0 && eta <= 1.0))
            return dfv_error_set(err, "--eta takes a number in 0..1, not '%s'", val), -1;
        d->has_eta = true, d->eta = (float)eta;
    } else if (!strcmp(opt, "--window")) {
        if (parse_int(opt, val, 1, DFV_MAX_WINDOW, &v, err)) return -1;
        d->window = (int)v;
    } else {
        char *end;
        unsigned long long s = strtoull(val, &end, 10);
        if (!*val || *end) return dfv_error_set(err, "--seed-rng takes a non-negative integer, not '%s'", val), -1;
        d->rng_seed = s;
    }
    return 2;
}

/* ---- opening: the family from the file's architecture.type --------------------------------------- */

/* A file whose family cannot be told is left to the Unet3D loader, whose errors say what is wrong with it. */
static const dfv_session_family *family_of(const char *path)
{
    char err[DFV_ERR_LEN];
    return path && dfv_model_family_of(path, err) == DFV_FAMILY_OASIS ? &dfv_session_oasis : &dfv_session_unet3d;
}

static int configure(dfv_session *s, const dfv_sampler_settings *settings, char err[DFV_ERR_LEN])
{
    if (s->family->configure(s->impl, settings, s->desc.no_cache, err)) return -1;
    s->settings = *settings;
    return 0;
}

static int apply_desc(dfv_session *s, const dfv_session_desc *d, char err[DFV_ERR_LEN])
{
    dfv_sampler_settings st;
    dfv_sampler_settings_default(s->model.config, &st);
    if (d->steps) st.steps = d->steps;
    if (d->stabilization) st.stabilization_level = d->stabilization;
    if (d->context_noise) st.context_noise = d->context_noise > 0;
    if (d->has_eta) st.eta = d->eta;
    if (d->window) st.window = d->window;
    st.seed = d->rng_seed;
    if (d->schedule && !dfv_schedule_parse(d->schedule, &st.schedule)) {
        char schedules[256];
        dfv_schedule_list(", ", schedules, sizeof schedules);
        dfv_error_set(err, "unknown schedule '%s' (%s)", d->schedule, schedules);
        return -1;
    }
    /* The session produces one frame per step; chunked schedules still denoise their chunk together. */
    return configure(s, &st, err);
}

int dfv_session_open(const dfv_session_desc *desc, dfv_session **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    err[0] = 0;
    dfv_session *s = calloc(1, sizeof *s);
    if (!s) return dfv_error_set(err, "out of memory"), -1;
    s->desc = *desc;
    apply_bundled_defaults(s);
    if (!s->desc.engine.model_path) return free(s), dfv_error_set(err, "no model given (--model FILE.safetensors)"), -1;
    s->family = family_of(s->desc.engine.model_path);
    if (s->family->open(&s->desc, &s->impl, &s->model, err)) return free(s), -1;
    for (int i = 0; i < s->model.config->actions.dim; i++) s->action_names[i] = s->model.config->actions.actions[i].name;
    if (apply_desc(s, desc, err)) {
        dfv_session_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void dfv_session_close(dfv_session *s)
{
    if (!s) return;
    if (s->impl) s->family->close(s->impl);
    free(s);
}

const dfv_model_config *dfv_session_config(const dfv_session *s) { return s->model.config; }
const dfv_sampler_settings *dfv_session_settings(const dfv_session *s) { return &s->settings; }
const char *dfv_session_device_name(const dfv_session *s) { return s->model.device_name; }
const char *dfv_session_model_path(const dfv_session *s) { return s->desc.engine.model_path; }
const char *dfv_session_seed_spec(const dfv_session *s) { return s->desc.seed ? s->desc.seed : "world:maze:1"; }
int dfv_session_width(const dfv_session *s) { return s->model.width; }
int dfv_session_height(const dfv_session *s) { return s->model.height; }
size_t dfv_session_frame_bytes(const dfv_session *s) { return (size_t)s->model.width * s->model.height * 3; }
int dfv_session_context_frames(const dfv_session *s) { return s->model.context_frames; }
const char *dfv_session_family_name(const dfv_session *s) { return s->family->type; }
bool dfv_session_takes_world_seeds(const dfv_session *s) { return s->model.world_seeds; }
size_t dfv_session_state_floats(const dfv_session *s) { return s->model.state_floats; }
int dfv_session_calls_last(const dfv_session *s) { return s->family->calls_last(s->impl); }
const char *const *dfv_session_action_names(const dfv_session *s) { return s->action_names; }

int dfv_session_update(dfv_session *s, const dfv_sampler_settings *settings, char err[DFV_ERR_LEN])
{
    return configure(s, settings, err);
}

dfv_seed_request dfv_session_seed_request(const dfv_session *s, int frames)
{
    return (dfv_seed_request){.width = s->model.width, .height = s->model.height, .frames = frames,
                              .stretch = s->model.stretch_seeds};
}

int dfv_session_load_seed(dfv_session *s, const char *spec, uint8_t *rgb, char err[DFV_ERR_LEN])
{
    dfv_world_kind kind;
    uint64_t world_seed;
    if (!spec) spec = dfv_session_seed_spec(s);
    if (dfv_world_parse_seed_spec(spec, &kind, &world_seed) == 0) {
        char e[DFV_ERR_LEN];
        if (!s->model.world_seeds && !s->desc.seed) {
            dfv_error_set(err, "no seed given: this %s model starts from an image or video seed (--seed FILE)",
                          s->family->type);
            return -1;
        }
        if (!s->model.world_seeds) {
            dfv_error_set(err, "%s: world seeds are the simulators' square frames; this %s model takes an "
                          "image or video seed (--seed FILE)", spec, s->family->type);
            return -1;
        }
        if (dfv_world_render_seed(kind, world_seed, s->model.width, s->model.context_frames, rgb, e)) {
            dfv_error_set(err, "%s: %s", spec, e);
            return -1;
        }
        return 0;
    }
    if (!strncmp(spec, "world:", 6)) {
        char kinds[128];
        dfv_world_kind_list(", ", kinds, sizeof kinds);
        dfv_error_set(err, "'%s' is not a world seed: write world:KIND:N, KIND one of %s, N a whole number",
                      spec, kinds);
        return -1;
    }
    if (!s->desc.load_image) {
        dfv_error_set(err, "%s: image and video seeds need the full dfview (use world:KIND:SEED here)", spec);
        return -1;
    }
    dfv_seed_request req = dfv_session_seed_request(s, s->model.context_frames);
    return s->desc.load_image(spec, &req, rgb, err) ? -1 : 0;
}

void dfv_session_idle_action(const dfv_session *s, float *out)
{
    const dfv_model_actions *a = &s->model.config->actions;
    memset(out, 0, sizeof(float) * (size_t)a->dim);
    for (int i = 0; i < a->dim; i++)
        if (a->kind == DFV_ACTIONS_ONE_HOT && (!strcmp(a->actions[i].name, "none") || !strcmp(a->actions[i].name, "noop")))
            out[i] = 1.0f;
}

int dfv_session_encode_seed(dfv_session *s, const uint8_t *rgb, int n, float *state, char err[DFV_ERR_LEN])
{
    if (!s->model.state_floats) return 0;
    return s->family->encode(s->impl, rgb, n, state, err) ? -1 : 0;
}

int dfv_session_next(dfv_session *s, const uint8_t *context, const float *state, int n, int64_t first_index,
                     const float *actions, uint8_t *out_rgb, float *out_state, char err[DFV_ERR_LEN])
{
    if (s->model.state_floats && ((n > 0 && !state) || !out_state))
        return dfv_error_set(err, "a %s model needs every context frame's state and a place for the new "
                             "one's", s->family->type), -1;
    dfv_session_request req = {.context = context, .state = state, .n = n, .first_index = first_index,
                               .actions = actions, .out_rgb = out_rgb, .out_state = out_state};
    return s->family->next(s->impl, &req, err) ? -1 : 0;
}
