/* Dataset writer: episodes rendered in parallel by worker threads, each written straight into its place in
 * pre-sized shard files (pwrite), so memory stays one episode per thread whatever the dataset size. */
#include "dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "npy.h"

#define SHARD_TARGET_BYTES (256LL << 20)

int dfv_dataset_episode(dfv_world_kind kind, uint64_t seed, int frames, int size, uint8_t *rgb, float *actions,
                        char err[DFV_ERR_LEN])
{
    dfv_world *world;
    if (dfv_world_create(kind, seed, size, &world, err)) return -1;
    dfv_agent agent;
    dfv_agent_init(&agent, kind, seed);
    int action_count = dfv_world_action_count(kind);
    size_t frame_bytes = (size_t)size * size * 3;
    dfv_agent_idle_action(kind, actions);
    dfv_world_render(world, rgb);
    for (int t = 1; t < frames; t++) {
        float *action = actions + (size_t)t * action_count;
        dfv_agent_act(&agent, world, action);
        dfv_world_step(world, action, rgb + (size_t)t * frame_bytes);
    }
    dfv_world_destroy(world);
    return 0;
}

/* ---- files ---- */

static int make_dirs(const char *path, char err[DFV_ERR_LEN])
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        dfv_error_set(err, "dataset: output path too long");
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        int end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST) {
                dfv_error_set(err, "dataset: cannot create directory %.160s: %s", buf, strerror(errno));
                return -1;
            }
            if (end) break;
            *p = '/';
        }
    }
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
        dfv_error_set(err, "dataset: %.160s is not a directory", path);
        return -1;
    }
    return 0;
}

static void shard_path(char *buf, size_t cap, const char *dir, int shard, const char *what)
{
    snprintf(buf, cap, "%s/shard_%04d_%s.npy", dir, shard, what);
}

/* Writes the header and sizes the file to its final length, so workers can fill it in any order. */
static int create_npy(const char *path, const char *descr, const int64_t *shape, int ndim, int64_t *data_offset,
                      char err[DFV_ERR_LEN])
{
    char header[DFV_NPY_MAX_HEADER];
    int header_len = dfv_npy_header(header, descr, shape, ndim);
    int64_t elements = 1;
    for (int i = 0; i < ndim; i++) elements *= shape[i];
    int64_t item = descr[2] == '4' ? 4 : 1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (header_len < 0 || fd < 0) {
        dfv_error_set(err, "dataset: cannot create %.160s: %s", path,
                      header_len < 0 ? "header too long" : strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    int ok = write(fd, header, (size_t)header_len) == header_len && ftruncate(fd, header_len + elements * item) == 0;
    if (close(fd) || !ok) {
        dfv_error_set(err, "dataset: cannot write %.160s: %s", path, strerror(errno));
        return -1;
    }
    *data_offset = header_len;
    return 0;
}

static int write_at(const char *path, int64_t offset, const void *data, size_t bytes, char err[DFV_ERR_LEN])
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        dfv_error_set(err, "dataset: cannot open %.160s: %s", path, strerror(errno));
        return -1;
    }
    const char *p = data;
    while (bytes > 0) {
        ssize_t n = pwrite(fd, p, bytes, offset);
        if (n <= 0) {
            dfv_error_set(err, "dataset: cannot write %.160s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        p += n;
        offset += n;
        bytes -= (size_t)n;
    }
    if (close(fd)) {
        dfv_error_set(err, "dataset: cannot close %.160s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the job shared by the workers ---- */

typedef struct {
    const dfv_dataset_desc *desc;
    int shard_episodes, action_count;
    int64_t frames_offset, actions_offset; /* header lengths (the same for every full shard) */
    int64_t last_frames_offset, last_actions_offset;
    int shard_count;
    pthread_mutex_t lock;
    int next_episode, done_episodes;
    int failed;
    char err[DFV_ERR_LEN];
    double start, last_draw;
} dataset_job;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw_progress(const dataset_job *job, int final)
{
    const int width = 30;
    int total = job->desc->episodes, done = job->done_episodes;
    int filled = total ? (int)((int64_t)done * width / total) : width;
    double elapsed = now_seconds() - job->start;
    double fps = elapsed > 0 ? (double)done * job->desc->frames / elapsed : 0;
    fprintf(stderr, "\r[%.*s%.*s] %d/%d episodes  %.0f frames/s%s", filled, "##############################",
            width - filled, "..............................", done, total, fps, final ? "\n" : "");
    fflush(stderr);
}

static int episode_shard(const dataset_job *job, int episode, int *index_in_shard)
{
    *index_in_shard = episode % job->shard_episodes;
    return episode / job->shard_episodes;
}

static int store_episode(dataset_job *job, int episode, const uint8_t *rgb, const float *actions, char err[DFV_ERR_LEN])
{
    const dfv_dataset_desc *d = job->desc;
    int within, shard = episode_shard(job, episode, &within);
    size_t frame_bytes = (size_t)d->frames * d->size * d->size * 3;
    size_t action_bytes = (size_t)d->frames * job->action_count * sizeof(float);
    int last = shard == job->shard_count - 1;
    char path[4200];
    shard_path(path, sizeof path, d->out_dir, shard, "frames");
    if (write_at(path, (last ? job->last_frames_offset : job->frames_offset) + (int64_t)within * (int64_t)frame_bytes, rgb,
                 frame_bytes, err))
        return -1;
    shard_path(path, sizeof path, d->out_dir, shard, "actions");
    return write_at(path, (last ? job->last_actions_offset : job->actions_offset) + (int64_t)within * (int64_t)action_bytes,
                    actions, action_bytes, err);
}

static void *worker(void *arg)
{
    dataset_job *job = arg;
    const dfv_dataset_desc *d = job->desc;
    uint8_t *rgb = malloc((size_t)d->frames * d->size * d->size * 3);
    float *actions = malloc((size_t)d->frames * job->action_count * sizeof(float));
    char err[DFV_ERR_LEN] = "";
    int failed = !rgb || !actions;
    if (failed) snprintf(err, sizeof err, "dataset: out of memory for one episode");
    for (;;) {
        pthread_mutex_lock(&job->lock);
        if (failed && !job->failed) {
            job->failed = 1;
            memcpy(job->err, err, sizeof err);
        }
        int episode = job->failed || job->next_episode >= d->episodes ? -1 : job->next_episode++;
        pthread_mutex_unlock(&job->lock);
        if (episode < 0) break;
        failed = dfv_dataset_episode(d->kind, d->seed + (uint64_t)episode, d->frames, d->size, rgb, actions, err) ||
                 store_episode(job, episode, rgb, actions, err);
        pthread_mutex_lock(&job->lock);
        job->done_episodes += !failed;
        double t = now_seconds();
        if (d->progress && !failed && t - job->last_draw > 0.1) {
            job->last_draw = t;
            draw_progress(job, 0);
        }
        pthread_mutex_unlock(&job->lock);
    }
    free(rgb);
    free(actions);
    return NULL;
}

/* ---- manifest ---- */

static int write_manifest(const dataset_job *job, char err[DFV_ERR_LEN])
{
    const dfv_dataset_desc *d = job->desc;
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/manifest.json", d->out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        dfv_error_set(err, "dataset: cannot create %.160s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *const *names = dfv_world_action_names(d->kind);
    fprintf(f, "{\n  \"world\": \"%s\",\n  \"size\": %d,\n  \"frames_per_episode\": %d,\n  \"action_names\": [",
            dfv_world_kind_name(d->kind), d->size, d->frames);
    for (int i = 0; i < job->action_count; i++) fprintf(f, "%s\"%s\"", i ? ", " : "", names[i]);
    fprintf(f, "],\n  \"action_kind\": \"%s\",\n  \"seed\": %llu,\n  \"shards\": [\n",
            dfv_world_action_kind_name(dfv_world_action_kind(d->kind)), (unsigned long long)d->seed);
    for (int s = 0; s < job->shard_count; s++) {
        int first = s * job->shard_episodes;
        int count = first + job->shard_episodes <= d->episodes ? job->shard_episodes : d->episodes - first;
        fprintf(f, "    {\"frames\": \"shard_%04d_frames.npy\", \"actions\": \"shard_%04d_actions.npy\", "
                   "\"episodes\": %d, \"first_seed\": %llu}%s\n",
                s, s, count, (unsigned long long)(d->seed + (uint64_t)first), s + 1 < job->shard_count ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    if (fclose(f) || rename(tmp, path)) {
        dfv_error_set(err, "dataset: cannot write %.160s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- entry ---- */

static int check_desc(const dfv_dataset_desc *d, char err[DFV_ERR_LEN])
{
    const char *problem = d->episodes < 1 ? "--episodes must be at least 1"
                          : d->frames < 1 ? "--frames must be at least 1"
                          : d->size < 8 || d->size > 1024 ? "--size must be within 8..1024"
                          : !d->out_dir || !*d->out_dir ? "--out is required"
                          : d->threads < 0 || d->threads > 256 ? "--threads must be within 0..256"
                          : d->shard_episodes < 0 ? "--shard-episodes must not be negative"
                          : NULL;
    if (problem) dfv_error_set(err, "dataset: %s", problem);
    return problem ? -1 : 0;
}

static int plan_shards(dataset_job *job, char err[DFV_ERR_LEN])
{
    const dfv_dataset_desc *d = job->desc;
    int64_t episode_bytes = (int64_t)d->frames * d->size * d->size * 3;
    int per_shard = d->shard_episodes;
    if (per_shard == 0) per_shard = episode_bytes >= SHARD_TARGET_BYTES ? 1 : (int)(SHARD_TARGET_BYTES / episode_bytes);
    if (per_shard > d->episodes) per_shard = d->episodes;
    job->shard_episodes = per_shard;
    job->shard_count = (d->episodes + per_shard - 1) / per_shard;
    for (int s = 0; s < job->shard_count; s++) {
        int count = (s + 1) * per_shard <= d->episodes ? per_shard : d->episodes - s * per_shard;
        int64_t frame_shape[5] = {count, d->frames, d->size, d->size, 3};
        int64_t action_shape[3] = {count, d->frames, job->action_count};
        int64_t frames_offset, actions_offset;
        char path[4200];
        shard_path(path, sizeof path, d->out_dir, s, "frames");
        if (create_npy(path, "|u1", frame_shape, 5, &frames_offset, err)) return -1;
        shard_path(path, sizeof path, d->out_dir, s, "actions");
        if (create_npy(path, "<f4", action_shape, 3, &actions_offset, err)) return -1;
        if (s == 0) job->frames_offset = frames_offset, job->actions_offset = actions_offset;
        job->last_frames_offset = frames_offset;
        job->last_actions_offset = actions_offset;
    }
    return 0;
}

int dfv_dataset_write(const dfv_dataset_desc *desc, dfv_dataset_stats *stats, char err[DFV_ERR_LEN])
{
    if (check_desc(desc, err) || make_dirs(desc->out_dir, err)) return -1;
    dataset_job job;
    memset(&job, 0, sizeof job);
    job.desc = desc;
    job.action_count = dfv_world_action_count(desc->kind);
    /* A trial world surfaces creation errors (e.g. an unbuilt world) before any file is written. */
    dfv_world *trial;
    if (dfv_world_create(desc->kind, desc->seed, desc->size, &trial, err)) return -1;
    dfv_world_destroy(trial);
    if (plan_shards(&job, err)) return -1;
    int threads = desc->threads > 0 ? desc->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > desc->episodes) threads = desc->episodes;
    pthread_mutex_init(&job.lock, NULL);
    job.start = now_seconds();
    pthread_t ids[256];
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&ids[started], NULL, worker, &job)) break;
    if (started == 0) worker(&job);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
    pthread_mutex_destroy(&job.lock);
    double seconds = now_seconds() - job.start;
    if (desc->progress) draw_progress(&job, 1);
    if (job.failed) {
        memcpy(err, job.err, DFV_ERR_LEN);
        return -1;
    }
    if (write_manifest(&job, err)) return -1;
    if (stats) *stats = (dfv_dataset_stats){seconds, (int64_t)desc->episodes * desc->frames, job.shard_count};
    return 0;
}
