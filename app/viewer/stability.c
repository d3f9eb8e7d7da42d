/* Drift statistics cache; see stability.h. */
#include "stability.h"

#include <math.h>
#include <stdlib.h>

#include "metrics.h"

typedef struct {
    bool known;
    float value[DFV_STAT_COUNT];
} frame_stats;

struct dfv_stability {
    frame_stats *by_id;
    int id_capacity;
    float *series[DFV_STAT_COUNT];
    int series_capacity;
};

dfv_stability *dfv_stability_create(void) { return calloc(1, sizeof(dfv_stability)); }

void dfv_stability_destroy(dfv_stability *st)
{
    if (!st) return;
    free(st->by_id);
    for (int s = 0; s < DFV_STAT_COUNT; s++) free(st->series[s]);
    free(st);
}

/* Grows *buffer to hold `needed` elements, doubling; *capacity is updated. */
static bool grow(void **buffer, int *capacity, int needed, size_t element)
{
    if (needed <= *capacity) return true;
    int capacity_new = *capacity ? *capacity : 256;
    while (capacity_new < needed) capacity_new *= 2;
    void *grown = realloc(*buffer, (size_t)capacity_new * element);
    if (!grown) return false;
    *buffer = grown;
    *capacity = capacity_new;
    return true;
}

static void compute(const dfv_timeline *tl, int id, frame_stats *out)
{
    int w = dfv_timeline_width(tl), h = dfv_timeline_height(tl);
    const uint8_t *rgb = dfv_timeline_rgb(tl, id);
    const dfv_timeline_frame *frame = dfv_timeline_get(tl, id);
    out->value[DFV_STAT_CHANGE] =
        frame->parent >= 0 ? (float)dfv_metrics_change(dfv_timeline_rgb(tl, frame->parent), rgb, w, h) : NAN;
    out->value[DFV_STAT_BRIGHTNESS] = (float)dfv_metrics_brightness(rgb, w, h);
    out->value[DFV_STAT_SATURATION] = (float)dfv_metrics_saturation(rgb, w, h);
    out->value[DFV_STAT_SHARPNESS] = (float)dfv_metrics_sharpness(rgb, w, h);
    out->known = true;
}

bool dfv_stability_gather(dfv_stability *st, const dfv_timeline *tl, const int *path, int n,
                          const float *series[DFV_STAT_COUNT])
{
    int count = dfv_timeline_count(tl);
    int old_capacity = st->id_capacity;
    if (!grow((void **)&st->by_id, &st->id_capacity, count, sizeof *st->by_id)) return false;
    for (int i = old_capacity; i < st->id_capacity; i++) st->by_id[i].known = false;
    int capacity = st->series_capacity; /* all series share one capacity */
    for (int s = 0; s < DFV_STAT_COUNT; s++) {
        capacity = st->series_capacity;
        if (!grow((void **)&st->series[s], &capacity, n, sizeof(float))) return false;
    }
    st->series_capacity = capacity;
    for (int k = 0; k < n; k++) {
        frame_stats *fs = &st->by_id[path[k]];
        if (!fs->known) compute(tl, path[k], fs);
        for (int s = 0; s < DFV_STAT_COUNT; s++) st->series[s][k] = fs->value[s];
    }
    for (int s = 0; s < DFV_STAT_COUNT; s++) series[s] = st->series[s];
    return true;
}
