#include "eval_video.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int dfv_eval_video_frames(dfv_eval_video *v, dfv_image_seed_loader load, const dfv_seed_request *request,
                          uint8_t *rgb, char err[DFV_ERR_LEN])
{
    if (!load) return dfv_error_set(err, "--video needs the full dfview (dfview-engine decodes no video)"), -1;
    char spec[4200], e[DFV_ERR_LEN];
    struct stat st;
    if (stat(v->path, &st)) return dfv_error_set(err, "--video %s: %s", v->path, strerror(errno)), -1;
    int n = v->start_seconds >= 0 ? snprintf(spec, sizeof spec, "%s@%.17g", v->path, v->start_seconds)
                                   : snprintf(spec, sizeof spec, "%s#%lld", v->path, (long long)v->start);
    if (n >= (int)sizeof spec) return dfv_error_set(err, "--video %.64s...: path too long", v->path), -1;
    dfv_seed_request req = *request;
    req.frames = v->context + v->frames;
    req.first_index = &v->start;
    if (load(spec, &req, rgb, e))
        return dfv_error_set(err, "--video: %d frames (%d context + %d generated) from %s: %s", req.frames, v->context,
                             v->frames, spec + strlen(v->path), e), -1;
    return 0;
}

int dfv_eval_video_actions(const dfv_eval_video *v, const char *script_path, const dfv_action_space *space,
                           const float *idle, float *rows, char err[DFV_ERR_LEN])
{
    dfv_action_script *script;
    if (!dfv_action_script_load(script_path, space, &script, err)) return -1;
    int total = v->context + v->frames;
    int64_t last = v->start + total - 1, lines = dfv_action_script_frame_count(script); /* 1-based line = frame */
    if (lines < last) {
        dfv_error_set(err, "%s has %lld lines of actions; video frames %lld-%lld need lines up to %lld (line v is "
                      "the action into video frame v)", script_path, (long long)lines, (long long)v->start + 1,
                      (long long)last, (long long)last);
        dfv_action_script_destroy(script);
        return -1;
    }
    size_t row = sizeof(float) * (size_t)space->dim;
    memcpy(rows, idle, row);
    for (int t = 1; t < total; t++)
        memcpy(rows + (size_t)t * space->dim, dfv_action_script_frame(script, v->start + t - 1), row);
    dfv_action_script_destroy(script);
    return 0;
}
