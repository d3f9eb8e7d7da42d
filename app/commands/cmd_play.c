/* `dfview play` (and `dfview` with no command): steer a world model live in the viewer.
 *
 * The window options are the viewer's (viewer_options.h); the model options are the session's
 * (app/core/session.h: --model --seed --steps --stabilization --window --schedule --seed-rng ...). The session
 * becomes the viewer's frame source; this file adds what the viewer asks of a source beyond frames: live
 * knobs, a HUD line of the settings, the settings for recordings' sidecars, and reseeding from a dropped
 * file.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "media_hooks.h"
#include "ground_truth.h"
#include "viewer.h"
#include "viewer_exit.h"
#include "viewer_options.h"
#include "rollout.h"
#include "session.h"
#include "sidecar.h"
#include "window.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: dfview play [model options] [--ground-truth] [window options]\n"
                 "       dfview            (the bundled default model and seed)\n\n"
                 "  --ground-truth           with a world:KIND:SEED seed, show the simulator beside the model,\n"
                 "                           stepped with the same actions\n\n%s",
            dfv_viewer_options_help);
    fprintf(out, "\nmodel options:\n");
    dfv_session_print_options(out);
    fprintf(out, "\nKeys, bindings and the script format: docs/viewer.md.\n");
}

enum { PLAY_MAX_RESEEDS = 64 };

typedef struct {
    dfv_session *session;
    dfv_rollout *rollout;
    const dfv_session_desc *desc;
    /* Roots made from dropped files, so a recording names the seed it grew from. */
    int reseed_root[PLAY_MAX_RESEEDS];
    char *reseed_path[PLAY_MAX_RESEEDS];
    int reseed_count;
    dfv_ground_truth *truth;
    char key_text[DFV_MAX_ACTIONS][256];
    const char *keys[DFV_MAX_ACTIONS];
} play_state;

/* The model's own default keys per action (its metadata), as bindings.ini lists. */
static void model_keys(play_state *p)
{
    const dfv_model_actions *actions = &dfv_session_config(p->session)->actions;
    for (int a = 0; a < actions->dim && a < DFV_MAX_ACTIONS; a++) {
        p->key_text[a][0] = '\0';
        for (int k = 0; k < actions->actions[a].key_count; k++) {
            size_t used = strlen(p->key_text[a]);
            snprintf(p->key_text[a] + used, sizeof p->key_text[a] - used, "%s%s", k ? ", " : "", actions->actions[a].keys[k]);
        }
        p->keys[a] = p->key_text[a][0] ? p->key_text[a] : NULL;
    }
}

/* Sampling steps and stabilization levels move along this ladder, so a few presses cover 1..1000. */
static const int ladder[] = {1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 40, 50, 64, 80, 100, 128, 160, 200, 250, 320, 400, 500, 640, 800, 1000};

static int ladder_move(int value, int direction)
{
    int n = (int)(sizeof ladder / sizeof ladder[0]);
    if (direction > 0) {
        for (int k = 0; k < n; k++)
            if (ladder[k] > value) return ladder[k];
        return value;
    }
    for (int k = n - 1; k >= 0; k--)
        if (ladder[k] < value) return ladder[k];
    return value;
}

/* The next kind in schedule.c's table, at its default uncertainty. */
static void next_schedule(dfv_schedule *schedule)
{
    dfv_schedule_parse(dfv_schedule_kind_name((dfv_schedule_kind)((schedule->kind + 1) % dfv_schedule_kind_count())),
                       schedule);
}

static void format_settings(const dfv_sampler_settings *s, char *text, int len)
{
    char schedule[64];
    dfv_schedule_format(&s->schedule, schedule, sizeof schedule);
    snprintf(text, (size_t)len, "steps %d  stabilization %d%s  %s  window %d  rng %llu", s->steps,
             s->stabilization_level, s->context_noise ? " + noise" : "", schedule, s->window, (unsigned long long)s->seed);
}

static bool play_adjust(void *user, dfv_knob knob, int direction, char status[DFV_ERR_LEN])
{
    play_state *p = user;
    dfv_sampler_settings s = *dfv_session_settings(p->session);
    switch (knob) {
    case DFV_KNOB_STEPS: s.steps = ladder_move(s.steps, direction); break;
    case DFV_KNOB_STABILIZATION: s.stabilization_level = ladder_move(s.stabilization_level, direction); break;
    case DFV_KNOB_SCHEDULE: next_schedule(&s.schedule); break;
    case DFV_KNOB_WINDOW: {
        /* Clamped to 2..the model's window: one frame of context at least. */
        int model_window = dfv_session_config(p->session)->diffusion.window;
        s.window += direction;
        s.window = s.window < 2 ? 2 : s.window > model_window ? model_window : s.window;
        break;
    }
    case DFV_KNOB_RNG_SEED: s.seed = s.seed * 6364136223846793005ull + 1442695040888963407ull; break;
    case DFV_KNOB_COUNT: break;
    }
    if (s.chunk > s.window) s.chunk = s.window;
    status[0] = '\0';
    if (dfv_session_update(p->session, &s, status) != 0) {
        if (!status[0]) dfv_error_set(status, "the session refused the setting");
        return false;
    }
    format_settings(dfv_session_settings(p->session), status, DFV_ERR_LEN);
    return true;
}

static void play_describe(void *user, char *line, int line_len)
{
    play_state *p = user;
    format_settings(dfv_session_settings(p->session), line, line_len);
}

/* A new seed root from a dropped image or video: the session decodes its context frames, the rollout
 * appends them (with their model states). Dropped seed frames carry zero actions. */
static int play_reseed(void *user, dfv_timeline *tl, const char *path, char err[DFV_ERR_LEN])
{
    play_state *p = user;
    int frames = dfv_session_context_frames(p->session), dim = dfv_session_config(p->session)->actions.dim;
    if (frames < 1) frames = 1;
    uint8_t *rgb = malloc(dfv_session_frame_bytes(p->session) * (size_t)frames);
    float *zeros = calloc((size_t)frames * (dim ? dim : 1), sizeof *zeros);
    int id = -1;
    if (!rgb || !zeros) dfv_error_set(err, "out of memory");
    else if (dfv_session_load_seed(p->session, path, rgb, err) == 0)
        id = dfv_rollout_seed(p->rollout, tl, rgb, zeros, err);
    free(rgb), free(zeros);
    int ids[DFV_MAX_WINDOW], root = id >= 0 && dfv_timeline_path(tl, id, ids, frames) > 0 ? ids[0] : -1;
    if (id >= 0 && p->reseed_count < PLAY_MAX_RESEEDS && (p->reseed_path[p->reseed_count] = strdup(path)))
        p->reseed_root[p->reseed_count++] = root;
    return id;
}

/* The seed spec a recorded branch grew from: a dropped file, or the session's own. */
static const char *seed_of_root(const play_state *p, int root)
{
    for (int k = p->reseed_count - 1; k >= 0; k--)
        if (p->reseed_root[k] == root) return p->reseed_path[k];
    return p->desc->seed;
}

typedef struct {
    const dfv_timeline *tl;
    const int *ids;
    int dim;
} recorded_actions;

static void recorded_action(void *user, int64_t index, float *out)
{
    const recorded_actions *r = user;
    memcpy(out, dfv_timeline_get(r->tl, r->ids[index])->action, sizeof(float) * (size_t)r->dim);
}

/* The recording's sidecar in `dfview render`'s format, so that `dfview render --replay` re-renders the clip
 * from its seed with the same settings and actions. It is bit-exact when the settings did not change while
 * the recorded branch was generated. */
static char *play_sidecar(void *user, const dfv_timeline *tl, const int *ids, int count, double fps, int scale)
{
    play_state *p = user;
    /* No file hashes: each F9 would read the whole model on the window's thread, and a replay needs none.
     * The recorder only scales by nearest. */
    dfv_sidecar_desc desc = {.seed = count ? seed_of_root(p, ids[0]) : NULL, .opened = p->desc,
                             .recorded_by = "dfview play (F9)", .fps = fps, .scale = scale, .filter = DFV_SCALE_NEAREST};
    recorded_actions rec = {.tl = tl, .ids = ids, .dim = dfv_session_config(p->session)->actions.dim};
    cJSON *summary = dfv_sidecar_summary(p->session, &desc, count);
    char *text = dfv_sidecar_print(summary, p->session, count, recorded_action, &rec);
    cJSON_Delete(summary);
    return text;
}

static const uint8_t *play_truth(void *user, const dfv_timeline *tl, int id)
{
    return dfv_ground_truth_frame(((play_state *)user)->truth, tl, id);
}

/* The simulator beside the model, for a world seed; false (with a message) for any other seed. */
static bool open_ground_truth(play_state *p)
{
    /* The seed the model starts from, so both sides start alike. */
    const char *spec = dfv_session_seed_spec(p->session);
    dfv_world_kind kind;
    uint64_t seed;
    if (dfv_world_parse_seed_spec(spec, &kind, &seed) != 0) {
        fprintf(stderr, "dfview play: --ground-truth needs a world seed (--seed world:maze:N or world:voxel:N), not %s\n", spec);
        return false;
    }
    char err[DFV_ERR_LEN];
    p->truth = dfv_ground_truth_create(kind, seed, dfv_session_width(p->session), dfv_session_context_frames(p->session),
                                       dfv_session_config(p->session)->actions.dim, err);
    if (!p->truth) fprintf(stderr, "dfview play: %s\n", err);
    return p->truth != NULL;
}

/* Splits argv between the viewer and the session. Returns -1 to go on, else an exit code. */
static int parse(int argc, char **argv, dfv_viewer_desc *viewer, dfv_session_desc *session, bool *ground_truth)
{
    dfv_session_desc_default(session);
    session->load_image = dfv_media_load_seed;
    for (int i = 1; i < argc;) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        char err[DFV_ERR_LEN];
        int used = dfv_viewer_parse_option(viewer, argc, argv, i, err);
        if (used < 0) {
            fprintf(stderr, "dfview play: %s\n", err);
            return 2;
        }
        if (used == 0 && !strcmp(argv[i], "--ground-truth")) *ground_truth = true, used = 1;
        if (used == 0) used = dfv_session_parse_option(argc, argv, i, session, err);
        if (used < 0) return fprintf(stderr, "dfview play: %s\n", err), 2;
        if (used == 0) {
            fprintf(stderr, "dfview play: unknown option '%s' (see --help)\n", argv[i]);
            return 2;
        }
        i += used;
    }
    return -1;
}

static int play(int argc, char **argv)
{
    dfv_viewer_desc viewer;
    memset(&viewer, 0, sizeof viewer);
    dfv_session_desc session_desc;
    bool ground_truth = false;
    int code = parse(argc, argv, &viewer, &session_desc, &ground_truth);
    if (code >= 0) return code;
    char err[DFV_ERR_LEN] = "";
    /* Fail before loading a model when no window can be shown. */
    if (!dfv_window_display_available(err)) return dfv_cmd_viewer_exit("play", DFV_VIEWER_NO_DISPLAY, NULL, err);
    /* The bundled seed image is the first frame of world:maze:2 (assets/seeds/README.md); the simulator
     * needs the world itself, so both sides start from that world. */
    if (ground_truth && !session_desc.seed && !session_desc.engine.model_path) session_desc.seed = "world:maze:2";
    play_state p = {.desc = &session_desc};
    if (dfv_session_open(&session_desc, &p.session, err) != 0) return fprintf(stderr, "dfview play: %s\n", err), 1;
    if (ground_truth && !open_ground_truth(&p)) {
        dfv_session_close(p.session);
        return 1;
    }
    if (p.truth) viewer.companion = play_truth, viewer.companion_user = &p;
    /* The rollout steps the session over the viewer's timeline. */
    dfv_rollout *rollout = p.rollout = dfv_rollout_create(p.session);
    if (!rollout) {
        fprintf(stderr, "dfview play: out of memory\n");
        dfv_session_close(p.session);
        dfv_ground_truth_destroy(p.truth);
        return 1;
    }
    dfv_frame_source source = dfv_rollout_source(rollout);
    model_keys(&p);
    viewer.action_keys = p.keys;
    viewer.source = &source;
    viewer.sidecar = play_sidecar;
    viewer.sidecar_user = &p;
    viewer.reseed = play_reseed;
    viewer.reseed_user = &p;
    viewer.adjust = play_adjust;
    viewer.adjust_user = &p;
    viewer.describe = play_describe;
    viewer.describe_user = &p;
    char summary[256];
    dfv_viewer_status status = dfv_viewer_run(&viewer, summary, sizeof summary, err);
    dfv_rollout_destroy(rollout);
    dfv_session_close(p.session);
    dfv_ground_truth_destroy(p.truth);
    for (int k = 0; k < p.reseed_count; k++) free(p.reseed_path[k]);
    return dfv_cmd_viewer_exit("play", status, summary, err);
}

int dfv_cmd_play(int argc, char **argv)
{
    return play(argc, argv);
}
