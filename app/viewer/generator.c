/* The generation thread; see generator.h. A single slot (request → running → result) is enough: the
 * viewer asks for the next frame only after collecting the previous one. */
#include "generator.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { SLOT_IDLE, SLOT_REQUESTED, SLOT_RUNNING, SLOT_DONE } slot_state;

struct dfv_generator {
    dfv_frame_source *source;
    dfv_timeline *timeline;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    slot_state state;
    bool stopping;
    int parent;
    float action[DFV_MAX_ACTIONS];
    dfv_generation result;
};

double dfv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *generation_thread(void *arg)
{
    dfv_generator *gen = arg;
    pthread_mutex_lock(&gen->lock);
    for (;;) {
        while (!gen->stopping && gen->state != SLOT_REQUESTED) pthread_cond_wait(&gen->changed, &gen->lock);
        if (gen->state != SLOT_REQUESTED) break;
        gen->state = SLOT_RUNNING;
        int parent = gen->parent;
        float action[DFV_MAX_ACTIONS];
        memcpy(action, gen->action, sizeof action);
        pthread_mutex_unlock(&gen->lock);

        dfv_generation result = {.parent = parent, .started_ms = dfv_now_ms()};
        result.id = gen->source->step(gen->source->user, gen->timeline, parent, action, result.err);
        if (result.id < 0 && !result.err[0]) dfv_error_set(result.err, "the frame source failed without saying why");
        result.finished_ms = dfv_now_ms();

        pthread_mutex_lock(&gen->lock);
        result.input_ms = gen->result.input_ms;
        gen->result = result;
        gen->state = SLOT_DONE;
        pthread_cond_broadcast(&gen->changed);
    }
    pthread_mutex_unlock(&gen->lock);
    return NULL;
}

dfv_generator *dfv_generator_start(dfv_frame_source *source, dfv_timeline *timeline)
{
    dfv_generator *gen = calloc(1, sizeof *gen);
    if (!gen) return NULL;
    gen->source = source;
    gen->timeline = timeline;
    if (pthread_mutex_init(&gen->lock, NULL) != 0) {
        free(gen);
        return NULL;
    }
    if (pthread_cond_init(&gen->changed, NULL) != 0 || pthread_create(&gen->thread, NULL, generation_thread, gen) != 0) {
        pthread_mutex_destroy(&gen->lock);
        free(gen);
        return NULL;
    }
    return gen;
}

void dfv_generator_stop(dfv_generator *gen)
{
    if (!gen) return;
    pthread_mutex_lock(&gen->lock);
    gen->stopping = true;
    if (gen->state == SLOT_REQUESTED) gen->state = SLOT_IDLE; /* not started yet: drop it */
    pthread_cond_broadcast(&gen->changed);
    pthread_mutex_unlock(&gen->lock);
    pthread_join(gen->thread, NULL);
    pthread_cond_destroy(&gen->changed);
    pthread_mutex_destroy(&gen->lock);
    free(gen);
}

bool dfv_generator_busy(dfv_generator *gen)
{
    pthread_mutex_lock(&gen->lock);
    bool busy = gen->state != SLOT_IDLE;
    pthread_mutex_unlock(&gen->lock);
    return busy;
}

bool dfv_generator_request(dfv_generator *gen, int parent, const float *action, double input_ms)
{
    pthread_mutex_lock(&gen->lock);
    bool accepted = gen->state == SLOT_IDLE;
    if (accepted) {
        gen->parent = parent;
        memcpy(gen->action, action, sizeof gen->action);
        gen->result.input_ms = input_ms;
        gen->state = SLOT_REQUESTED;
        pthread_cond_broadcast(&gen->changed);
    }
    pthread_mutex_unlock(&gen->lock);
    return accepted;
}

static bool collect(dfv_generator *gen, dfv_generation *out, bool block)
{
    pthread_mutex_lock(&gen->lock);
    if (block)
        while (gen->state == SLOT_REQUESTED || gen->state == SLOT_RUNNING) pthread_cond_wait(&gen->changed, &gen->lock);
    bool ready = gen->state == SLOT_DONE;
    if (ready) {
        *out = gen->result;
        gen->state = SLOT_IDLE;
    }
    pthread_mutex_unlock(&gen->lock);
    return ready;
}

bool dfv_generator_poll(dfv_generator *gen, dfv_generation *out) { return collect(gen, out, false); }
bool dfv_generator_wait(dfv_generator *gen, dfv_generation *out) { return collect(gen, out, true); }
