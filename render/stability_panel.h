/* The stability panel: a filmstrip of the most recent frames and four plots over the whole rollout
 * (frame-to-frame change, brightness, saturation, sharpness) with the 72-frame mark, so drift shows as it
 * happens. */
#ifndef DFV_STABILITY_PANEL_H
#define DFV_STABILITY_PANEL_H

#include "canvas.h"

#define DFV_STABILITY_SERIES 4
#define DFV_STABILITY_MARK_FRAME 72

typedef struct {
    const uint8_t *const *film; /* oldest first, the last is the frame on screen */
    int film_count;
    int frame_width, frame_height;
    /* change, brightness, saturation, sharpness: one value per frame of the rollout (seed first) */
    const float *series[DFV_STABILITY_SERIES];
    int series_length;
    int cursor; /* index of the frame on screen */
    int text_scale;
} dfv_stability_view;

void dfv_stability_panel_draw(dfv_canvas *canvas, dfv_rect rect, const dfv_stability_view *view);
/* How many filmstrip frames fit in a panel of this rect. */
int dfv_stability_panel_film_capacity(dfv_rect rect, int frame_width, int frame_height);

#endif
