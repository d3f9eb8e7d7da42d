#include "render_job.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "frame_scale.h"
#include "png.h"
#include "rollout.h"

typedef struct {
    const dfv_render_job *job;
    dfv_export *exporter; /* NULL: no clip */
    uint8_t *still;       /* --out last.png: the newest frame, written as one PNG at the end */
    size_t frame_bytes;
} render_state;

/* A .png without a frame-number pattern holds one picture: the rollout's last frame. */
static bool is_still_png(const char *path)
{
    size_t len = path ? strlen(path) : 0;
    return len >= 4 && !strcasecmp(path + len - 4, ".png") && !strchr(path, '%');
}

static void next_action(void *user, int64_t index, float *out)
{
    const render_state *st = user;
    st->job->action(st->job->user, index, out);
}

static int write_frame(void *user, int64_t index, const uint8_t *rgb)
{
    (void)index;
    const render_state *st = user;
    if (st->still) memcpy(st->still, rgb, st->frame_bytes);
    char err[DFV_ERR_LEN];
    if (!st->exporter || dfv_export_write(st->exporter, rgb, 0, err)) return 0;
    fprintf(stderr, "\ndfview render: %s\n", err);
    return -1;
}

/* Fails early, before any frame is made, when the still cannot be written. */
static int open_still(dfv_session *s, const dfv_render_job *job, render_state *st)
{
    st->frame_bytes = dfv_session_frame_bytes(s);
    st->still = malloc(st->frame_bytes);
    FILE *f = fopen(job->out_path, "ab");
    if (!st->still || !f) {
        fprintf(stderr, "dfview render: cannot write %s: %s\n", job->out_path, st->still ? strerror(errno) : "out of memory");
        return -1;
    }
    fclose(f);
    return 0;
}

static int write_still(dfv_session *s, const dfv_render_job *job, const render_state *st)
{
    int w = dfv_session_width(s), h = dfv_session_height(s), width, height;
    dfv_frame_scaler *scaler = dfv_frame_scaler_create(w, h, job->scale ? job->scale : 1, job->filter, 1);
    char err[DFV_ERR_LEN] = "out of memory";
    bool ok = scaler != NULL;
    if (ok) {
        dfv_frame_scaler_output_size(scaler, &width, &height);
        ok = dfv_png_write(job->out_path, dfv_frame_scaler_apply(scaler, st->still, w * 3), width, height, 0, err);
    }
    dfv_frame_scaler_destroy(scaler);
    if (!ok) fprintf(stderr, "dfview render: %s\n", err);
    return ok ? 0 : -1;
}

static int open_export(dfv_session *s, const dfv_render_job *job, dfv_export **out)
{
    *out = NULL;
    if (!job->out_path) return 0;
    dfv_export_tag tag = {"comment", job->comment};
    dfv_export_desc d = {.path = job->out_path, .width = dfv_session_width(s), .height = dfv_session_height(s), .fps = job->fps, .scale = job->scale,
                         .filter = job->filter, .tags = job->comment ? &tag : NULL, .tag_count = job->comment ? 1 : 0};
    char err[DFV_ERR_LEN];
    if (!dfv_export_open(&d, out, err)) {
        fprintf(stderr, "dfview render: %s\n", err);
        return -1;
    }
    if (dfv_export_notice(*out)[0]) fprintf(stderr, "dfview render: %s\n", dfv_export_notice(*out));
    return 0;
}

/* The branch through a timeline that keeps only the window, so a render of any length stays flat. */
static int run_branch(dfv_session *s, const uint8_t *seed_rgb, const dfv_render_job *job, render_state *st,
                      dfv_render_result *r)
{
    int context = dfv_session_context_frames(s);
    dfv_timeline *tl = dfv_timeline_create(dfv_session_width(s), dfv_session_height(s), dfv_session_config(s)->actions.dim);
    dfv_rollout *rollout = tl ? dfv_rollout_create(s) : NULL;
    if (!rollout) {
        fprintf(stderr, "dfview render: out of memory\n");
        return dfv_timeline_destroy(tl), -1;
    }
    dfv_timeline_keep_last(tl, dfv_session_settings(s)->window);
    dfv_progress progress;
    dfv_progress_begin(&progress, "render", job->frames - context, job->quiet);
    dfv_branch_job branch = {.seed_rgb = seed_rgb, .frames = job->frames - context, .action = next_action,
                             .on_frame = write_frame, .user = st, .progress = &progress};
    dfv_branch_result result;
    char err[DFV_ERR_LEN];
    int rc = dfv_rollout_run_branch(rollout, tl, &branch, &result, err);
    dfv_progress_end(&progress);
    if (rc < 0 && err[0]) fprintf(stderr, "dfview render: frame %lld: %s\n", (long long)result.frames_done, err);
    r->frames_done = result.frames_done;
    r->network_calls = result.network_calls;
    r->interrupted = result.interrupted;
    r->seconds = dfv_progress_seconds(&progress);
    dfv_rollout_destroy(rollout);
    dfv_timeline_destroy(tl);
    return rc ? -1 : 0;
}

int dfv_render_run(dfv_session *s, const uint8_t *seed_rgb, const dfv_render_job *job, dfv_render_result *r)
{
    memset(r, 0, sizeof *r);
    render_state st = {.job = job};
    bool still = is_still_png(job->out_path);
    if (still ? open_still(s, job, &st) : open_export(s, job, &st.exporter)) return free(st.still), -1;
    int rc = run_branch(s, seed_rgb, job, &st, r);
    if (st.exporter) {
        char err[DFV_ERR_LEN];
        if (!dfv_export_close(st.exporter, &r->frames_in_file, err)) {
            fprintf(stderr, "dfview render: %s\n", err);
            rc = -1;
        }
    }
    if (still && r->frames_done > 0) {
        if (write_still(s, job, &st)) rc = -1;
        else r->frames_in_file = r->frames_done; /* the rollout the picture ends: what its sidecar replays */
    }
    free(st.still);
    if (r->interrupted)
        fprintf(stderr, "dfview render: interrupted; %s holds %lld frames\n", job->out_path ? job->out_path : "(no file)",
                (long long)r->frames_in_file);
    return rc;
}
