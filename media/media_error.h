/* One-line error messages shared by the media module: every fallible call fills a caller buffer of
 * DFV_ERR_LEN bytes and returns false, so front ends decide what to print and how to exit. */
#ifndef DFV_MEDIA_ERROR_H
#define DFV_MEDIA_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "dfv_common.h" /* dfv_error_set fills the buffer */

/* The text of an FFmpeg AVERROR code, e.g. "No space left on device". */
const char *dfv_media_av_error(int averror, char buf[128]);

#endif
