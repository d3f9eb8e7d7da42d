/* sheet.png: a contact sheet of an eval run, to see at a glance what the figures mean. For each of the
 * first DFV_EVAL_SHEET_EPISODES episodes, two rows: the world's frames above the model's, at
 * DFV_EVAL_SHEET_COLUMNS frames spread evenly from the last context frame (the same picture in both rows)
 * to the last generated one. Small frames are scaled up by a whole factor (one for both axes, set by the
 * shorter side) so a 32-px maze stays legible. */
#ifndef DFV_EVAL_SHEET_H
#define DFV_EVAL_SHEET_H

#include <stdint.h>

#include "eval.h"
#include "eval_plot.h"

#define DFV_EVAL_SHEET_EPISODES 4
#define DFV_EVAL_SHEET_COLUMNS 11
#define DFV_EVAL_SHEET_MIN_TILE 96 /* frames are scaled up until the shorter side has at least this many pixels */
#define DFV_EVAL_SHEET_GAP 2       /* between frames of a row and between an episode's two rows */
#define DFV_EVAL_SHEET_EPISODE_GAP 8

typedef struct dfv_eval_sheet dfv_eval_sheet;

/* NULL when out of memory or the shape is not an eval shape. */
dfv_eval_sheet *dfv_eval_sheet_create(const dfv_eval_shape *shape);
void dfv_eval_sheet_destroy(dfv_eval_sheet *sheet);
/* The episode index (0-based) of frames shown in column c: context − 1 + round(c · frames / (columns − 1)). */
int dfv_eval_sheet_frame(const dfv_eval_shape *shape, int column);
/* Places one episode's frames (context + frames RGB24 each, as dfv_eval_add_episode takes them); episodes
 * past the first DFV_EVAL_SHEET_EPISODES are ignored. */
void dfv_eval_sheet_add_episode(dfv_eval_sheet *sheet, const uint8_t *truth, const uint8_t *model);
/* The sheet so far (only the rows of added episodes), RGB24 of *width × *height. */
const uint8_t *dfv_eval_sheet_pixels(const dfv_eval_sheet *sheet, int *width, int *height);
/* Writes it as a PNG; 0, or -1 with one line in err. */
int dfv_eval_sheet_write(const dfv_eval_sheet *sheet, const char *path, dfv_png_writer write_png,
                         char err[DFV_ERR_LEN]);

#endif
