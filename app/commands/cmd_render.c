/* dfview render: roll a model out headless and write a clip plus a JSON sidecar that replays it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_script.h"
#include "commands.h"
#include "media_hooks.h"
#include "progress.h"
#include "render_job.h"
#include "sidecar.h"

typedef struct {
    dfv_session_desc session;
    const char *actions_path, *policy, *out, *replay;
    int64_t frames;
    double fps;
    int scale;
    dfv_scale_filter filter;
    bool quiet;
    const char *replay_script; /* actions read back from a sidecar */
} render_args;

typedef struct {
    dfv_action_space space;
    dfv_action_script *script;
    dfv_action_policy policy;
    bool use_policy;
    int context;
} action_source;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: dfview render --model M --seed S [--actions F | --policy P] --frames N --out CLIP [options]\n"
            "       dfview render --replay CLIP.json --out AGAIN.mp4\n"
            "CLIP: .mp4 (H.264), .webm (VP9), .gif, a pattern like frames/%%05d.png, or last.png (the last frame)\n"
            "  --frames N           frames in the clip, the seed's context frames included\n"
            "  --actions FILE       action script (docs/action-scripts.md); one line per generated frame\n"
            "  --policy P           still | forward | random[:SEED] | circle (default: still)\n"
            "  --scale K            upsample the clip K times (nearest; --bilinear to smooth)\n"
            "  --fps F              clip frame rate (default 10)\n"
            "  --quiet              no progress bar\n");
    dfv_session_print_options(out);
}

static int parse_number(const char *opt, const char *text, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (!*text || *end || v < lo || v > hi) {
        fprintf(stderr, "dfview render: %s takes a number in %g..%g, not '%s'\n", opt, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, render_args *a)
{
    memset(a, 0, sizeof *a);
    dfv_session_desc_default(&a->session);
    a->session.load_image = dfv_media_load_seed;
    for (int i = 1; i < argc; i++) {
        char err[DFV_ERR_LEN];
        int used = dfv_session_parse_option(argc, argv, i, &a->session, err);
        if (used < 0) return fprintf(stderr, "dfview render: %s\n", err), -1;
        if (used) {
            i += used - 1;
            continue;
        }
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double num;
        if (!strcmp(o, "--help")) print_usage(stdout), exit(0);
        else if (!strcmp(o, "--quiet")) a->quiet = true;
        else if (!strcmp(o, "--bilinear")) a->filter = DFV_SCALE_BILINEAR;
        else if (!v) {
            fprintf(stderr, "dfview render: unexpected argument '%s' (see --help)\n", o);
            return -1;
        } else if (!strcmp(o, "--actions")) a->actions_path = v, i++;
        else if (!strcmp(o, "--policy")) a->policy = v, i++;
        else if (!strcmp(o, "--out")) a->out = v, i++;
        else if (!strcmp(o, "--replay")) a->replay = v, i++;
        else if (!strcmp(o, "--frames") || !strcmp(o, "--scale") || !strcmp(o, "--fps")) {
            bool frames = !strcmp(o, "--frames"), scale = !strcmp(o, "--scale");
            if (parse_number(o, v, frames || scale ? 1 : 0.1, frames ? 1e9 : scale ? 16 : 240, &num)) return -1;
            if (frames) a->frames = (int64_t)num;
            else if (scale) a->scale = (int)num;
            else a->fps = num;
            i++;
        } else {
            fprintf(stderr, "dfview render: unexpected argument '%s' (see --help)\n", o);
            return -1;
        }
    }
    if (a->actions_path && a->policy) {
        fprintf(stderr, "dfview render: give --actions or --policy, not both\n");
        return -1;
    }
    return 0;
}

/* ---- replay: a sidecar fills in everything the original command line said ------------------------ */

/* The args point into *replay, so it outlives them. */
static int load_replay(render_args *a, dfv_sidecar_replay *replay)
{
    char err[DFV_ERR_LEN];
    if (dfv_sidecar_read(a->replay, &a->session, replay, err))
        return fprintf(stderr, "dfview render: %s\n", err), -1;
    if (replay->model_changed)
        fprintf(stderr, "dfview render: warning: %s changed since %s was made; the replay will differ\n",
                a->session.engine.model_path, a->replay);
    a->frames = replay->frames;
    a->fps = replay->fps;
    a->scale = replay->scale;
    a->filter = replay->filter;
    a->replay_script = replay->actions;
    return 0;
}

/* ---- actions ------------------------------------------------------------------------------------ */

static void next_action(void *user, int64_t index, float *out)
{
    action_source *src = user;
    if (src->use_policy) dfv_action_policy_frame(&src->policy, &src->space, index - src->context, out);
    else memcpy(out, dfv_action_script_frame(src->script, index - src->context), sizeof(float) * src->space.dim);
}

static int open_actions(const render_args *a, dfv_session *s, action_source *src)
{
    const dfv_model_config *c = dfv_session_config(s);
    memset(src, 0, sizeof *src);
    src->context = dfv_session_context_frames(s);
    if (!c->actions.dim) { /* an unconditioned model takes no actions */
        if (a->actions_path || a->policy)
            fprintf(stderr, "dfview render: note: %s is not action-conditioned; %s %s is ignored\n", c->name,
                    a->actions_path ? "--actions" : "--policy", a->actions_path ? a->actions_path : a->policy);
        return 0;
    }
    src->space = (dfv_action_space){.dim = c->actions.dim, .kind = (dfv_action_kind)c->actions.kind};
    const char **names = malloc(sizeof(char *) * c->actions.dim);
    for (int i = 0; i < c->actions.dim; i++) names[i] = c->actions.actions[i].name;
    src->space.names = names;
    char err[DFV_ERR_LEN];
    bool ok;
    if (a->replay_script) ok = dfv_action_script_parse(a->replay_script, strlen(a->replay_script), a->replay, &src->space, &src->script, err);
    else if (a->actions_path) ok = dfv_action_script_load(a->actions_path, &src->space, &src->script, err);
    else ok = src->use_policy = dfv_action_policy_parse(a->policy ? a->policy : "still", &src->space, &src->policy, err);
    if (!ok) return fprintf(stderr, "dfview render: %s\n", err), -1;
    int64_t needed = a->frames - src->context;
    if (src->script && dfv_action_script_frame_count(src->script) < needed) {
        fprintf(stderr, "dfview render: %s has %lld frames of actions; --frames %lld needs %lld after the %d seed frame%s\n",
                a->replay_script ? a->replay : a->actions_path, (long long)dfv_action_script_frame_count(src->script),
                (long long)a->frames, (long long)needed, src->context, src->context == 1 ? "" : "s");
        return -1;
    }
    return 0;
}

static void close_actions(action_source *src)
{
    dfv_action_script_destroy(src->script);
    free((void *)src->space.names);
}

/* ---- sidecar ------------------------------------------------------------------------------------ */

/* Hashes the model and seed files: built once per render, it serves the clip's metadata and the sidecar. */
static cJSON *make_summary(const render_args *a, dfv_session *s)
{
    dfv_sidecar_desc desc = {.seed = dfv_session_seed_spec(s), .opened = &a->session, .hash_files = true,
                             .fps = a->fps, .scale = a->scale, .filter = a->filter};
    return dfv_sidecar_summary(s, &desc, a->frames);
}

/* clip.mp4 → clip.json; frames/%05d.png → frames/render.json. */
static void sidecar_path(const char *out, char *path, size_t size)
{
    snprintf(path, size, "%s", out);
    char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (strchr(out, '%')) snprintf(slash ? slash + 1 : path, size - (size_t)(slash ? slash + 1 - path : 0), "render.json");
    else if (dot && (!slash || dot > slash)) snprintf(dot, size - (size_t)(dot - path), ".json");
    else strncat(path, ".json", size - strlen(path) - 1);
}

static int write_sidecar(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    int ok = f && text && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f)) ok = 0;
    if (!ok) fprintf(stderr, "dfview render: could not write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

/* ---- the command -------------------------------------------------------------------------------- */

static int run(render_args *a, dfv_session *s)
{
    action_source src;
    if (open_actions(a, s, &src)) return close_actions(&src), 1;
    int ctx = dfv_session_context_frames(s);
    if (a->frames < ctx) {
        fprintf(stderr, "dfview render: --frames must be at least the model's %d context frames\n", ctx);
        return close_actions(&src), 2;
    }
    uint8_t *seed = malloc(dfv_session_frame_bytes(s) * ctx);
    char err[DFV_ERR_LEN];
    if (dfv_session_load_seed(s, dfv_session_seed_spec(s), seed, err)) {
        fprintf(stderr, "dfview render: %s\n", err);
        return free(seed), close_actions(&src), 1;
    }
    cJSON *summary = make_summary(a, s);
    char *comment = cJSON_PrintUnformatted(summary);
    dfv_render_job job = {.out_path = a->out, .frames = a->frames, .fps = a->fps, .scale = a->scale, .filter = a->filter,
                          .comment = comment, .quiet = a->quiet, .action = next_action, .user = &src};
    dfv_render_result r;
    int rc = dfv_render_run(s, seed, &job, &r) ? 1 : 0;
    char side[4096];
    sidecar_path(a->out, side, sizeof side);
    if (r.frames_in_file > 0) {
        char *text = dfv_sidecar_print(summary, s, r.frames_in_file, next_action, &src);
        if (write_sidecar(side, text)) rc = 1;
        free(text);
    }
    if (!rc && !a->quiet)
        fprintf(stderr, "dfview render: wrote %s (%lld frames, %.2f frames/s, %lld network calls) and %s\n", a->out,
                (long long)r.frames_in_file, (r.frames_done - ctx) / (r.seconds > 0 ? r.seconds : 1),
                (long long)r.network_calls, side);
    cJSON_Delete(summary);
    free(comment), free(seed);
    close_actions(&src);
    return rc;
}

int dfv_cmd_render(int argc, char **argv)
{
    render_args a;
    dfv_sidecar_replay replay = {0};
    dfv_stop_signals_block(NULL);
    if (parse_args(argc, argv, &a)) return 2;
    if (a.replay && load_replay(&a, &replay)) return 1;
    if (!a.out || !a.frames) {
        fprintf(stderr, "dfview render: --out and --frames are required (see --help)\n");
        return dfv_sidecar_replay_free(&replay), 2;
    }
    dfv_session *s;
    int rc = 1;
    char err[DFV_ERR_LEN];
    if (dfv_session_open(&a.session, &s, err)) fprintf(stderr, "dfview render: %s\n", err);
    else {
        rc = run(&a, s);
        dfv_session_close(s);
    }
    dfv_sidecar_replay_free(&replay);
    return rc;
}
