/* What the full dfview adds to the session core and eval through their hooks: FFmpeg's seed decoder and
 * PNG writer (media/). dfview-engine passes none. */
#ifndef DFV_MEDIA_HOOKS_H
#define DFV_MEDIA_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/* A dfv_image_seed_loader (core/session.h). */
int dfv_media_load_seed(const char *spec, const dfv_seed_request *request, uint8_t *rgb, char err[DFV_ERR_LEN]);
/* A dfv_png_writer (eval/eval_plot.h). */
bool dfv_media_write_png(const char *path, const uint8_t *rgb, int width, int height, char err[DFV_ERR_LEN]);

#endif
