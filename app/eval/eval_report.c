#include "eval_report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const dfv_eval_csv_header =
    "frame,episodes,psnr,ssim,baseline_psnr,baseline_ssim,brightness_model,brightness_truth,saturation_model,"
    "saturation_truth,sharpness_model,sharpness_truth,turns,turns_followed_model,turns_followed_truth\n";

dfv_eval_targets dfv_eval_check_targets(const dfv_eval_summary *s)
{
    dfv_eval_targets t = {.beats_baseline = s->range_count > 0};
    t.early_psnr = s->range_count > 0 && s->ranges[0].psnr >= DFV_EVAL_TARGET_EARLY_PSNR;
    for (int i = 0; i < s->range_count; i++) t.beats_baseline &= s->ranges[i].psnr > s->ranges[i].baseline_psnr;
    t.follows_actions = s->turns > 0 && s->agreement[DFV_EVAL_MODEL] >= DFV_EVAL_TARGET_AGREEMENT * s->agreement[DFV_EVAL_TRUTH];
    t.no_collapse = s->end_within[0] && s->end_within[1] && s->end_within[2];
    return t;
}

int dfv_eval_write_csv(const dfv_eval *eval, const char *path, char err[DFV_ERR_LEN])
{
    FILE *f = fopen(path, "w");
    if (!f) return dfv_error_set(err, "cannot write %s: %s", path, strerror(errno)), -1;
    fputs(dfv_eval_csv_header, f);
    /* printf writes infinite PSNR as "inf", which Python's float() and numpy read back. */
    for (int k = 1; k <= dfv_eval_get_shape(eval)->frames; k++) {
        dfv_eval_frame m = dfv_eval_frame_mean(eval, k);
        fprintf(f, "%d,%d,%.4f,%.5f,%.4f,%.5f,%.5f,%.5f,%.5f,%.5f,%.3f,%.3f,%d,%d,%d\n", k, m.episodes, m.psnr, m.ssim,
                m.baseline_psnr, m.baseline_ssim, m.brightness[0], m.brightness[1], m.saturation[0], m.saturation[1],
                m.sharpness[0], m.sharpness[1], m.turns, m.turns_followed[0], m.turns_followed[1]);
    }
    if (ferror(f) | fclose(f)) return dfv_error_set(err, "cannot write %s: %s", path, strerror(errno)), -1;
    return 0;
}

static int parse_row(const char *line, dfv_eval_frame *m, int *k)
{
    int used = 0;
    int n = sscanf(line, "%d,%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%d,%d,%d%n", k, &m->episodes, &m->psnr, &m->ssim,
                   &m->baseline_psnr, &m->baseline_ssim, &m->brightness[0], &m->brightness[1], &m->saturation[0],
                   &m->saturation[1], &m->sharpness[0], &m->sharpness[1], &m->turns, &m->turns_followed[0],
                   &m->turns_followed[1], &used);
    return n == 15 && (line[used] == '\n' || line[used] == '\r' || !line[used]) && m->episodes > 0 ? 0 : -1;
}

int dfv_eval_read_csv(const char *path, const dfv_eval_shape *shape, dfv_eval **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return dfv_error_set(err, "cannot read %s: %s", path, strerror(errno)), -1;
    char line[1024];
    int rows = 0, bad = 0;
    if (!fgets(line, sizeof line, f) || strcmp(line, dfv_eval_csv_header)) bad = 1;
    while (!bad && fgets(line, sizeof line, f)) rows++;
    dfv_eval_shape sh = *shape;
    sh.frames = rows;
    if (bad || !rows || dfv_eval_create(&sh, out, err)) {
        fclose(f);
        if (bad || !rows) dfv_error_set(err, "%s: not a dfview eval CSV (header or rows missing)", path);
        return -1;
    }
    rewind(f);
    bool header = fgets(line, sizeof line, f) != NULL; /* read and checked above */
    for (int row = 1; header && row <= rows; row++) {
        dfv_eval_frame m = {0};
        int k;
        if (!fgets(line, sizeof line, f) || parse_row(line, &m, &k) || k != row) {
            dfv_error_set(err, "%s:%d: not a row of 15 figures for frame %d", path, row + 1, row);
            fclose(f);
            dfv_eval_destroy(*out), *out = NULL;
            return -1;
        }
        dfv_eval_set_frame_mean(*out, row, &m);
    }
    fclose(f);
    return 0;
}

/* JSON has no infinity: an exact match is written as the string "inf", an undefined value as null. */
static void add_number(cJSON *obj, const char *key, double v)
{
    if (isinf(v)) cJSON_AddStringToObject(obj, key, v > 0 ? "inf" : "-inf");
    else if (isnan(v)) cJSON_AddNullToObject(obj, key);
    else cJSON_AddNumberToObject(obj, key, round(v * 1e5) / 1e5);
}

static void add_statistic(cJSON *parent, const char *key, const double values[2], bool within)
{
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    add_number(o, "model", values[0]);
    add_number(o, "truth", values[1]);
    add_number(o, "ratio", values[1] != 0 ? values[0] / values[1] : NAN);
    cJSON_AddBoolToObject(o, "within_tolerance", within);
}

static cJSON *summary_json(const dfv_eval_summary *s, const dfv_eval_run_info *info)
{
    cJSON *doc = cJSON_CreateObject();
    char seeds[64];
    cJSON_AddStringToObject(doc, "format", "dfview-eval");
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON_AddStringToObject(doc, "model", info->model);
    if (info->video) {
        cJSON_AddStringToObject(doc, "video", info->video);
        if (info->actions) cJSON_AddStringToObject(doc, "actions", info->actions);
        else cJSON_AddNullToObject(doc, "actions");
        cJSON_AddNumberToObject(doc, "start_frame", (double)info->start_frame);
    } else cJSON_AddStringToObject(doc, "world", info->world);
    if (info->device) cJSON_AddStringToObject(doc, "device", info->device);
    snprintf(seeds, sizeof seeds, "%llu", (unsigned long long)info->first_seed);
    if (!info->video) cJSON_AddStringToObject(doc, "first_seed", seeds);
    cJSON_AddNumberToObject(doc, "episodes", s->episodes);
    cJSON_AddNumberToObject(doc, "frames", s->frames);
    cJSON_AddNumberToObject(doc, "steps", info->steps);
    if (info->stabilization) {
        cJSON_AddNumberToObject(doc, "stabilization", info->stabilization);
        cJSON_AddBoolToObject(doc, "context_noise", info->context_noise);
        cJSON_AddNumberToObject(doc, "eta", info->eta);
    }
    add_number(doc, "seconds", info->seconds);
    cJSON_AddBoolToObject(doc, "interrupted", info->interrupted);
    cJSON *ranges = cJSON_AddArrayToObject(doc, "ranges");
    for (int i = 0; i < s->range_count; i++) {
        const dfv_eval_range *r = &s->ranges[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "first", r->first);
        cJSON_AddNumberToObject(o, "last", r->last);
        add_number(o, "psnr", r->psnr);
        add_number(o, "baseline_psnr", r->baseline_psnr);
        add_number(o, "ssim", r->ssim);
        add_number(o, "baseline_ssim", r->baseline_ssim);
        cJSON_AddItemToArray(ranges, o);
    }
    add_number(doc, "psnr", s->psnr);
    add_number(doc, "baseline_psnr", s->baseline_psnr);
    add_number(doc, "ssim", s->ssim);
    cJSON *act = cJSON_AddObjectToObject(doc, "action_following");
    /* Turns are a world's notion (its turn actions, its camera): a video's are not measured. */
    if (info->video) cJSON_AddBoolToObject(act, "measured", false);
    cJSON_AddNumberToObject(act, "turn_frames", s->turns);
    add_number(act, "model", s->agreement[DFV_EVAL_MODEL]);
    add_number(act, "truth", s->agreement[DFV_EVAL_TRUTH]);
    add_number(act, "ratio", s->agreement[DFV_EVAL_TRUTH] > 0 ? s->agreement[DFV_EVAL_MODEL] / s->agreement[DFV_EVAL_TRUTH] : NAN);
    cJSON *end = cJSON_AddObjectToObject(doc, "end_statistics");
    cJSON_AddNumberToObject(end, "first_frame", s->end_first);
    cJSON_AddNumberToObject(end, "last_frame", s->frames);
    add_number(end, "tolerance", DFV_EVAL_STAT_TOLERANCE);
    add_statistic(end, "brightness", s->end_brightness, s->end_within[0]);
    add_statistic(end, "saturation", s->end_saturation, s->end_within[1]);
    add_statistic(end, "sharpness", s->end_sharpness, s->end_within[2]);
    dfv_eval_targets t = dfv_eval_check_targets(s);
    cJSON *targets = cJSON_AddObjectToObject(doc, "targets");
    cJSON_AddBoolToObject(targets, "psnr_1_16_at_least_18_db", t.early_psnr);
    cJSON_AddBoolToObject(targets, "above_baseline_every_range", t.beats_baseline);
    if (info->video) cJSON_AddNullToObject(targets, "action_following_90_percent_of_truth");
    else cJSON_AddBoolToObject(targets, "action_following_90_percent_of_truth", t.follows_actions);
    cJSON_AddBoolToObject(targets, "no_collapse", t.no_collapse);
    return doc;
}

int dfv_eval_write_json(const dfv_eval_summary *s, const dfv_eval_run_info *info, const char *path,
                        char err[DFV_ERR_LEN])
{
    cJSON *doc = summary_json(s, info);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    FILE *f = text ? fopen(path, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f)) ok = 0;
    free(text);
    if (!ok) dfv_error_set(err, "cannot write %s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

static const char *yes_no(bool v) { return v ? "yes" : "NO"; }

static void print_heading(FILE *out, const dfv_eval_summary *s, const dfv_eval_run_info *info)
{
    if (info->video) {
        fprintf(out, "dfview eval: %s on %s from frame %lld, %d frames%s%s\n", info->model, info->video,
                (long long)info->start_frame, s->frames, info->actions ? " under " : "", info->actions ? info->actions : "");
        return;
    }
    fprintf(out, "dfview eval: %s on %s, %d episode%s x %d frames (world seeds %llu-%llu)%s\n", info->model, info->world,
            s->episodes, s->episodes == 1 ? "" : "s", s->frames, (unsigned long long)info->first_seed,
            (unsigned long long)(info->first_seed + (uint64_t)(s->episodes ? s->episodes - 1 : 0)),
            info->interrupted ? " (interrupted: finished episodes only)" : "");
}

void dfv_eval_print_summary(FILE *out, const dfv_eval_summary *s, const dfv_eval_run_info *info)
{
    print_heading(out, s, info);
    if (info->steps) fprintf(out, "  %d sampling steps on %s, %.1f s\n", info->steps, info->device ? info->device : "?", info->seconds);
    fprintf(out, "  %-10s %12s %14s %11s %14s\n", "frames", "PSNR (dB)", "baseline (dB)", "SSIM", "baseline SSIM");
    for (int i = 0; i < s->range_count; i++) {
        const dfv_eval_range *r = &s->ranges[i];
        char label[32];
        snprintf(label, sizeof label, "%d-%d", r->first, r->last);
        fprintf(out, "  %-10s %12.2f %14.2f %11.4f %14.4f\n", label, r->psnr, r->baseline_psnr, r->ssim, r->baseline_ssim);
    }
    fprintf(out, "  %-10s %12.2f %14.2f %11.4f\n", "all", s->psnr, s->baseline_psnr, s->ssim);
    if (info->video)
        fprintf(out, "  action following: not measured (turns are scored against a world's turn actions)\n");
    else if (s->turns)
        fprintf(out, "  action following: %.1f%% of %d turn frames shift the right way; the same estimator on the "
                     "ground truth: %.1f%%\n", 100 * s->agreement[0], s->turns, 100 * s->agreement[1]);
    else fprintf(out, "  action following: no turn actions in these episodes\n");
    const char *names[3] = {"brightness", "saturation", "sharpness"};
    const double *values[3] = {s->end_brightness, s->end_saturation, s->end_sharpness};
    fprintf(out, "  at the end (frames %d-%d), model / truth:", s->end_first, s->frames);
    for (int i = 0; i < 3; i++)
        fprintf(out, " %s %.3g/%.3g%s", names[i], values[i][0], values[i][1], s->end_within[i] ? "" : " (off by >20%)");
    fputc('\n', out);
    dfv_eval_targets t = dfv_eval_check_targets(s);
    fprintf(out, "  targets: PSNR 1-16 >= %.0f dB: %s; above baseline on every range: %s; action following >= %.0f%% "
                 "of truth's: %s; statistics within %.0f%% at the end: %s\n",
            DFV_EVAL_TARGET_EARLY_PSNR, yes_no(t.early_psnr), yes_no(t.beats_baseline), 100 * DFV_EVAL_TARGET_AGREEMENT,
            info->video ? "not measured" : yes_no(t.follows_actions), 100 * DFV_EVAL_STAT_TOLERANCE,
            yes_no(t.no_collapse));
}
