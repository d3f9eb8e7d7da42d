#include "media_error.h"

#include <stdarg.h>
#include <stdio.h>

#include <libavutil/error.h>

bool dfv_media_fail(char *err, const char *fmt, ...)
{
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, DFV_ERR_LEN, fmt, args);
        va_end(args);
    }
    return false;
}

const char *dfv_media_av_error(int averror, char buf[128])
{
    if (av_strerror(averror, buf, 128) < 0)
        snprintf(buf, 128, "FFmpeg error %d", averror);
    return buf;
}
