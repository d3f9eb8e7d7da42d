/* dfview eval: roll a model out from world seeds under the exploration agent's actions and compare it
 * with the world's own frames, or from a video's frames under the actions recorded with it and compare it
 * with the video (docs/eval.md). Both score through the same episode loop. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "commands.h"
#include "dataset.h"
#include "eval.h"
#include "eval_plot.h"
#include "eval_report.h"
#include "eval_sheet.h"
#include "eval_video.h"
#include "npy_io.h"
#include "progress.h"
#include "rollout.h"
#include "session.h"

typedef enum { ORACLE_NONE = 0, ORACLE_TRUTH, ORACLE_STILL } oracle_mode;

typedef struct {
    dfv_session_desc session;
    const char *world, *out, *replot, *rollouts;
    int episodes, frames; /* 0 until resolved: 16 × 300, or what a --rollouts file holds */
    uint64_t first_seed;
    bool world_options;       /* --world, --episodes or --first-seed given */
    const char *video, *actions; /* --video and its --actions script */
    int64_t start_frame;      /* --start-frame */
    double start_seconds;     /* --start; -1 when not given */
    oracle_mode oracle;
    int oracle_context, oracle_width, oracle_height;
    bool quiet;
    dfv_png_writer write_png; /* NULL in dfview-engine: no plot */
    dfv_image_seed_loader load_frames; /* NULL in dfview-engine: no --video */
} eval_args;

/* What one episode's rollout needs, fixed for the whole run. */
typedef struct {
    const eval_args *args;
    dfv_session *session; /* NULL for the oracle */
    dfv_world_kind kind;
    int width, height, context, window, world_actions, model_actions;
    bool stretch;                          /* --video: frames resized whole (Oasis), else center-cropped */
    int action_map[DFV_MAX_ACTIONS]; /* model action i = world action action_map[i] */
    dfv_npy rollouts;                      /* --rollouts: (episodes, context + frames, size, size, 3) uint8 */
    float idle[DFV_MAX_ACTIONS];           /* --video: the first context frame's action */
    uint8_t *video_rgb;                    /* --video: its context + frames frames, read before anything runs */
    int64_t start_frame;                   /* --video: the clip's frame the context starts at (--start resolved) */
    float *video_actions;                  /* --video: the model's action rows for them (NULL without a model) */
    dfv_rollout *rollout;                  /* NULL without a model */
    dfv_timeline *timeline;                /* the rollout's: keeps only the window, a new root per episode */
    dfv_eval_sheet *sheet;                 /* sheet.png; NULL without a PNG writer */
    dfv_progress progress;
} eval_run;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: dfview eval --model M --out DIR [--world maze|voxel] [--episodes K] [--frames N] [--first-seed S]\n"
            "                   [session options]\n"
            "       dfview eval --model M --video CLIP --actions SCRIPT [--start-frame F|--start SECONDS] [--frames N]\n"
            "                   --out DIR\n"
            "Rolls the model out from world seeds S..S+K-1 under the exploration agent's actions and compares it\n"
            "with the world's frames: DIR/eval.csv (per frame), DIR/eval.png (plot), DIR/summary.json.\n"
            "With --video, the model starts from the clip's frames F.. and is compared with the clip itself.\n"
            "  --world W            maze (default) or voxel\n"
            "  --episodes K         world seeds to roll out (default 16)\n"
            "  --frames N           generated frames per episode, after the model's context frames (default 300)\n"
            "  --first-seed S       first world seed (default 0; the bundled models train on seeds >= 1000000)\n"
            "  --out DIR            where the results go (created if missing)\n"
            "  --replot DIR         only redraw DIR/eval.png from DIR/eval.csv (e.g. after a run in dfview-engine)\n"
            "  --rollouts FILE      score frames made elsewhere instead of running a model: a uint8 .npy\n"
            "                       (episodes, context + frames, size, size, 3) rolled out from world seeds S.. with\n"
            "                       the agent's actions (models/eval_rollouts.py makes one on a GPU); --context C\n"
            "                       (default 2) says how many of its frames are context\n"
            "  --video CLIP         score against this video instead of a world (any FFmpeg video, resized as\n"
            "                       --seed CLIP#F is for the model); turns are not measured\n"
            "  --actions SCRIPT     the clip's actions, one line per video frame from frame 1 (line v: the action\n"
            "                       into frame v; scripts/convert-oasis-actions writes open-oasis's this way)\n"
            "  --start-frame F      the clip's frame that starts the context (default 0)\n"
            "  --start SECONDS      or the first frame shown at or after this time\n"
            "  --quiet              no progress on stderr\n");
    dfv_session_print_options(out);
}

static int parse_count(const char *opt, const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "dfview eval: %s takes a whole number in %lld..%lld, not '%s'\n", opt, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* --size R (R × R) or WxH ("64x48"), 8..1024 each. */
static int parse_size(const char *text, int *width, int *height)
{
    int w = 0, h = 0, used = 0;
    if (!(sscanf(text, "%dx%d%n", &w, &h, &used) == 2 && !text[used])) {
        used = 0;
        if (!(sscanf(text, "%d%n", &w, &used) == 1 && !text[used])) w = 0;
        h = w;
    }
    if (w < 8 || w > 1024 || h < 8 || h > 1024)
        return fprintf(stderr, "dfview eval: --size takes R or WxH, 8..1024 each, not '%s'\n", text), -1;
    *width = w, *height = h;
    return 0;
}

/* --start SECONDS: a non-negative time, 's' optional. */
static int parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end != text && *end == 's') end++;
    if (end == text || *end || errno || !isfinite(v) || v < 0)
        return fprintf(stderr, "dfview eval: --start takes seconds (e.g. 3.5 or 3.5s), not '%s'\n", text), -1;
    *out = v;
    return 0;
}

static int parse_value(eval_args *a, const char *o, const char *v)
{
    long long n;
    if (!strcmp(o, "--world") || !strcmp(o, "--episodes") || !strcmp(o, "--first-seed")) a->world_options = true;
    if (!strcmp(o, "--world")) a->world = v;
    else if (!strcmp(o, "--video")) a->video = v;
    else if (!strcmp(o, "--actions")) a->actions = v;
    else if (!strcmp(o, "--start-frame")) return parse_count(o, v, 0, (long long)1 << 40, &n) ? -1 : (a->start_frame = n, 0);
    else if (!strcmp(o, "--start")) return parse_seconds(v, &a->start_seconds);
    else if (!strcmp(o, "--out")) a->out = v;
    else if (!strcmp(o, "--replot")) a->replot = v;
    else if (!strcmp(o, "--rollouts")) a->rollouts = v;
    else if (!strcmp(o, "--episodes")) return parse_count(o, v, 1, 1000000, &n) ? -1 : (a->episodes = (int)n, 0);
    else if (!strcmp(o, "--frames")) return parse_count(o, v, 1, 1000000, &n) ? -1 : (a->frames = (int)n, 0);
    else if (!strcmp(o, "--first-seed")) return parse_count(o, v, 0, (long long)1 << 62, &n) ? -1 : (a->first_seed = (uint64_t)n, 0);
    /* Test modes (docs/eval.md): the ground truth itself, or its last context frame held, stands in for
     * the model, so the scoring and the files are checked without a model or a device. */
    else if (!strcmp(o, "--oracle")) {
        a->oracle = !strcmp(v, "truth") ? ORACLE_TRUTH : !strcmp(v, "still") ? ORACLE_STILL : ORACLE_NONE;
        if (!a->oracle) return fprintf(stderr, "dfview eval: --oracle takes truth or still, not '%s'\n", v), -1;
    } else if (!strcmp(o, "--context")) return parse_count(o, v, 1, 64, &n) ? -1 : (a->oracle_context = (int)n, 0);
    else if (!strcmp(o, "--size")) return parse_size(v, &a->oracle_width, &a->oracle_height);
    else return fprintf(stderr, "dfview eval: unexpected argument '%s' (see --help)\n", o), -1;
    return 0;
}

/* --video scores one clip; its options and the world's do not mix. */
static int check_video_args(eval_args *a)
{
    if (!a->video) {
        if (a->actions || a->start_frame || a->start_seconds >= 0)
            return fprintf(stderr, "dfview eval: %s belongs to --video (see --help)\n",
                           a->actions ? "--actions" : a->start_frame ? "--start-frame" : "--start"), -1;
        return 0;
    }
    if (a->start_frame && a->start_seconds >= 0)
        return fprintf(stderr, "dfview eval: give --start or --start-frame, not both\n"), -1;
    if (a->world_options)
        return fprintf(stderr, "dfview eval: --world, --episodes and --first-seed are a world eval's; --video "
                               "scores one clip\n"), -1;
    if (a->rollouts) return fprintf(stderr, "dfview eval: --rollouts and --video do not mix\n"), -1;
    a->episodes = 1;
    return 0;
}

/* 0 to go on, 1 when --help was answered, -1 on a bad command line (reported). */
static int parse_args(int argc, char **argv, eval_args *a)
{
    memset(a, 0, sizeof *a);
    dfv_session_desc_default(&a->session);
    a->world = "maze", a->oracle_context = 2, a->oracle_width = a->oracle_height = 64, a->start_seconds = -1;
    for (int i = 1; i < argc; i++) {
        char err[DFV_ERR_LEN];
        int used = dfv_session_parse_option(argc, argv, i, &a->session, err);
        if (used < 0) return fprintf(stderr, "dfview eval: %s\n", err), -1;
        if (used) {
            i += used - 1;
            continue;
        }
        const char *o = argv[i];
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) return print_usage(stdout), 1;
        if (!strcmp(o, "--quiet")) {
            a->quiet = true;
            continue;
        }
        if (i + 1 >= argc) return fprintf(stderr, "dfview eval: %s needs a value (see --help)\n", o), -1;
        if (parse_value(a, o, argv[++i])) return -1;
    }
    if (a->replot) return 0;
    if (!a->out) return fprintf(stderr, "dfview eval: --out DIR is required (see --help)\n"), -1;
    if (a->session.seed)
        return fprintf(stderr, "dfview eval: --seed does not apply: %s\n", a->video ? "the video's frames seed the "
                       "model (--start-frame)" : "episodes are seeded from the world (--first-seed)"), -1;
    if (check_video_args(a)) return -1;
    if (a->rollouts && (a->oracle || a->session.engine.model_path))
        return fprintf(stderr, "dfview eval: --rollouts replaces the model; give one or the other\n"), -1;
    if (!a->oracle && !a->rollouts && !a->session.engine.model_path)
        return fprintf(stderr, "dfview eval: --model is required (see --help)\n"), -1;
    if (!a->rollouts) {
        if (!a->episodes) a->episodes = 16;
        if (!a->frames) a->frames = 300;
    }
    if (a->oracle && a->session.engine.model_path)
        return fprintf(stderr, "dfview eval: --oracle replaces the model; give one or the other\n"), -1;
    return 0;
}

/* Creates dir and its parents. */
static int make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) return errno = ENAMETOOLONG, -1;
    for (char *p = path + 1;; p++) {
        bool end = !*p;
        if (*p == '/' || end) {
            *p = 0;
            if (mkdir(path, 0777) && errno != EEXIST) return -1;
            if (end) return 0;
            *p = '/';
        }
    }
}

/* Model actions are matched to the world's by name, so a model may list them in any order or use a subset. */
static int map_actions(eval_run *r)
{
    const dfv_model_config *c = dfv_session_config(r->session);
    const char *const *names = dfv_world_action_names(r->kind);
    r->model_actions = c->actions.dim;
    for (int i = 0; i < c->actions.dim; i++) {
        r->action_map[i] = -1;
        for (int j = 0; j < r->world_actions; j++)
            if (!strcasecmp(c->actions.actions[i].name, names[j])) r->action_map[i] = j;
        if (r->action_map[i] >= 0) continue;
        char list[512] = "";
        for (int j = 0; j < r->world_actions; j++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "", names[j]);
        fprintf(stderr, "dfview eval: the model's action '%s' is not an action of the %s world (%s)\n",
                c->actions.actions[i].name, r->args->world, list);
        return -1;
    }
    return 0;
}

static size_t frame_bytes(const eval_run *r) { return (size_t)r->width * r->height * 3; }

static const uint8_t *rollout_frame(const eval_run *r, int episode, int t)
{
    size_t fb = frame_bytes(r);
    return (const uint8_t *)r->rollouts.data + fb * ((size_t)episode * (size_t)r->rollouts.shape[1] + (size_t)t);
}

/* A rollouts file must start from the eval's own worlds: its context frames are the truth's. */
static int check_rollout_context(const eval_run *r, int episode, const uint8_t *truth)
{
    size_t fb = frame_bytes(r);
    for (int t = 0; t < r->context; t++)
        if (memcmp(rollout_frame(r, episode, t), truth + fb * (size_t)t, fb)) {
            fprintf(stderr, "dfview eval: %s: episode %d's context frame %d is not world seed %llu's (the rollouts "
                            "must start from --first-seed %llu of the %s world)\n",
                    r->args->rollouts, episode, t, (unsigned long long)(r->args->first_seed + (uint64_t)episode),
                    (unsigned long long)r->args->first_seed, r->args->world);
            return -1;
        }
    return 0;
}

/* One episode's model actions: the world's, mapped by name. */
static void map_episode_actions(const eval_run *r, const float *world_actions, float *model_actions)
{
    int total = r->context + r->args->frames, A = r->model_actions;
    for (int t = 0; t < total; t++)
        for (int i = 0; i < A; i++)
            model_actions[(size_t)t * A + i] = world_actions[(size_t)t * r->world_actions + r->action_map[i]];
}

typedef struct {
    const eval_run *run;
    const float *actions; /* the episode's model action rows */
    uint8_t *frames;      /* the episode's frames, filled as the branch grows */
} episode_branch;

static void episode_action(void *user, int64_t index, float *out)
{
    const episode_branch *b = user;
    int A = b->run->model_actions;
    memcpy(out, b->actions + (size_t)index * A, sizeof(float) * (size_t)A);
}

static int keep_frame(void *user, int64_t index, const uint8_t *rgb)
{
    const episode_branch *b = user;
    size_t fb = frame_bytes(b->run);
    memcpy(b->frames + fb * (size_t)index, rgb, fb);
    return 0;
}

/* The model's branch from the truth's context under the episode's actions. */
static int model_episode(eval_run *r, int episode, const uint8_t *truth, const float *model_actions, uint8_t *frames)
{
    char stage[64], err[DFV_ERR_LEN];
    snprintf(stage, sizeof stage, "episode %d/%d", episode + 1, r->args->episodes);
    episode_branch b = {.run = r, .actions = model_actions, .frames = frames};
    dfv_branch_job job = {.seed_rgb = truth, .seed_actions = r->model_actions ? model_actions : NULL,
                          .frames = r->args->frames, .action = episode_action, .on_frame = keep_frame, .user = &b,
                          .progress = &r->progress, .stage = stage,
                          .progress_base = (int64_t)episode * r->args->frames};
    dfv_branch_result result;
    int rc = dfv_rollout_run_branch(r->rollout, r->timeline, &job, &result, err);
    if (rc < 0) {
        dfv_progress_end(&r->progress);
        long long k = (long long)(result.frames_done - r->context + 1);
        if (r->args->video) fprintf(stderr, "dfview eval: %s, generated frame %lld: %s\n", r->args->video, k, err);
        else
            fprintf(stderr, "dfview eval: episode %d (world seed %llu), frame %lld: %s\n", episode,
                    (unsigned long long)(r->args->first_seed + (uint64_t)episode), k, err);
    }
    return rc;
}

/* Without a model: the frames of a --rollouts file, the truth itself or its last context frame held. */
static int stand_in_episode(eval_run *r, int episode, const uint8_t *truth, uint8_t *frames)
{
    size_t fb = frame_bytes(r);
    if (r->args->rollouts && check_rollout_context(r, episode, truth)) return -1;
    if (dfv_stop_requested()) return 1;
    memcpy(frames, truth, fb * (size_t)r->context);
    for (int t = r->context; t < r->context + r->args->frames; t++) {
        uint8_t *out = frames + fb * (size_t)t;
        if (r->args->rollouts) memcpy(out, rollout_frame(r, episode, t), fb);
        else if (r->args->oracle == ORACLE_TRUTH) memcpy(out, truth + fb * (size_t)t, fb);
        else memcpy(out, truth + fb * (size_t)(r->context - 1), fb);
    }
    dfv_progress_report(&r->progress, (int64_t)(episode + 1) * r->args->frames, NULL);
    return 0;
}

/* The model's action space, for reading an action script (names borrowed from the session). */
static dfv_action_space model_action_space(const eval_run *r)
{
    return (dfv_action_space){.dim = r->model_actions,
                              .kind = (dfv_action_kind)dfv_session_config(r->session)->actions.kind,
                              .names = dfv_session_action_names(r->session)};
}

/* --video: reads the clip's frames and the script's rows once, before the output folder is made, so a bad
 * clip or script is refused without a trace (eval_video.h). */
static int load_video(eval_run *r)
{
    const eval_args *a = r->args;
    char err[DFV_ERR_LEN];
    int total = r->context + a->frames;
    dfv_eval_video v = {.path = a->video, .start = a->start_frame, .start_seconds = a->start_seconds,
                        .context = r->context, .frames = a->frames};
    dfv_seed_request req = {.width = r->width, .height = r->height, .stretch = r->stretch};
    dfv_action_space space = r->session ? model_action_space(r) : (dfv_action_space){0};
    r->video_rgb = malloc(frame_bytes(r) * (size_t)total);
    r->video_actions = space.dim ? malloc(sizeof(float) * (size_t)total * (size_t)space.dim) : NULL;
    if (!r->video_rgb || (space.dim && !r->video_actions))
        return fprintf(stderr, "dfview eval: out of memory for %d frames of %dx%d\n", total, r->width, r->height), -1;
    if (dfv_eval_video_frames(&v, a->load_frames, &req, r->video_rgb, err) ||
        (space.dim && dfv_eval_video_actions(&v, a->actions, &space, r->idle, r->video_actions, err)))
        return fprintf(stderr, "dfview eval: %s\n", err), -1;
    r->start_frame = v.start;
    return 0;
}

/* Episode e's ground truth into truth and the model's action rows: a world's episode (its actions mapped
 * by name), or the clip's frames and the script's rows (read by load_video). */
static int episode_truth(eval_run *r, int e, uint8_t *truth, float *world_actions, float *model_actions)
{
    const eval_args *a = r->args;
    int total = r->context + a->frames;
    if (a->video) {
        memcpy(truth, r->video_rgb, frame_bytes(r) * (size_t)total);
        if (r->video_actions) memcpy(model_actions, r->video_actions, sizeof(float) * (size_t)total * r->model_actions);
        return 0;
    }
    char err[DFV_ERR_LEN];
    if (dfv_dataset_episode(r->kind, a->first_seed + (uint64_t)e, total, r->width, truth, world_actions, err))
        return fprintf(stderr, "dfview eval: %s\n", err), -1;
    map_episode_actions(r, world_actions, model_actions);
    return 0;
}

/* Runs every episode into eval. Returns 0, 1 when stopped early (finished episodes kept), -1 on failure. */
static int run_episodes(eval_run *r, dfv_eval *eval)
{
    size_t fb = frame_bytes(r);
    int total = r->context + r->args->frames;
    uint8_t *truth = malloc(fb * (size_t)total), *frames = malloc(fb * (size_t)total);
    float *world_actions = malloc(sizeof(float) * (size_t)total * r->world_actions);
    float *model_actions = malloc(sizeof(float) * (size_t)total * (r->model_actions ? r->model_actions : 1));
    int rc = truth && frames && world_actions && model_actions ? 0 : -1;
    if (rc) fprintf(stderr, "dfview eval: out of memory for %d frames of %dx%d\n", total, r->width, r->height);
    for (int e = 0; e < r->args->episodes && !rc; e++) {
        if (episode_truth(r, e, truth, world_actions, model_actions)) {
            rc = -1;
            break;
        }
        rc = r->rollout ? model_episode(r, e, truth, model_actions, frames) : stand_in_episode(r, e, truth, frames);
        if (rc) break;
        /* A video has no world actions: its turns are not measured. */
        dfv_eval_add_episode(eval, truth, frames, r->args->video ? NULL : world_actions);
        if (r->sheet) dfv_eval_sheet_add_episode(r->sheet, truth, frames);
    }
    dfv_progress_end(&r->progress);
    free(truth), free(frames), free(world_actions), free(model_actions);
    return rc;
}

static int write_results(const eval_args *a, const dfv_eval *eval, const dfv_eval_sheet *sheet,
                         const dfv_eval_run_info *info)
{
    dfv_eval_summary summary;
    dfv_eval_summarize(eval, &summary);
    char csv[4200], png[4200], json[4200], err[DFV_ERR_LEN];
    snprintf(csv, sizeof csv, "%s/eval.csv", a->out);
    snprintf(png, sizeof png, "%s/eval.png", a->out);
    snprintf(json, sizeof json, "%s/summary.json", a->out);
    /* The figures first: a build without a PNG encoder (dfview-engine) still leaves them, and
     * `dfview eval --replot DIR` draws the plot later from the CSV. */
    if (dfv_eval_write_csv(eval, csv, err) || dfv_eval_write_json(&summary, info, json, err))
        return fprintf(stderr, "dfview eval: %s\n", err), -1;
    dfv_eval_print_summary(stdout, &summary, info);
    if (!a->write_png) {
        printf("  wrote %s and %s (draw eval.png with dfview eval --replot %s where the full dfview runs)\n", csv,
               json, a->out);
        return 0;
    }
    if (dfv_eval_plot_write(eval, png, a->write_png, err)) {
        printf("  wrote %s and %s\n", csv, json);
        fprintf(stderr, "dfview eval: %s (redraw it with dfview eval --replot %s)\n", err, a->out);
        return -1;
    }
    char sheet_png[4200];
    snprintf(sheet_png, sizeof sheet_png, "%s/sheet.png", a->out);
    if (sheet && dfv_eval_sheet_write(sheet, sheet_png, a->write_png, err))
        return fprintf(stderr, "dfview eval: %s\n", err), -1;
    printf("  wrote %s, %s, %s and %s\n", csv, png, sheet_png, json);
    return 0;
}

static int replot(const char *dir, dfv_png_writer write_png)
{
    if (!write_png) return fprintf(stderr, "dfview eval: %s/eval.png: dfview-engine has no PNG encoder\n", dir), 1;
    char csv[4200], png[4200], err[DFV_ERR_LEN];
    snprintf(csv, sizeof csv, "%s/eval.csv", dir);
    snprintf(png, sizeof png, "%s/eval.png", dir);
    /* Only the per-frame figures are drawn, so the shape's world, size and context do not matter. */
    dfv_eval_shape shape = {.kind = DFV_WORLD_MAZE, .width = 64, .height = 64, .context = 1};
    dfv_eval *eval;
    if (dfv_eval_read_csv(csv, &shape, &eval, err)) return fprintf(stderr, "dfview eval: %s\n", err), 1;
    int rc = dfv_eval_plot_write(eval, png, write_png, err);
    if (rc) fprintf(stderr, "dfview eval: %s\n", err);
    else printf("dfview eval: drew %s from %s\n", png, csv);
    dfv_eval_destroy(eval);
    return rc ? 1 : 0;
}

static int evaluate(const eval_args *a, eval_run *r)
{
    dfv_eval_shape shape = {.kind = r->kind, .width = r->width, .height = r->height, .context = r->context,
                            .frames = a->frames};
    dfv_eval *eval;
    char err[DFV_ERR_LEN];
    /* Before the rollout: an output folder that cannot be made fails now, not after the work. */
    if (make_dirs(a->out)) return fprintf(stderr, "dfview eval: cannot create %s: %s\n", a->out, strerror(errno)), 1;
    if (dfv_eval_create(&shape, &eval, err)) return fprintf(stderr, "dfview eval: %s\n", err), 1;
    char oracle_name[32];
    snprintf(oracle_name, sizeof oracle_name, "oracle:%s", a->oracle == ORACLE_TRUTH ? "truth" : "still");
    char rollouts_name[4200];
    snprintf(rollouts_name, sizeof rollouts_name, "rollouts:%s", a->rollouts ? a->rollouts : "");
    dfv_eval_run_info info = {.model = r->session ? dfv_session_model_path(r->session)
                                       : a->rollouts ? rollouts_name : oracle_name,
                              .world = a->world,
                              .video = a->video,
                              .actions = a->actions,
                              .start_frame = r->start_frame,
                              .device = r->session ? dfv_session_device_name(r->session) : NULL,
                              .first_seed = a->first_seed,
                              .steps = r->session ? dfv_session_settings(r->session)->steps : 0,
                              .stabilization = r->session ? dfv_session_settings(r->session)->stabilization_level : 0,
                              .context_noise = r->session && dfv_session_settings(r->session)->context_noise,
                              .eta = r->session ? dfv_session_settings(r->session)->eta : 0.0f};
    r->sheet = a->write_png ? dfv_eval_sheet_create(&shape) : NULL;
    if (a->write_png && !r->sheet) {
        dfv_eval_destroy(eval);
        return fprintf(stderr, "dfview eval: out of memory for the contact sheet\n"), 1;
    }
    dfv_progress_begin(&r->progress, "eval", (int64_t)a->episodes * a->frames, a->quiet);
    int rc = run_episodes(r, eval);
    info.seconds = dfv_progress_seconds(&r->progress);
    info.interrupted = rc == 1;
    if (rc == 1) fprintf(stderr, "dfview eval: stopped; scoring the %d finished episode(s)\n", dfv_eval_episodes(eval));
    if (rc >= 0 && dfv_eval_episodes(eval) > 0 && write_results(a, eval, r->sheet, &info)) rc = -1;
    dfv_eval_sheet_destroy(r->sheet);
    r->sheet = NULL;
    dfv_eval_destroy(eval);
    return rc == 0 ? 0 : 1;
}

/* Reads --rollouts and settles the run's shape from it: size, context (--context), episodes and frames
 * (all of the file's unless fewer were asked for). */
static int open_rollouts(eval_args *a, eval_run *r)
{
    char err[1024];
    if (dfv_npy_read(a->rollouts, DFV_NPY_U8, &r->rollouts, err))
        return fprintf(stderr, "dfview eval: %s\n", err), -1;
    const int64_t *s = r->rollouts.shape;
    r->context = a->oracle_context;
    if (r->rollouts.ndim != 5 || s[4] != 3 || s[2] != s[3] || s[2] < 8 || s[2] > 1024 || s[0] < 1 ||
        s[1] <= r->context)
        return fprintf(stderr, "dfview eval: %s: expected uint8 (episodes, %d context + frames, size, size, 3)\n",
                       a->rollouts, r->context), -1;
    if (a->episodes > s[0] || a->frames > s[1] - r->context)
        return fprintf(stderr, "dfview eval: %s holds %lld episodes of %lld frames after the context; fewer than "
                               "asked for\n", a->rollouts, (long long)s[0], (long long)(s[1] - r->context)), -1;
    if (!a->episodes) a->episodes = (int)s[0];
    if (!a->frames) a->frames = (int)(s[1] - r->context);
    r->width = r->height = (int)s[2], r->window = r->context + 1;
    return 0;
}

static int run_model(const eval_args *a, eval_run *r)
{
    r->timeline = dfv_timeline_create(r->width, r->height, r->model_actions);
    r->rollout = r->timeline ? dfv_rollout_create(r->session) : NULL;
    int rc = 1;
    if (!r->rollout) fprintf(stderr, "dfview eval: out of memory\n");
    else {
        dfv_timeline_keep_last(r->timeline, r->window);
        rc = evaluate(a, r);
    }
    dfv_rollout_destroy(r->rollout);
    dfv_timeline_destroy(r->timeline);
    return rc;
}

/* A model scored against a video: its frames and actions, no world. Returns the exit status. */
static int run_video_model(const eval_args *a, eval_run *r)
{
    const dfv_session *s = r->session;
    dfv_seed_request req = dfv_session_seed_request(s, 1);
    r->width = req.width, r->height = req.height, r->stretch = req.stretch;
    r->context = dfv_session_context_frames(s);
    r->window = dfv_session_settings(s)->window;
    r->model_actions = dfv_session_config(s)->actions.dim;
    dfv_session_idle_action(s, r->idle);
    if (r->model_actions && !a->actions)
        return fprintf(stderr, "dfview eval: --video needs --actions SCRIPT for this action-conditioned model (the "
                               "clip's actions, one line per video frame; see --help)\n"), 2;
    return load_video(r) ? 1 : run_model(a, r);
}

/* A model scored against the world: it must take the world's frames and act with the world's actions. */
static int run_world_model(const eval_args *a, eval_run *r)
{
    if (!dfv_session_takes_world_seeds(r->session)) {
        fprintf(stderr, "dfview eval: %s is an %s model: it cannot take the maze/voxel worlds' square frames; score "
                "it against a video of its own world with --video CLIP --actions SCRIPT\n",
                dfv_session_model_path(r->session), dfv_session_family_name(r->session));
        return 2;
    }
    r->width = r->height = dfv_session_width(r->session);
    r->context = dfv_session_context_frames(r->session);
    r->window = dfv_session_settings(r->session)->window;
    return map_actions(r) ? 2 : run_model(a, r);
}

int dfv_cmd_eval(int argc, char **argv, dfv_png_writer write_png, dfv_image_seed_loader load_frames)
{
    eval_args a;
    int parsed = parse_args(argc, argv, &a);
    if (parsed) return parsed > 0 ? 0 : 2;
    a.write_png = write_png, a.load_frames = load_frames;
    if (a.replot) return replot(a.replot, write_png);
    eval_run r = {.args = &a};
    if (dfv_world_kind_from_name(a.world, &r.kind)) {
        char kinds[128];
        dfv_world_kind_list(" or ", kinds, sizeof kinds);
        fprintf(stderr, "dfview eval: unknown world '%s' (%s)\n", a.world, kinds);
        return 2;
    }
    r.world_actions = dfv_world_action_count(r.kind);
    /* Before the device opens (see progress.h): Ctrl-C still leaves results for the finished episodes. */
    sigset_t old;
    dfv_stop_signals_block(&old);
    int rc;
    char err[DFV_ERR_LEN];
    if (a.rollouts) {
        rc = open_rollouts(&a, &r) ? 1 : evaluate(&a, &r);
        dfv_npy_free(&r.rollouts);
    } else if (a.oracle) {
        r.width = a.oracle_width, r.height = a.oracle_height;
        r.context = a.oracle_context, r.window = a.oracle_context + 1;
        if (!a.video && r.width != r.height) {
            fprintf(stderr, "dfview eval: a world's frames are square: --size R, or WxH with --video\n");
            rc = 2;
        } else rc = a.video && load_video(&r) ? 1 : evaluate(&a, &r);
    } else if (dfv_session_open(&a.session, &r.session, err)) {
        fprintf(stderr, "dfview eval: %s\n", err);
        rc = 1;
    } else {
        rc = a.video ? run_video_model(&a, &r) : run_world_model(&a, &r);
        dfv_session_close(r.session);
    }
    free(r.video_rgb), free(r.video_actions);
    dfv_stop_signals_restore(&old);
    return rc;
}
