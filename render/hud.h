/* Text over the frame: the HUD's lines in a translucent box at the top left, and a one-line notice
 * (where a screenshot went, why a drop was refused) at the bottom. */
#ifndef DFV_HUD_H
#define DFV_HUD_H

#include "canvas.h"

/* Returns the rect the box covered. */
dfv_rect dfv_hud_draw(dfv_canvas *canvas, dfv_rect area, int text_scale, const char *const *lines, int line_count);
void dfv_hud_notice(dfv_canvas *canvas, dfv_rect area, int text_scale, const char *text);

#endif
