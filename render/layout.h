/* Where things go in the window: the frame (aspect kept), the stability panel when shown, the history
 * bar, and the text size for the window's size. */
#ifndef DFV_LAYOUT_H
#define DFV_LAYOUT_H

#include <stdbool.h>

#include "canvas.h"

typedef struct {
    dfv_rect frame_area; /* the part of the window the frame may use */
    dfv_rect frame;      /* the frame itself, aspect kept, centred in frame_area (its left half when split) */
    dfv_rect companion;  /* the second view in the right half when split (w = h = 0 otherwise) */
    dfv_rect panel;      /* stability panel (w = h = 0 when hidden) */
    dfv_rect bar;        /* history bar */
    int text_scale;
} dfv_layout;

/* split: the frame area holds two views side by side (a rollout and its ground truth). */
dfv_layout dfv_layout_compute(int window_width, int window_height, int frame_width, int frame_height, bool panel_visible,
                              bool split);

#endif
