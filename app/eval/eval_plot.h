/* eval.png: per-frame PSNR and SSIM of the model against ground truth, with the repeat-the-last-frame
 * baseline and the 72-frame mark, drawn in software and written as PNG. */
#ifndef DFV_EVAL_PLOT_H
#define DFV_EVAL_PLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "eval.h"

#define DFV_EVAL_PLOT_WIDTH 800
#define DFV_EVAL_PLOT_HEIGHT 560
/* Where the paper's DMLab figures stop; eval's second range ends here too. */
#define DFV_EVAL_PLOT_MARK_FRAME 72

/* Draws the plot into rgb (DFV_EVAL_PLOT_WIDTH x DFV_EVAL_PLOT_HEIGHT RGB24); -1 when out of memory. */
int dfv_eval_plot_draw(const dfv_eval *eval, uint8_t *rgb);
/* Writes RGB24 as a PNG; false with one line in err (DFV_ERR_LEN bytes, dfv_common.h). Passed in, so eval links no FFmpeg. */
typedef bool (*dfv_png_writer)(const char *path, const uint8_t *rgb, int width, int height, char *err);

/* Draws and writes a PNG with `write_png`; 0, or -1 with one line in err. */
int dfv_eval_plot_write(const dfv_eval *eval, const char *path, dfv_png_writer write_png, char err[DFV_ERR_LEN]);

#endif
