/* A line plot of one per-frame statistic over a whole rollout, for the stability panel. Long series are
 * drawn as a min–max band per pixel column, so a spike in a 10,000-frame rollout still shows. */
#ifndef DFV_PLOT_H
#define DFV_PLOT_H

#include "canvas.h"

typedef struct {
    const char *title;
    const float *values; /* one per frame, index 0 = seed; NaN = unknown (drawn as a gap) */
    int count;
    uint32_t color;
    int mark_index;   /* a vertical marker at this frame (the 72-frame horizon); <0 for none */
    int cursor_index; /* the frame on screen; <0 for none */
    int min_span;     /* the x axis covers at least this many frames, so the marker shows from the start */
    int text_scale;
} dfv_plot_desc;

void dfv_plot_draw(dfv_canvas *canvas, dfv_rect rect, const dfv_plot_desc *desc);
/* The pixel column frame `index` falls on (what the plot draws), for tests and hit testing. */
int dfv_plot_x_of(dfv_rect rect, const dfv_plot_desc *desc, int index);

#endif
