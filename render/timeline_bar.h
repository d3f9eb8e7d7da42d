/* The history bar under the frame: the branch on screen from its seed to its newest frame, where the
 * view is, where other branches fork off, and whether play is paused or recording. Clicking it jumps. */
#ifndef DFV_TIMELINE_BAR_H
#define DFV_TIMELINE_BAR_H

#include <stdbool.h>

#include "canvas.h"

typedef struct {
    int length;   /* frames on the branch (seed included) */
    int position; /* index of the frame on screen */
    const int *forks; /* indices on this branch where other branches leave */
    int fork_count;
    int branch, branch_count;
    bool paused, recording, generating;
    int text_scale;
} dfv_timeline_bar;

void dfv_timeline_bar_draw(dfv_canvas *canvas, dfv_rect rect, const dfv_timeline_bar *bar);
/* The frame index a click at x selects, clamped to the branch. */
int dfv_timeline_bar_index_at(dfv_rect rect, const dfv_timeline_bar *bar, int x);

#endif
