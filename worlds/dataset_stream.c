/* Dataset stream: episodes rendered in parallel and written in seed order to a pipe, so a trainer can draw
 * fresh worlds for as long as it runs without a dataset on disk. Format in dataset.h. */
#include "dataset.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STREAM_MAX_THREADS 64

typedef struct {
    const dfv_dataset_desc *desc;
    uint64_t seed;
    uint8_t *rgb;
    float *actions;
    int failed;
    char err[DFV_ERR_LEN];
} stream_slot;

static void *render_slot(void *arg)
{
    stream_slot *s = arg;
    const dfv_dataset_desc *d = s->desc;
    s->failed = dfv_dataset_episode(d->kind, s->seed, d->frames, d->size, s->rgb, s->actions, s->err);
    return NULL;
}

/* 0 written, 1 the reader has gone (not an error for a stream), -1 failed. */
static int write_all(int fd, const void *data, size_t bytes, char err[DFV_ERR_LEN])
{
    const char *p = data;
    while (bytes) {
        ssize_t n = write(fd, p, bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EPIPE) return 1;
        if (n <= 0) {
            dfv_error_set(err, "dataset: cannot write the stream: %s", strerror(errno));
            return -1;
        }
        p += n;
        bytes -= (size_t)n;
    }
    return 0;
}

static int write_header(int fd, const dfv_dataset_desc *d, char err[DFV_ERR_LEN])
{
    char line[2048];
    int count = dfv_world_action_count(d->kind), used;
    const char *const *names = dfv_world_action_names(d->kind);
    used = snprintf(line, sizeof line,
                    "{\"format\": \"dfview-dataset-stream\", \"version\": 1, \"world\": \"%s\", \"size\": %d, "
                    "\"frames_per_episode\": %d, \"action_count\": %d, \"action_names\": [",
                    dfv_world_kind_name(d->kind), d->size, d->frames, count);
    for (int i = 0; i < count && used < (int)sizeof line; i++)
        used += snprintf(line + used, sizeof line - (size_t)used, "%s\"%s\"", i ? ", " : "", names[i]);
    if (used < (int)sizeof line)
        used += snprintf(line + used, sizeof line - (size_t)used, "], \"action_kind\": \"%s\", \"seed\": %llu}\n",
                         dfv_world_action_kind_name(dfv_world_action_kind(d->kind)), (unsigned long long)d->seed);
    if (used >= (int)sizeof line) {
        dfv_error_set(err, "dataset: stream header too long");
        return -1;
    }
    return write_all(fd, line, (size_t)used, err);
}

/* Renders slots[0..count) in parallel (the calling thread takes the last one). */
static void render_round(stream_slot *slots, int count)
{
    pthread_t ids[STREAM_MAX_THREADS];
    int started = 0;
    for (; started < count - 1; started++)
        if (pthread_create(&ids[started], NULL, render_slot, &slots[started])) break;
    for (int i = started; i < count; i++) render_slot(&slots[i]);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
}

/* Writes the slots' episodes in order; 0 go on, 1 reader gone, -1 failed. */
static int emit_round(int fd, stream_slot *slots, int count, size_t frame_bytes, size_t action_bytes,
                      char err[DFV_ERR_LEN])
{
    for (int i = 0; i < count; i++) {
        if (slots[i].failed) {
            memcpy(err, slots[i].err, DFV_ERR_LEN);
            return -1;
        }
        int rc = write_all(fd, slots[i].rgb, frame_bytes, err);
        if (!rc) rc = write_all(fd, slots[i].actions, action_bytes, err);
        if (rc) return rc;
    }
    return 0;
}

static int stream_threads(const dfv_dataset_desc *d)
{
    int threads = d->threads > 0 ? d->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    return threads > STREAM_MAX_THREADS ? STREAM_MAX_THREADS : threads;
}

static int stream_rounds(const dfv_dataset_desc *d, int fd, stream_slot *slots, int threads, size_t frame_bytes,
                         size_t action_bytes, int64_t *done, char err[DFV_ERR_LEN])
{
    for (;;) {
        int count = threads;
        if (d->episodes > 0 && d->episodes - *done < count) count = (int)(d->episodes - *done);
        if (count <= 0) return 0;
        for (int i = 0; i < count; i++) {
            slots[i].seed = d->seed + (uint64_t)(*done + i);
            slots[i].failed = 0;
        }
        render_round(slots, count);
        int rc = emit_round(fd, slots, count, frame_bytes, action_bytes, err);
        if (rc) return rc < 0 ? -1 : 0;
        *done += count;
    }
}

int dfv_dataset_stream(const dfv_dataset_desc *d, int fd, dfv_dataset_stats *stats, char err[DFV_ERR_LEN])
{
    const char *problem = d->episodes < 0 ? "--episodes must not be negative"
                          : d->frames < 1 ? "--frames must be at least 1"
                          : d->size < 8 || d->size > 1024 ? "--size must be within 8..1024"
                          : NULL;
    if (problem) {
        dfv_error_set(err, "dataset: %s", problem);
        return -1;
    }
    dfv_world *trial; /* surfaces world errors before the header promises a stream */
    if (dfv_world_create(d->kind, d->seed, d->size, &trial, err)) return -1;
    dfv_world_destroy(trial);
    int threads = stream_threads(d);
    stream_slot slots[STREAM_MAX_THREADS];
    size_t frame_bytes = (size_t)d->frames * d->size * d->size * 3;
    size_t action_bytes = (size_t)d->frames * dfv_world_action_count(d->kind) * sizeof(float);
    int rc = 0, made = 0;
    for (; made < threads; made++) {
        slots[made] = (stream_slot){.desc = d, .rgb = malloc(frame_bytes), .actions = malloc(action_bytes)};
        if (!slots[made].rgb || !slots[made].actions) {
            dfv_error_set(err, "dataset: out of memory for %d episodes", threads);
            rc = -1;
            made++;
            break;
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t done = 0;
    if (!rc) rc = write_header(fd, d, err);
    if (!rc) rc = stream_rounds(d, fd, slots, threads, frame_bytes, action_bytes, &done, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < made; i++) {
        free(slots[i].rgb);
        free(slots[i].actions);
    }
    if (stats)
        *stats = (dfv_dataset_stats){(double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
                                     done * d->frames, 0};
    return rc < 0 ? -1 : 0;
}
