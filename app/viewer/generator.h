/* The generation thread: runs a frame source's step off the UI thread, one request at a time, so the
 * window keeps drawing at 60 Hz while a model takes as long as it takes. */
#ifndef DFV_GENERATOR_H
#define DFV_GENERATOR_H

#include <stdbool.h>

#include "frame_source.h"

typedef struct dfv_generator dfv_generator;

typedef struct {
    int parent;
    int id; /* the new frame, or -1 on failure (err says why) */
    double input_ms; /* the request's tag: when the input it carries was first pressed (0: no change) */
    double started_ms, finished_ms;
    char err[DFV_ERR_LEN];
} dfv_generation;

/* NULL when the thread cannot be started. The source and timeline must outlive the generator. */
dfv_generator *dfv_generator_start(dfv_frame_source *source, dfv_timeline *timeline);
/* Waits for any step in flight, then ends the thread. */
void dfv_generator_stop(dfv_generator *gen);

/* Whether a request is queued or running, or a result is waiting to be collected. */
bool dfv_generator_busy(dfv_generator *gen);
/* Starts generating the frame after `parent` under `action` (DFV_MAX_ACTIONS floats, unused ones
 * zero); false when busy. */
bool dfv_generator_request(dfv_generator *gen, int parent, const float *action, double input_ms);
/* Collects a finished result without blocking; false when none is ready. */
bool dfv_generator_poll(dfv_generator *gen, dfv_generation *out);
/* Blocks until the request in flight finishes and collects it; false when nothing was requested. */
bool dfv_generator_wait(dfv_generator *gen, dfv_generation *out);

double dfv_now_ms(void);

#endif
