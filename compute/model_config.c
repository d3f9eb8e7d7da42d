/* The `dfview` metadata JSON → dfv_model_config, with every value range-checked. Optional keys take the
 * official main-branch defaults (the same ones models/dfv_unet.py fills in). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "schedule.h"

typedef struct {
    const char *label;
    char *err;
} parse_ctx;

__attribute__((format(printf, 2, 3))) static dfv_status fail(const parse_ctx *p, const char *fmt, ...)
{
    int prefix = snprintf(p->err, DFV_ERR_LEN, "%s: ", p->label);
    if (prefix < 0 || prefix >= DFV_ERR_LEN - 1)
        return DFV_ERR_ARGUMENT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + prefix, (size_t)(DFV_ERR_LEN - prefix), fmt, ap);
    va_end(ap);
    return DFV_ERR_ARGUMENT;
}

#define TRY(expr)                                                                                             \
    do {                                                                                                      \
        dfv_status try_status_ = (expr);                                                                      \
        if (try_status_ != DFV_OK)                                                                            \
            return try_status_;                                                                               \
    } while (0)

/* An integer field; `fallback` below `lo` means the key is required. */
static dfv_status get_int(const parse_ctx *p, const cJSON *obj, const char *section, const char *key, long lo,
                          long hi, long fallback, int *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) {
        if (fallback < lo)
            return fail(p, "%s.%s is missing", section, key);
        *out = (int)fallback;
        return DFV_OK;
    }
    double v = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    if (!(v == floor(v)))
        return fail(p, "%s.%s must be an integer", section, key);
    if (v < (double)lo || v > (double)hi)
        return fail(p, "%s.%s = %.0f is out of range (%ld..%ld)", section, key, v, lo, hi);
    *out = (int)v;
    return DFV_OK;
}

/* A number in [lo, hi] (or (lo, hi] when lo_open); a NaN fallback means required. */
static dfv_status get_float(const parse_ctx *p, const cJSON *obj, const char *section, const char *key, double lo,
                            bool lo_open, double hi, double fallback, float *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) {
        if (isnan(fallback))
            return fail(p, "%s.%s is missing", section, key);
        *out = (float)fallback;
        return DFV_OK;
    }
    if (!cJSON_IsNumber(item))
        return fail(p, "%s.%s must be a number", section, key);
    double v = item->valuedouble;
    if (!(lo_open ? v > lo : v >= lo) || !(v <= hi))
        return fail(p, "%s.%s = %g is out of range (%s%g..%g]", section, key, v, lo_open ? "(" : "[", lo, hi);
    *out = (float)v;
    return DFV_OK;
}

static dfv_status get_bool(const parse_ctx *p, const cJSON *obj, const char *section, const char *key,
                           bool fallback, bool *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) {
        *out = fallback;
        return DFV_OK;
    }
    if (!cJSON_IsBool(item))
        return fail(p, "%s.%s must be true or false", section, key);
    *out = cJSON_IsTrue(item);
    return DFV_OK;
}

/* A string copied into buf; NULL fallback means required. Overlong values are refused, not cut. */
static dfv_status get_string(const parse_ctx *p, const cJSON *obj, const char *section, const char *key,
                             const char *fallback, char *buf, size_t size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!item) {
        if (!fallback)
            return fail(p, "%s.%s is missing", section, key);
        snprintf(buf, size, "%s", fallback);
        return DFV_OK;
    }
    if (!cJSON_IsString(item))
        return fail(p, "%s.%s must be a string", section, key);
    if (strlen(item->valuestring) >= size)
        return fail(p, "%s.%s is longer than %zu characters", section, key, size - 1);
    snprintf(buf, size, "%s", item->valuestring);
    return DFV_OK;
}

static dfv_status get_section(const parse_ctx *p, const cJSON *root, const char *key, bool required,
                              const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!*out) {
        if (required)
            return fail(p, "the dfview metadata has no '%s' section", key);
        return DFV_OK;
    }
    if (!cJSON_IsObject(*out))
        return fail(p, "'%s' in the dfview metadata is not a JSON object", key);
    return DFV_OK;
}

static dfv_status parse_dim_mults(const parse_ctx *p, const cJSON *arch, dfv_model_arch *a)
{
    const cJSON *mults = cJSON_GetObjectItemCaseSensitive(arch, "dim_mults");
    if (!mults) {
        static const int official[] = {1, 2, 4, 8};
        a->levels = 4;
        memcpy(a->dim_mults, official, sizeof official);
        return DFV_OK;
    }
    int n = cJSON_IsArray(mults) ? cJSON_GetArraySize(mults) : -1;
    if (n < 1 || n > DFV_MODEL_MAX_LEVELS)
        return fail(p, "architecture.dim_mults must be an array of 1..%d integers", DFV_MODEL_MAX_LEVELS);
    a->levels = n;
    int i = 0;
    for (const cJSON *it = mults->child; it; it = it->next, i++) {
        double v = cJSON_IsNumber(it) ? it->valuedouble : NAN;
        if (!(v == floor(v)) || v < 1 || v > 64)
            return fail(p, "architecture.dim_mults[%d] must be an integer in 1..64", i);
        a->dim_mults[i] = (int)v;
    }
    return DFV_OK;
}

/* Relations between fields that single ranges cannot express. */
static dfv_status check_arch_consistency(const parse_ctx *p, const dfv_model_arch *a)
{
    int reduction = 1 << (a->levels - 1);
    if (a->resolution % reduction)
        return fail(p, "architecture.resolution %d is not divisible by 2^(levels-1) = %d", a->resolution, reduction);
    if (a->dim % 2)
        return fail(p, "architecture.dim %d must be even (sinusoidal noise-level embedding)", a->dim);
    if (a->rotary && a->dim_head % 2)
        return fail(p, "architecture.dim_head %d must be even for rotary embeddings", a->dim_head);
    if (a->init_kernel % 2 == 0)
        return fail(p, "architecture.init_kernel %d must be odd", a->init_kernel);
    if (a->dim % a->groupnorm_groups)
        return fail(p, "architecture.dim %d is not divisible by groupnorm_groups %d", a->dim, a->groupnorm_groups);
    for (int i = 0; i < a->levels; i++)
        if ((a->dim * a->dim_mults[i]) % a->groupnorm_groups)
            return fail(p, "level %d width %d is not divisible by groupnorm_groups %d", i, a->dim * a->dim_mults[i],
                        a->groupnorm_groups);
    return DFV_OK;
}

static dfv_status parse_arch(const parse_ctx *p, const cJSON *arch, dfv_model_arch *a)
{
    const char *s = "architecture";
    char type[32];
    TRY(get_string(p, arch, s, "type", "unet3d", type, sizeof type));
    if (strcmp(type, "unet3d"))
        return fail(p, "architecture.type '%s' is not supported (unet3d)", type);
    TRY(get_int(p, arch, s, "channels", 1, 16, -1, &a->channels));
    TRY(get_int(p, arch, s, "resolution", 8, 1024, -1, &a->resolution));
    TRY(get_int(p, arch, s, "frame_stack", 1, 16, 1, &a->frame_stack));
    TRY(get_int(p, arch, s, "dim", 8, 1024, -1, &a->dim));
    TRY(parse_dim_mults(p, arch, a));
    TRY(get_int(p, arch, s, "heads", 1, 64, 4, &a->heads));
    TRY(get_int(p, arch, s, "dim_head", 2, 256, 32, &a->dim_head));
    TRY(get_bool(p, arch, s, "linear_attention", true, &a->linear_attention));
    TRY(get_int(p, arch, s, "init_kernel", 1, 15, 7, &a->init_kernel));
    TRY(get_int(p, arch, s, "groupnorm_groups", 1, 1024, 8, &a->groupnorm_groups));
    TRY(get_float(p, arch, s, "groupnorm_eps", 0.0, true, 0.1, 1e-6, &a->groupnorm_eps));
    TRY(get_bool(p, arch, s, "groupnorm_per_frame", false, &a->groupnorm_per_frame));
    TRY(get_float(p, arch, s, "layernorm_eps", 0.0, true, 0.1, 1e-5, &a->layernorm_eps));
    TRY(get_bool(p, arch, s, "rotary", true, &a->rotary));
    TRY(get_bool(p, arch, s, "causal", true, &a->causal));
    return check_arch_consistency(p, a);
}

static dfv_status parse_alphas(const parse_ctx *p, const cJSON *diff, dfv_model_diffusion *d)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(diff, "alphas_cumprod");
    if (!cJSON_IsArray(list))
        return fail(p, "diffusion.alphas_cumprod is missing or not an array");
    int n = cJSON_GetArraySize(list);
    if (n != d->timesteps)
        return fail(p, "diffusion.alphas_cumprod has %d values but timesteps is %d", n, d->timesteps);
    d->alphas_cumprod = malloc((size_t)n * sizeof *d->alphas_cumprod);
    if (!d->alphas_cumprod)
        return fail(p, "out of memory for alphas_cumprod");
    int i = 0;
    for (const cJSON *it = list->child; it; it = it->next, i++) {
        double v = cJSON_IsNumber(it) ? it->valuedouble : NAN;
        float f = (float)v;
        if (!(f > 0.0f && f < 1.0f))
            return fail(p, "diffusion.alphas_cumprod[%d] = %g is not in (0, 1)", i, v);
        if (i > 0 && f > d->alphas_cumprod[i - 1])
            return fail(p, "diffusion.alphas_cumprod increases at index %d (%g > %g)", i, v, d->alphas_cumprod[i - 1]);
        d->alphas_cumprod[i] = f;
    }
    return DFV_OK;
}

static dfv_status parse_objective(const parse_ctx *p, const cJSON *diff, dfv_objective *out)
{
    char name[32];
    TRY(get_string(p, diff, "diffusion", "objective", "pred_v", name, sizeof name));
    static const dfv_objective all[] = {DFV_OBJECTIVE_V, DFV_OBJECTIVE_EPS, DFV_OBJECTIVE_X0};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, dfv_objective_name(all[i]))) {
            *out = all[i];
            return DFV_OK;
        }
    return fail(p, "diffusion.objective '%s' is not pred_v, pred_noise or pred_x0", name);
}

static dfv_status parse_diffusion(const parse_ctx *p, const cJSON *diff, dfv_model_diffusion *d)
{
    const char *s = "diffusion";
    TRY(get_int(p, diff, s, "timesteps", 2, 10000, -1, &d->timesteps));
    TRY(parse_objective(p, diff, &d->objective));
    TRY(get_string(p, diff, s, "beta_schedule", "", d->beta_schedule, sizeof d->beta_schedule));
    TRY(get_int(p, diff, s, "stabilization_level", 1, d->timesteps, 15 <= d->timesteps ? 15 : 1,
                &d->stabilization_level));
    TRY(get_bool(p, diff, s, "context_noise", false, &d->context_noise));
    TRY(get_float(p, diff, s, "clip_noise", 0.0, true, 100.0, 6.0, &d->clip_noise));
    int max_steps = d->timesteps < DFV_SCHEDULE_MAX_STEPS ? d->timesteps : DFV_SCHEDULE_MAX_STEPS;
    TRY(get_int(p, diff, s, "sampling_steps", 1, max_steps, 100 <= max_steps ? 100 : max_steps, &d->sampling_steps));
    TRY(get_float(p, diff, s, "eta", 0.0, false, 1.0, 0.0, &d->eta));
    TRY(get_string(p, diff, s, "scheduling", "autoregressive", d->scheduling, sizeof d->scheduling));
    dfv_schedule schedule;
    if (!dfv_schedule_parse(d->scheduling, &schedule))
        return fail(p, "diffusion.scheduling '%s' is not autoregressive, full_sequence, pyramid[:u] or trapezoid[:u]",
                    d->scheduling);
    TRY(get_int(p, diff, s, "window", 1, 1024, -1, &d->window));
    TRY(get_int(p, diff, s, "chunk_size", 1, d->window, 1, &d->chunk_size));
    TRY(get_int(p, diff, s, "context_frames", 0, d->window, d->window > 2 ? 2 : 0, &d->context_frames));
    return parse_alphas(p, diff, d);
}

static dfv_status parse_action_kind(const parse_ctx *p, const cJSON *acts, dfv_action_kind *out)
{
    char name[32];
    TRY(get_string(p, acts, "actions", "kind", "one-hot", name, sizeof name));
    static const dfv_action_kind all[] = {DFV_ACTIONS_ONE_HOT, DFV_ACTIONS_MULTI_HOT, DFV_ACTIONS_CONTINUOUS};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(name, dfv_action_kind_name(all[i]))) {
            *out = all[i];
            return DFV_OK;
        }
    return fail(p, "actions.kind '%s' is not one-hot, multi-hot or continuous", name);
}

static int find_action(const dfv_model_actions *a, const char *name)
{
    for (int i = 0; i < a->dim; i++)
        if (!strcmp(a->actions[i].name, name))
            return i;
    return -1;
}

static dfv_status parse_action_names(const parse_ctx *p, const cJSON *acts, dfv_model_actions *a)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(acts, "names");
    if (!cJSON_IsArray(names) || cJSON_GetArraySize(names) != a->dim)
        return fail(p, "actions.names must be an array of actions.dim = %d names", a->dim);
    int i = 0;
    for (const cJSON *it = names->child; it; it = it->next, i++) {
        if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) >= sizeof a->actions[i].name)
            return fail(p, "actions.names[%d] must be a name of 1..%zu characters", i, sizeof a->actions[i].name - 1);
        if (find_action(a, it->valuestring) >= 0)
            return fail(p, "actions.names has '%s' twice", it->valuestring);
        snprintf(a->actions[i].name, sizeof a->actions[i].name, "%s", it->valuestring);
    }
    return DFV_OK;
}

static dfv_status parse_bindings(const parse_ctx *p, const cJSON *acts, dfv_model_actions *a)
{
    const cJSON *bindings = cJSON_GetObjectItemCaseSensitive(acts, "bindings");
    if (!bindings)
        return DFV_OK;
    if (!cJSON_IsObject(bindings))
        return fail(p, "actions.bindings must be an object of action name -> key names");
    for (const cJSON *it = bindings->child; it; it = it->next) {
        int index = find_action(a, it->string);
        if (index < 0)
            return fail(p, "actions.bindings names '%.32s', which is not in actions.names", it->string);
        dfv_model_action *act = &a->actions[index];
        int n = cJSON_IsArray(it) ? cJSON_GetArraySize(it) : -1;
        if (n < 0 || n > DFV_MODEL_MAX_BINDINGS)
            return fail(p, "actions.bindings.%s must be an array of at most %d key names", act->name,
                        DFV_MODEL_MAX_BINDINGS);
        for (const cJSON *key = it->child; key; key = key->next) {
            if (!cJSON_IsString(key) || !key->valuestring[0] || strlen(key->valuestring) >= sizeof act->keys[0])
                return fail(p, "actions.bindings.%s has a key that is not a short string", act->name);
            snprintf(act->keys[act->key_count++], sizeof act->keys[0], "%s", key->valuestring);
        }
    }
    return DFV_OK;
}

static dfv_status parse_actions(const parse_ctx *p, const cJSON *acts, dfv_model_actions *a)
{
    if (!acts)
        return DFV_OK;
    TRY(get_int(p, acts, "actions", "dim", 0, DFV_MAX_ACTIONS, 0, &a->dim));
    if (a->dim == 0)
        return DFV_OK;
    TRY(parse_action_names(p, acts, a));
    TRY(parse_action_kind(p, acts, &a->kind));
    return parse_bindings(p, acts, a);
}

static dfv_status parse_provenance(const parse_ctx *p, const cJSON *prov, dfv_model_provenance *v)
{
    v->steps = -1;
    if (!prov)
        return DFV_OK;
    const char *s = "provenance";
    TRY(get_string(p, prov, s, "source", "", v->source, sizeof v->source));
    TRY(get_string(p, prov, s, "training_data", "", v->training_data, sizeof v->training_data));
    TRY(get_string(p, prov, s, "license", "", v->license, sizeof v->license));
    TRY(get_string(p, prov, s, "weights_sha256", "", v->weights_sha256, sizeof v->weights_sha256));
    size_t n = strlen(v->weights_sha256);
    if (n && (n != 64 || strspn(v->weights_sha256, "0123456789abcdef") != 64))
        return fail(p, "provenance.weights_sha256 must be 64 lowercase hex digits");
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(prov, "steps");
    if (steps) {
        int parsed;
        TRY(get_int(p, prov, s, "steps", 0, 2000000000L, 0, &parsed));
        v->steps = parsed;
    }
    return DFV_OK;
}

static dfv_status parse_header_fields(const parse_ctx *p, const cJSON *root, dfv_model_config *c)
{
    char format[32];
    int version;
    TRY(get_string(p, root, "dfview", "format", NULL, format, sizeof format));
    if (strcmp(format, "dfview-model"))
        return fail(p, "dfview.format '%s' is not 'dfview-model'", format);
    TRY(get_int(p, root, "dfview", "version", 1, 1, -1, &version));
    return get_string(p, root, "dfview", "name", "", c->name, sizeof c->name);
}

static dfv_status parse_root(const parse_ctx *p, const cJSON *root, dfv_model_config *c)
{
    if (!cJSON_IsObject(root))
        return fail(p, "the dfview metadata is not a JSON object");
    TRY(parse_header_fields(p, root, c));
    const cJSON *arch, *diff, *data, *acts, *prov;
    TRY(get_section(p, root, "architecture", true, &arch));
    TRY(get_section(p, root, "diffusion", true, &diff));
    TRY(get_section(p, root, "data", false, &data));
    TRY(get_section(p, root, "actions", false, &acts));
    TRY(get_section(p, root, "provenance", false, &prov));
    TRY(parse_arch(p, arch, &c->arch));
    TRY(parse_diffusion(p, diff, &c->diffusion));
    c->data_mean = 0.5f;
    c->data_std = 0.5f;
    if (data) {
        TRY(get_float(p, data, "data", "mean", -1e3, false, 1e3, 0.5, &c->data_mean));
        TRY(get_float(p, data, "data", "std", 0.0, true, 1e3, 0.5, &c->data_std));
    }
    TRY(parse_actions(p, acts, &c->actions));
    return parse_provenance(p, prov, &c->provenance);
}

dfv_status dfv_model_config_parse(const char *json, size_t length, const char *label, dfv_model_config *out,
                                  char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    parse_ctx p = {label, err};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, length, &end, false);
    if (!root)
        return fail(&p, "the dfview metadata is not valid JSON (error near character %ld)",
                    end ? (long)(end - json) : -1L);
    dfv_status st = parse_root(&p, root, out);
    cJSON_Delete(root);
    if (st != DFV_OK)
        dfv_model_config_free(out);
    return st;
}

void dfv_model_config_free(dfv_model_config *c)
{
    free(c->diffusion.alphas_cumprod);
    c->diffusion.alphas_cumprod = NULL;
}

const char *dfv_objective_name(dfv_objective objective)
{
    switch (objective) {
    case DFV_OBJECTIVE_V: return "pred_v";
    case DFV_OBJECTIVE_EPS: return "pred_noise";
    case DFV_OBJECTIVE_X0: return "pred_x0";
    }
    return "?";
}

const char *dfv_action_kind_name(dfv_action_kind kind)
{
    switch (kind) {
    case DFV_ACTIONS_ONE_HOT: return "one-hot";
    case DFV_ACTIONS_MULTI_HOT: return "multi-hot";
    case DFV_ACTIONS_CONTINUOUS: return "continuous";
    }
    return "?";
}
