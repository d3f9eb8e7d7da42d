#include "render_job.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The caller blocks SIGINT and SIGTERM before the device opens (dfv_render_block_signals), so every
 * thread, the driver's too, inherits the mask; the render polls for them between frames. A Ctrl-C then
 * never interrupts a write half-way, and no global flag is needed. */
static bool interrupt_pending(const sigset_t *set)
{
    struct timespec zero = {0, 0};
    return sigtimedwait(set, NULL, &zero) > 0;
}

/* Rates count generated frames only: the seed's frames cost nothing. */
static void progress(const dfv_render_job *job, int64_t done, int64_t generated, double t0)
{
    if (job->quiet) return;
    double el = now_s() - t0, fps = el > 0 && generated > 0 ? generated / el : 0;
    int width = 30, filled = (int)(width * done / (job->frames ? job->frames : 1));
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = 0;
    double eta = fps > 0 ? (job->frames - done) / fps : 0;
    fprintf(stderr, "\r[%s] %lld/%lld frames  %.2f frames/s  ETA %02d:%02d ", bar, (long long)done,
            (long long)job->frames, fps, (int)(eta / 60), (int)eta % 60);
    if (done == job->frames) fputc('\n', stderr);
}

typedef struct {
    dfv_session *s;
    const dfv_render_job *job;
    dfv_export *exporter;
    size_t rgb_frame;
    int ring_len, action_dim;
    uint8_t *ring;  /* ring_len frames: the window's context, oldest first after rotation */
    float *actions; /* (ring_len + 1) rows aligned with ring then the new frame */
    int64_t first_index;
    int count;
} render_state;

static int emit(render_state *st, int64_t index, const uint8_t *rgb, dfv_render_result *r)
{
    if (st->job->on_frame) st->job->on_frame(st->job->user, index, rgb);
    char err[512];
    if (st->exporter && !dfv_export_write(st->exporter, rgb, 0, err)) {
        fprintf(stderr, "\ndfview render: %s\n", err);
        return -1;
    }
    r->frames_done = index + 1;
    return 0;
}

/* Appends a frame and its action to the ring, dropping the oldest when full. */
static void push(render_state *st, const uint8_t *rgb, const float *action)
{
    if (st->count == st->ring_len) {
        memmove(st->ring, st->ring + st->rgb_frame, st->rgb_frame * (st->ring_len - 1));
        if (st->action_dim) memmove(st->actions, st->actions + st->action_dim, sizeof(float) * st->action_dim * (st->ring_len - 1));
        st->count--;
        st->first_index++;
    }
    memcpy(st->ring + st->rgb_frame * st->count, rgb, st->rgb_frame);
    if (st->action_dim) {
        float *row = st->actions + (size_t)st->count * st->action_dim;
        if (action) memcpy(row, action, sizeof(float) * st->action_dim);
        else memset(row, 0, sizeof(float) * st->action_dim);
    }
    st->count++;
}

static int generate(render_state *st, const uint8_t *seed_rgb, const sigset_t *sigint, dfv_render_result *r)
{
    const dfv_render_job *job = st->job;
    int ctx = dfv_session_context_frames(st->s);
    uint8_t *frame = malloc(st->rgb_frame);
    if (!frame) return -1;
    double t0 = now_s();
    int rc = 0;
    for (int64_t i = 0; i < job->frames && !rc; i++) {
        if (interrupt_pending(sigint)) {
            r->interrupted = true;
            rc = -1;
            break;
        }
        if (i < ctx) {
            float idle[DFV_MODEL_MAX_ACTIONS];
            dfv_session_idle_action(st->s, idle);
            memcpy(frame, seed_rgb + st->rgb_frame * i, st->rgb_frame);
            push(st, frame, idle);
        } else {
            float *next_action = st->actions + (size_t)st->count * st->action_dim;
            if (st->action_dim) job->action(job->user, i, next_action);
            char err[DFV_ERR_LEN];
            if (dfv_session_next(st->s, st->ring, st->count, st->first_index, st->actions, frame, err, sizeof err)) {
                fprintf(stderr, "\ndfview render: frame %lld: %s\n", (long long)i, err);
                rc = -1;
                break;
            }
            r->network_calls += dfv_session_calls_last(st->s);
            float action_copy[DFV_MODEL_MAX_ACTIONS];
            if (st->action_dim) memcpy(action_copy, next_action, sizeof(float) * st->action_dim);
            push(st, frame, action_copy);
        }
        rc = emit(st, i, frame, r);
        if (i + 1 == ctx) t0 = now_s();
        progress(job, i + 1, i + 1 > ctx ? i + 1 - ctx : 0, t0);
    }
    r->seconds = now_s() - t0;
    free(frame);
    return rc;
}

static int open_export(render_state *st, const dfv_render_job *job)
{
    if (!job->out_path) return 0;
    int res = dfv_session_resolution(st->s);
    dfv_export_tag tag = {"comment", job->comment};
    dfv_export_desc d = {.path = job->out_path, .width = res, .height = res, .fps = job->fps, .scale = job->scale,
                         .filter = job->filter, .tags = job->comment ? &tag : NULL, .tag_count = job->comment ? 1 : 0};
    char err[512];
    if (!dfv_export_open(&d, &st->exporter, err)) {
        fprintf(stderr, "dfview render: %s\n", err);
        return -1;
    }
    if (dfv_export_notice(st->exporter)[0]) fprintf(stderr, "dfview render: %s\n", dfv_export_notice(st->exporter));
    return 0;
}

void dfv_render_block_signals(void)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
}

int dfv_render_run(dfv_session *s, const uint8_t *seed_rgb, const dfv_render_job *job, dfv_render_result *r)
{
    memset(r, 0, sizeof *r);
    int res = dfv_session_resolution(s), window = dfv_session_settings(s)->window;
    render_state st = {.s = s, .job = job, .rgb_frame = (size_t)res * res * 3, .ring_len = window > 1 ? window - 1 : 1,
                       .action_dim = dfv_session_config(s)->actions.dim};
    st.ring = malloc(st.rgb_frame * st.ring_len);
    st.actions = calloc((size_t)(st.ring_len + 1) * (st.action_dim ? st.action_dim : 1), sizeof(float));
    if (!st.ring || !st.actions || open_export(&st, job)) {
        free(st.ring), free(st.actions);
        return -1;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    int rc = generate(&st, seed_rgb, &stop, r);
    if (st.exporter) {
        char err[512];
        if (!dfv_export_close(st.exporter, &r->frames_in_file, err)) {
            fprintf(stderr, "dfview render: %s\n", err);
            rc = -1;
        }
    }
    if (r->interrupted)
        fprintf(stderr, "\ndfview render: interrupted; %s holds %lld frames\n", job->out_path ? job->out_path : "(no file)",
                (long long)r->frames_in_file);
    free(st.ring), free(st.actions);
    return rc;
}
