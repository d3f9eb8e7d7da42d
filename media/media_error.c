#include "media_error.h"

#include <stdio.h>

#include <libavutil/error.h>


const char *dfv_media_av_error(int averror, char buf[128])
{
    if (av_strerror(averror, buf, 128) < 0)
        snprintf(buf, 128, "FFmpeg error %d", averror);
    return buf;
}
