/* F9 recording; see recorder.h. */
#include "recorder.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "export.h"

struct dfv_recorder {
    dfv_recorder_desc desc;
    const dfv_timeline *tl;
    dfv_export *exporter;
    char clip_path[1024];
    int last_id;
    int *ids; /* the timeline frames written, in order */
    int frames, capacity;
};

bool dfv_unique_output_path(const char *directory, const char *stem, const char *extension, char *path, int path_len)
{
    time_t now = time(NULL);
    struct tm local;
    char stamp[32] = "unknown-time";
    if (localtime_r(&now, &local)) strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
    const char *dir = directory && *directory ? directory : ".";
    for (int n = 0; n < 10000; n++) {
        int len = n ? snprintf(path, (size_t)path_len, "%s/%s-%s-%d.%s", dir, stem, stamp, n, extension)
                    : snprintf(path, (size_t)path_len, "%s/%s-%s.%s", dir, stem, stamp, extension);
        if (len >= path_len) return false;
        struct stat st;
        if (stat(path, &st) != 0) return true;
    }
    return false;
}

static bool keep_id(dfv_recorder *rec, int id)
{
    if (rec->frames == rec->capacity) {
        int capacity = rec->capacity ? rec->capacity * 2 : 256;
        int *grown = realloc(rec->ids, (size_t)capacity * sizeof *grown);
        if (!grown) return false;
        rec->ids = grown;
        rec->capacity = capacity;
    }
    rec->ids[rec->frames++] = id;
    return true;
}

static bool write_frame(dfv_recorder *rec, const dfv_timeline *tl, int id, char err[DFV_ERR_LEN])
{
    char media_err[DFV_ERR_LEN];
    if (!dfv_export_write(rec->exporter, dfv_timeline_rgb(tl, id), 0, media_err)) {
        dfv_error_set(err, "recording: %s", media_err);
        return false;
    }
    if (!keep_id(rec, id)) {
        dfv_error_set(err, "recording: out of memory");
        return false;
    }
    rec->last_id = id;
    return true;
}

bool dfv_recorder_start(const dfv_recorder_desc *desc, const dfv_timeline *tl, const int *path, int n, dfv_recorder **out,
                        char *clip_path, int clip_path_len, char err[DFV_ERR_LEN])
{
    *out = NULL;
    dfv_recorder *rec = calloc(1, sizeof *rec);
    if (!rec) {
        dfv_error_set(err, "recording: out of memory");
        return false;
    }
    rec->desc = *desc;
    rec->tl = tl;
    if (!dfv_unique_output_path(desc->directory, "dfview", "mp4", rec->clip_path, (int)sizeof rec->clip_path)) {
        dfv_error_set(err, "recording: no free file name in %s", desc->directory ? desc->directory : ".");
        free(rec);
        return false;
    }
    dfv_export_desc export_desc = {
        .path = rec->clip_path,
        .width = dfv_timeline_width(tl),
        .height = dfv_timeline_height(tl),
        .fps = desc->fps,
        .scale = desc->scale,
    };
    char media_err[DFV_ERR_LEN];
    if (!dfv_export_open(&export_desc, &rec->exporter, media_err)) {
        dfv_error_set(err, "recording: %s", media_err);
        free(rec);
        return false;
    }
    for (int k = 0; k < n; k++)
        if (!write_frame(rec, tl, path[k], err)) {
            char ignored[256];
            dfv_recorder_finish(rec, ignored, sizeof ignored);
            return false;
        }
    snprintf(clip_path, (size_t)clip_path_len, "%s", rec->clip_path);
    *out = rec;
    return true;
}

bool dfv_recorder_offer(dfv_recorder *rec, const dfv_timeline *tl, int id, char err[DFV_ERR_LEN])
{
    err[0] = '\0';
    const dfv_timeline_frame *frame = dfv_timeline_get(tl, id);
    if (!frame || frame->parent != rec->last_id) return false;
    return write_frame(rec, tl, id, err);
}

int dfv_recorder_last_id(const dfv_recorder *rec) { return rec->last_id; }

/* "forward+turn_left" for a frame's action ("none" when nothing is pressed). */
static void action_text(const dfv_recorder *rec, const float *action, char *text, size_t len)
{
    text[0] = '\0';
    for (int a = 0; a < rec->desc.action_dim; a++) {
        if (action[a] <= 0.5f) continue;
        size_t used = strlen(text);
        snprintf(text + used, len - used, "%s%s", used ? "+" : "", rec->desc.action_names ? rec->desc.action_names[a] : "?");
    }
    if (!text[0]) snprintf(text, len, "none");
}

/* The generic sidecar (world sources): settings plus every frame's action. */
static cJSON *sidecar_json(const dfv_recorder *rec, int64_t frames_in_clip)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "clip", rec->clip_path);
    cJSON_AddStringToObject(root, "source", rec->desc.source_name ? rec->desc.source_name : "");
    cJSON *settings = rec->desc.settings_json ? cJSON_Parse(rec->desc.settings_json) : NULL;
    cJSON_AddItemToObject(root, "settings", settings ? settings : cJSON_CreateObject());
    cJSON_AddNumberToObject(root, "fps", rec->desc.fps > 0 ? rec->desc.fps : 10);
    cJSON_AddNumberToObject(root, "scale", rec->desc.scale > 0 ? rec->desc.scale : 1);
    cJSON_AddNumberToObject(root, "frames", (double)frames_in_clip);

    cJSON *names = cJSON_AddArrayToObject(root, "action_names");
    for (int a = 0; a < rec->desc.action_dim; a++)
        cJSON_AddItemToArray(names, cJSON_CreateString(rec->desc.action_names ? rec->desc.action_names[a] : "?"));
    /* Frame 0 is the context the clip starts from; frame k's action is what produced it from frame k-1. */
    cJSON *actions = cJSON_AddArrayToObject(root, "actions");
    cJSON *vectors = cJSON_AddArrayToObject(root, "action_vectors");
    for (int f = 0; f < rec->frames && f < frames_in_clip; f++) {
        const float *action = dfv_timeline_get(rec->tl, rec->ids[f])->action;
        char text[512];
        action_text(rec, action, text, sizeof text);
        cJSON_AddItemToArray(actions, cJSON_CreateString(text));
        cJSON *vector = cJSON_CreateArray();
        for (int a = 0; a < rec->desc.action_dim; a++) cJSON_AddItemToArray(vector, cJSON_CreateNumber(action[a]));
        cJSON_AddItemToArray(vectors, vector);
    }
    return root;
}

static bool write_sidecar(const dfv_recorder *rec, int64_t frames_in_clip, char *path, size_t path_len)
{
    snprintf(path, path_len, "%s", rec->clip_path);
    char *dot = strrchr(path, '.');
    if (dot) *dot = '\0';
    strncat(path, ".json", path_len - strlen(path) - 1);
    int count = frames_in_clip < rec->frames ? (int)frames_in_clip : rec->frames;
    char *text = NULL;
    if (rec->desc.sidecar) {
        text = rec->desc.sidecar(rec->desc.sidecar_user, rec->tl, rec->ids, count, rec->desc.fps > 0 ? rec->desc.fps : 10,
                                 rec->desc.scale > 0 ? rec->desc.scale : 1);
    } else {
        cJSON *root = sidecar_json(rec, frames_in_clip);
        text = root ? cJSON_Print(root) : NULL;
        cJSON_Delete(root);
    }
    FILE *f = text ? fopen(path, "wb") : NULL;
    bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0) ok = false;
    free(text);
    return ok;
}

bool dfv_recorder_finish(dfv_recorder *rec, char *message, int message_len)
{
    int64_t frames = 0;
    char media_err[DFV_ERR_LEN];
    bool ok = dfv_export_close(rec->exporter, &frames, media_err);
    char sidecar[1100];
    bool sidecar_ok = write_sidecar(rec, frames, sidecar, sizeof sidecar);
    if (!ok)
        snprintf(message, (size_t)message_len, "recording: %s; %lld frames kept in %s", media_err, (long long)frames,
                 rec->clip_path);
    else if (!sidecar_ok)
        snprintf(message, (size_t)message_len, "recorded %lld frames to %s, but could not write %s", (long long)frames,
                 rec->clip_path, sidecar);
    else
        snprintf(message, (size_t)message_len, "recorded %lld frames to %s (settings and actions in %s)", (long long)frames,
                 rec->clip_path, sidecar);
    free(rec->ids);
    free(rec);
    return ok && sidecar_ok;
}
