/* The frame tree behind history, rewinding and branching.
 *
 * Frames live in fixed-size chunks that are never moved or freed before the timeline is, so a pointer
 * handed out stays valid while the generation thread keeps appending. The chunk directory has a fixed
 * capacity for the same reason (readers never see it reallocated). One mutex guards the bookkeeping;
 * frame contents are written before the frame is published by raising the count. */
#include "timeline.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum {
    CHUNK_FRAMES = 64,
    MAX_CHUNKS = 1 << 14, /* 1M frames: hours of play at interactive rates */
};

typedef struct {
    dfv_timeline_frame meta[CHUNK_FRAMES];
    bool has_child[CHUNK_FRAMES];
    uint8_t *rgb; /* CHUNK_FRAMES frames of width*height*3 bytes */
} timeline_chunk;

struct dfv_timeline {
    int width, height, action_dim;
    size_t frame_bytes;
    pthread_mutex_t lock;
    int count;
    int keep_last;   /* 0: keep every frame; else frames older than the newest by more are released */
    int first_chunk; /* chunks below it were released; chunk c lives in slot c % MAX_CHUNKS */
    timeline_chunk *chunks[MAX_CHUNKS];
    int *branch_heads; /* indexed by branch id */
    int branch_count, branch_capacity;
};

dfv_timeline *dfv_timeline_create(int width, int height, int action_dim)
{
    if (width <= 0 || height <= 0 || action_dim < 0 || action_dim > DFV_MAX_ACTIONS) return NULL;
    dfv_timeline *tl = calloc(1, sizeof *tl);
    if (!tl) return NULL;
    tl->width = width;
    tl->height = height;
    tl->action_dim = action_dim;
    tl->frame_bytes = (size_t)width * (size_t)height * 3;
    if (pthread_mutex_init(&tl->lock, NULL) != 0) {
        free(tl);
        return NULL;
    }
    return tl;
}

void dfv_timeline_destroy(dfv_timeline *tl)
{
    if (!tl) return;
    for (int c = 0; c < MAX_CHUNKS; c++)
        if (tl->chunks[c]) {
            free(tl->chunks[c]->rgb);
            free(tl->chunks[c]);
        }
    free(tl->branch_heads);
    pthread_mutex_destroy(&tl->lock);
    free(tl);
}

int dfv_timeline_width(const dfv_timeline *tl) { return tl->width; }
int dfv_timeline_height(const dfv_timeline *tl) { return tl->height; }
int dfv_timeline_action_dim(const dfv_timeline *tl) { return tl->action_dim; }

void dfv_timeline_keep_last(dfv_timeline *tl, int frames)
{
    pthread_mutex_lock(&tl->lock);
    tl->keep_last = frames > 0 ? frames : 0;
    pthread_mutex_unlock(&tl->lock);
}

/* Caller holds the lock. Frees the chunks wholly older than the newest frame by more than keep_last. */
static void release_old_chunks(dfv_timeline *tl, int newest)
{
    if (!tl->keep_last) return;
    while ((tl->first_chunk + 1) * CHUNK_FRAMES <= newest - tl->keep_last) {
        timeline_chunk **slot = &tl->chunks[tl->first_chunk % MAX_CHUNKS];
        free((*slot)->rgb);
        free(*slot);
        *slot = NULL;
        tl->first_chunk++;
    }
}

/* Caller holds the lock. */
static timeline_chunk *chunk_for_new_frame(dfv_timeline *tl, int id)
{
    int c = id / CHUNK_FRAMES;
    if (c - tl->first_chunk >= MAX_CHUNKS) return NULL;
    c %= MAX_CHUNKS;
    if (!tl->chunks[c]) {
        timeline_chunk *chunk = calloc(1, sizeof *chunk);
        if (!chunk) return NULL;
        chunk->rgb = malloc(tl->frame_bytes * CHUNK_FRAMES);
        if (!chunk->rgb) {
            free(chunk);
            return NULL;
        }
        tl->chunks[c] = chunk;
    }
    return tl->chunks[c];
}

/* Caller holds the lock. Returns the new branch's id or -1. */
static int add_branch(dfv_timeline *tl, int head)
{
    if (tl->branch_count == tl->branch_capacity) {
        int capacity = tl->branch_capacity ? tl->branch_capacity * 2 : 16;
        int *grown = realloc(tl->branch_heads, (size_t)capacity * sizeof *grown);
        if (!grown) return -1;
        tl->branch_heads = grown;
        tl->branch_capacity = capacity;
    }
    tl->branch_heads[tl->branch_count] = head;
    return tl->branch_count++;
}

int dfv_timeline_append(dfv_timeline *tl, int parent, const uint8_t *rgb, const float *action,
                        const uint8_t *state, double generate_ms)
{
    pthread_mutex_lock(&tl->lock);
    int id = -1;
    if (parent < -1 || parent >= tl->count) goto done;
    timeline_chunk *chunk = chunk_for_new_frame(tl, tl->count);
    if (!chunk) goto done;
    int new_id = tl->count;
    dfv_timeline_frame *frame = &chunk->meta[new_id % CHUNK_FRAMES];
    memset(frame, 0, sizeof *frame);
    frame->parent = parent;
    frame->generate_ms = generate_ms;
    if (action) memcpy(frame->action, action, (size_t)tl->action_dim * sizeof *action);
    if (state) memcpy(frame->state, state, DFV_TIMELINE_STATE_BYTES);
    memcpy(chunk->rgb + (size_t)(new_id % CHUNK_FRAMES) * tl->frame_bytes, rgb, tl->frame_bytes);
    chunk->has_child[new_id % CHUNK_FRAMES] = false;

    if (parent < 0) {
        frame->index = 0;
        frame->branch = add_branch(tl, new_id);
    } else {
        timeline_chunk *parent_chunk = tl->chunks[parent / CHUNK_FRAMES % MAX_CHUNKS];
        if (parent / CHUNK_FRAMES < tl->first_chunk) goto done; /* released */
        const dfv_timeline_frame *p = &parent_chunk->meta[parent % CHUNK_FRAMES];
        frame->index = p->index + 1;
        /* A childless frame is always its branch's head, so the new frame extends that branch. */
        if (!parent_chunk->has_child[parent % CHUNK_FRAMES]) {
            frame->branch = p->branch;
            tl->branch_heads[p->branch] = new_id;
        } else {
            frame->branch = add_branch(tl, new_id);
        }
        if (frame->branch >= 0) parent_chunk->has_child[parent % CHUNK_FRAMES] = true;
    }
    if (frame->branch < 0) goto done;
    tl->count = new_id + 1;
    id = new_id;
    release_old_chunks(tl, new_id);
done:
    pthread_mutex_unlock(&tl->lock);
    return id;
}

int dfv_timeline_count(const dfv_timeline *tl)
{
    pthread_mutex_lock((pthread_mutex_t *)&tl->lock);
    int count = tl->count;
    pthread_mutex_unlock((pthread_mutex_t *)&tl->lock);
    return count;
}

/* The chunk holding a published frame, or NULL for an id not (yet) in the timeline. */
static const timeline_chunk *published_chunk(const dfv_timeline *tl, int id)
{
    if (id < 0) return NULL;
    pthread_mutex_lock((pthread_mutex_t *)&tl->lock);
    const timeline_chunk *chunk =
        id < tl->count && id / CHUNK_FRAMES >= tl->first_chunk ? tl->chunks[id / CHUNK_FRAMES % MAX_CHUNKS] : NULL;
    pthread_mutex_unlock((pthread_mutex_t *)&tl->lock);
    return chunk;
}

const dfv_timeline_frame *dfv_timeline_get(const dfv_timeline *tl, int id)
{
    const timeline_chunk *chunk = published_chunk(tl, id);
    return chunk ? &chunk->meta[id % CHUNK_FRAMES] : NULL;
}

const uint8_t *dfv_timeline_rgb(const dfv_timeline *tl, int id)
{
    const timeline_chunk *chunk = published_chunk(tl, id);
    return chunk ? chunk->rgb + (size_t)(id % CHUNK_FRAMES) * tl->frame_bytes : NULL;
}

int dfv_timeline_path(const dfv_timeline *tl, int id, int *ids, int max)
{
    if (max <= 0 || !dfv_timeline_get(tl, id)) return 0;
    /* Parents and indices never change once published, so walking without the lock is safe. */
    int length = dfv_timeline_get(tl, id)->index + 1;
    int n = length < max ? length : max;
    int cursor = id;
    for (int k = n - 1; k >= 0; k--) {
        ids[k] = cursor;
        cursor = dfv_timeline_get(tl, cursor)->parent;
    }
    return n;
}

int dfv_timeline_branch_head(const dfv_timeline *tl, int branch)
{
    pthread_mutex_lock((pthread_mutex_t *)&tl->lock);
    int head = branch >= 0 && branch < tl->branch_count ? tl->branch_heads[branch] : -1;
    pthread_mutex_unlock((pthread_mutex_t *)&tl->lock);
    return head;
}

int dfv_timeline_branch_count(const dfv_timeline *tl)
{
    pthread_mutex_lock((pthread_mutex_t *)&tl->lock);
    int count = tl->branch_count;
    pthread_mutex_unlock((pthread_mutex_t *)&tl->lock);
    return count;
}
