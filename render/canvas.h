/* The window's picture, composed in software: frames scaled into place, HUD text, panels and plots.
 * Composing on the CPU keeps what is shown, what a screenshot holds and what the tests read the same
 * pixels, on any SDL renderer; at 60 Hz and window sizes it costs a few milliseconds at most.
 * Colours are 0xRRGGBB. Every drawing call clips to the canvas. */
#ifndef DFV_CANVAS_H
#define DFV_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int x, y, w, h;
} dfv_rect;

typedef struct {
    int width, height;
    uint32_t *pixels; /* width*height, rows top to bottom */
} dfv_canvas;

/* (Re)allocates for a size; false when out of memory (the canvas is left empty). */
bool dfv_canvas_resize(dfv_canvas *canvas, int width, int height);
void dfv_canvas_free(dfv_canvas *canvas);

void dfv_canvas_fill(dfv_canvas *canvas, dfv_rect rect, uint32_t color);
/* Mixes color over the rect with alpha 0..255 (translucent backgrounds for text over frames). */
void dfv_canvas_blend(dfv_canvas *canvas, dfv_rect rect, uint32_t color, int alpha);
void dfv_canvas_outline(dfv_canvas *canvas, dfv_rect rect, uint32_t color);
void dfv_canvas_line(dfv_canvas *canvas, int x0, int y0, int x1, int y1, uint32_t color);

/* Scales a width×height RGB24 image to fill dst (nearest, or bilinear between pixel centres). */
void dfv_canvas_blit_rgb(dfv_canvas *canvas, dfv_rect dst, const uint8_t *rgb, int width, int height, bool bilinear);

/* Draws text with the embedded font, each font pixel scale×scale; returns the width used. '\n' is not
 * interpreted. */
int dfv_canvas_text(dfv_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text);
int dfv_text_width(const char *text, int scale);
int dfv_text_height(int scale);

/* The largest rect with the image's aspect ratio, centred in area. */
dfv_rect dfv_rect_fit(dfv_rect area, int width, int height);
bool dfv_rect_contains(dfv_rect rect, int x, int y);

/* Packs the canvas into RGB24 (width*height*3 bytes). */
void dfv_canvas_to_rgb(const dfv_canvas *canvas, uint8_t *rgb);

#endif
