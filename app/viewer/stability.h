/* Per-frame drift statistics for the stability panel, computed once per timeline frame (app/metrics/metrics.h)
 * and gathered along the branch on screen. */
#ifndef DFV_STABILITY_H
#define DFV_STABILITY_H

#include <stdbool.h>

#include "timeline.h"

typedef enum {
    DFV_STAT_CHANGE,     /* mean |frame - parent| in 0..1; NaN for a seed */
    DFV_STAT_BRIGHTNESS, /* mean luma 0..1 */
    DFV_STAT_SATURATION, /* mean HSV saturation 0..1 */
    DFV_STAT_SHARPNESS,  /* Laplacian variance of luma */
    DFV_STAT_COUNT
} dfv_stat;

typedef struct dfv_stability dfv_stability;

dfv_stability *dfv_stability_create(void);
void dfv_stability_destroy(dfv_stability *st);

/* Fills series[s][k] for the frames path[0..n) (computing what is not cached yet). The series buffers are
 * owned by the cache and valid until the next call. false when out of memory. */
bool dfv_stability_gather(dfv_stability *st, const dfv_timeline *tl, const int *path, int n,
                          const float *series[DFV_STAT_COUNT]);

#endif
