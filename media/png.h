/* A small PNG writer for screenshots and plots, through FFmpeg's PNG encoder. */
#ifndef DFV_PNG_H
#define DFV_PNG_H

#include <stdbool.h>
#include <stdint.h>

#include "media_error.h"

/* Writes width×height RGB24 pixels (rows `stride` bytes apart; 0 means width*3) to `path`. */
bool dfv_png_write(const char *path, const uint8_t *rgb, int width, int height, int stride,
                   char err[DFV_ERR_LEN]);

#endif
