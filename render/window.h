/* The SDL2 window that shows a canvas: one streaming texture stretched over the whole window, so the
 * window shows exactly the canvas's pixels. Present can read the window back (screenshots). */
#ifndef DFV_WINDOW_H
#define DFV_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "canvas.h"
#include "dfv_common.h"

typedef struct dfv_window dfv_window;

/* Starts SDL video and opens a resizable window. Without a display it fails with a message that says so
 * (err names the SDL reason); it never exits. */
bool dfv_window_open(const char *title, int width, int height, dfv_window **out, char err[DFV_ERR_LEN]);
void dfv_window_close(dfv_window *window);
/* Whether a window could be opened here (a display answers), without opening one: lets a command fail fast
 * before loading a model. */
bool dfv_window_display_available(char err[DFV_ERR_LEN]);

/* The window's size in pixels (what the canvas should be). */
void dfv_window_size(const dfv_window *window, int *width, int *height);
void dfv_window_set_size(dfv_window *window, int width, int height);
void dfv_window_toggle_fullscreen(dfv_window *window);
bool dfv_window_is_fullscreen(const dfv_window *window);
uint32_t dfv_window_id(const dfv_window *window);

/* Shows the canvas. When readback is non-NULL it receives what the window shows, as canvas-sized RGB24
 * read back from the renderer (falls back to the canvas itself if the renderer cannot read back). */
bool dfv_window_present(dfv_window *window, const dfv_canvas *canvas, uint8_t *readback, char err[DFV_ERR_LEN]);

#endif
