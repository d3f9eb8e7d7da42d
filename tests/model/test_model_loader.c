/* Loader tests against fixtures written by tests/model/make_models.py from the Python reference side:
 * valid models (F32/F16/BF16, with actions) must load with the config, tensor values, parameter and
 * FLOP counts Python reports; every hand-crafted broken file must fail with one line naming the file
 * and the problem. usage: test_model_loader DATA_DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "model.h"
#include "schedule.h"

typedef struct {
    int checks, failures;
} tally;

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    size_t got = text ? fread(text, 1, (size_t)n, f) : 0;
    fclose(f);
    cJSON *root = got == (size_t)n ? cJSON_ParseWithLength(text, (size_t)n) : NULL;
    free(text);
    return root;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(item) ? item->valuedouble : NAN;
}

static bool close_to(double a, double b, double rel) { return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-30; }

static void check_config(tally *t, const char *name, const dfv_model_config *c, const cJSON *want)
{
    const cJSON *arch = cJSON_GetObjectItem(want, "architecture"), *diff = cJSON_GetObjectItem(want, "diffusion");
    CHECK_COUNTED(t, c->arch.dim == num(arch, "dim"), "%s: dim %d", name, c->arch.dim);
    CHECK_COUNTED(t, c->arch.levels == cJSON_GetArraySize(cJSON_GetObjectItem(arch, "dim_mults")), "%s: levels", name);
    CHECK_COUNTED(t, c->arch.heads == num(arch, "heads") && c->arch.dim_head == num(arch, "dim_head"), "%s: heads", name);
    CHECK_COUNTED(t, c->arch.resolution == num(arch, "resolution"), "%s: resolution", name);
    CHECK_COUNTED(t, c->arch.groupnorm_per_frame == cJSON_IsTrue(cJSON_GetObjectItem(arch, "groupnorm_per_frame")),
          "%s: groupnorm_per_frame", name);
    CHECK_COUNTED(t, c->diffusion.window == num(diff, "window"), "%s: window %d", name, c->diffusion.window);
    CHECK_COUNTED(t, c->diffusion.timesteps == 1000 && c->diffusion.sampling_steps == 100, "%s: steps", name);
    CHECK_COUNTED(t, c->diffusion.stabilization_level == 15, "%s: stabilization", name);
    CHECK_COUNTED(t, c->diffusion.context_noise == cJSON_IsTrue(cJSON_GetObjectItem(diff, "context_noise")),
          "%s: context_noise", name);
    const cJSON *alphas = cJSON_GetObjectItem(diff, "alphas_cumprod");
    int i = 0, wrong = 0;
    for (const cJSON *it = alphas->child; it; it = it->next, i++)
        wrong += c->diffusion.alphas_cumprod[i] != (float)it->valuedouble;
    CHECK_COUNTED(t, wrong == 0, "%s: %d alphas_cumprod values differ", name, wrong);
    const cJSON *acts = cJSON_GetObjectItem(want, "actions");
    CHECK_COUNTED(t, c->actions.dim == num(acts, "dim"), "%s: action dim %d", name, c->actions.dim);
    const cJSON *prov = cJSON_GetObjectItem(want, "provenance");
    CHECK_COUNTED(t, !strcmp(c->provenance.weights_sha256, cJSON_GetObjectItem(prov, "weights_sha256")->valuestring),
          "%s: sha256", name);
    CHECK_COUNTED(t, c->provenance.steps == 7 && !strcmp(c->provenance.license, "MIT"), "%s: provenance", name);
}

static void check_tensors(tally *t, const char *name, const dfv_model *m, const cJSON *tensors)
{
    int listed = 0;
    for (const cJSON *it = tensors->child; it; it = it->next, listed++) {
        const dfv_st_tensor *ten = dfv_model_tensor(m, it->string);
        CHECK_COUNTED(t, ten != NULL, "%s: tensor %s not found", name, it->string);
        if (!ten)
            continue;
        float *values = malloc(ten->count * sizeof *values + 1);
        char err[DFV_ERR_LEN];
        CHECK_COUNTED(t, dfv_model_tensor_f32(m, it->string, values, ten->count, err) == DFV_OK, "%s", err);
        double sum = 0;
        for (uint64_t i = 0; i < ten->count; i++)
            sum += values[i];
        double want = num(it, "sum");
        CHECK_COUNTED(t, fabs(sum - want) <= 1e-9 * ten->count + 1e-12 * fabs(want), "%s: %s sum %.17g want %.17g", name,
              it->string, sum, want);
        int i = 0;
        for (const cJSON *h = cJSON_GetObjectItem(it, "head")->child; h; h = h->next, i++)
            CHECK_COUNTED(t, values[i] == (float)h->valuedouble, "%s: %s[%d] = %.9g want %.9g", name, it->string, i,
                  values[i], h->valuedouble);
        free(values);
    }
    CHECK_COUNTED(t, listed == dfv_st_tensor_count(dfv_model_file(m)), "%s: %d tensors in file, %d in state_dict", name,
          dfv_st_tensor_count(dfv_model_file(m)), listed);
}

static void check_valid_models(tally *t, const char *dir, const cJSON *models)
{
    for (const cJSON *it = models->child; it; it = it->next) {
        char path[1024], err[DFV_ERR_LEN];
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, it->string);
        dfv_model *m = NULL;
        dfv_status st = dfv_model_open(path, &m, err);
        CHECK_COUNTED(t, st == DFV_OK, "%s should load: %s", it->string, err);
        if (st != DFV_OK)
            continue;
        const dfv_model_config *c = dfv_model_get_config(m);
        check_config(t, it->string, c, cJSON_GetObjectItem(it, "config"));
        CHECK_COUNTED(t, dfv_model_parameter_count(c) == (int64_t)num(it, "parameters"), "%s: %lld parameters, want %.0f",
              it->string, (long long)dfv_model_parameter_count(c), num(it, "parameters"));
        check_tensors(t, it->string, m, cJSON_GetObjectItem(it, "tensors"));
        dfv_model_close(m);
    }
}

static void check_recipes(tally *t, const cJSON *recipes)
{
    for (const cJSON *it = recipes->child; it; it = it->next) {
        const char *json = cJSON_GetObjectItem(it, "metadata")->valuestring;
        dfv_model_config c;
        char err[DFV_ERR_LEN];
        dfv_status st = dfv_model_config_parse(json, strlen(json), it->string, &c, err);
        CHECK_COUNTED(t, st == DFV_OK, "recipe %s: %s", it->string, err);
        if (st != DFV_OK)
            continue;
        int window = (int)num(it, "window");
        CHECK_COUNTED(t, dfv_model_parameter_count(&c) == (int64_t)num(it, "parameters"), "%s: %lld parameters, want %.0f",
              it->string, (long long)dfv_model_parameter_count(&c), num(it, "parameters"));
        CHECK_COUNTED(t, close_to(dfv_model_flops(&c, 1), num(it, "flops_1"), 1e-12), "%s: %.0f FLOP at 1 frame, want %.0f",
              it->string, dfv_model_flops(&c, 1), num(it, "flops_1"));
        CHECK_COUNTED(t, close_to(dfv_model_flops(&c, window), num(it, "flops_window"), 1e-12), "%s: FLOP at window %d",
              it->string, window);
        dfv_model_config_free(&c);
    }
}

/* The published costs of the two recipes (spec §2), independent of any code here. */
static void check_published_costs(tally *t, const cJSON *recipes)
{
    static const struct {
        const char *recipe;
        int64_t parameters;
        double gflop_per_frame, rounding;
    } published[] = {{"dmlab", 18653523, 8.03, 0.005}, {"minecraft", 34518467, 64.3, 0.05}};
    for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
        const char *json = cJSON_GetObjectItem(cJSON_GetObjectItem(recipes, published[i].recipe), "metadata")->valuestring;
        dfv_model_config c;
        char err[DFV_ERR_LEN];
        if (dfv_model_config_parse(json, strlen(json), published[i].recipe, &c, err) != DFV_OK) {
            CHECK_COUNTED(t, false, "%s", err);
            continue;
        }
        CHECK_COUNTED(t, dfv_model_parameter_count(&c) == published[i].parameters, "%s parameters", published[i].recipe);
        double gflop = dfv_model_flops(&c, 1) / 1e9;
        CHECK_COUNTED(t, fabs(gflop - published[i].gflop_per_frame) <= published[i].rounding, "%s: %.3f GFLOP per frame, published %.2f",
              published[i].recipe, gflop, published[i].gflop_per_frame);
        dfv_model_config_free(&c);
    }
}

static void check_bad_files(tally *t, const cJSON *cases)
{
    for (const cJSON *it = cases->child; it; it = it->next) {
        const char *path = cJSON_GetObjectItem(it, "file")->valuestring;
        const char *expect = cJSON_GetObjectItem(it, "expect")->valuestring;
        char err[DFV_ERR_LEN] = "";
        dfv_model *m = NULL;
        dfv_status st = dfv_model_open(path, &m, err);
        CHECK_COUNTED(t, st != DFV_OK && m == NULL, "%s should be refused", path);
        CHECK_COUNTED(t, strstr(err, expect) != NULL, "%s: error '%s' lacks '%s'", path, err, expect);
        CHECK_COUNTED(t, !strncmp(err, path, strlen(path)), "%s: error does not start with the file name: %s", path, err);
        CHECK_COUNTED(t, strchr(err, '\n') == NULL, "%s: error is not one line", path);
        dfv_model_close(m);
    }
    char err[DFV_ERR_LEN] = "";
    dfv_model *m = NULL;
    CHECK_COUNTED(t, dfv_model_open("/nonexistent/model.safetensors", &m, err) == DFV_ERR_IO && strstr(err, "cannot open"),
          "missing file: %s", err);
}

/* Half-precision decoding against values from the IEEE 754 binary16 definition. */
static void check_half_decoding(tally *t)
{
    static const struct {
        uint16_t bits;
        float value;
    } halves[] = {{0x3c00, 1.0f}, {0xc000, -2.0f}, {0x7bff, 65504.0f}, {0x0001, 5.9604644775390625e-8f},
                  {0x03ff, 6.0975551605224609375e-5f}, {0x0400, 6.103515625e-5f}, {0x8000, -0.0f}, {0x3555, 0.333251953125f}};
    for (size_t i = 0; i < sizeof halves / sizeof halves[0]; i++)
        CHECK_COUNTED(t, dfv_st_f16_to_f32(halves[i].bits) == halves[i].value, "f16 %04x -> %.9g", halves[i].bits,
              dfv_st_f16_to_f32(halves[i].bits));
    CHECK_COUNTED(t, isinf(dfv_st_f16_to_f32(0x7c00)) && isnan(dfv_st_f16_to_f32(0x7e00)), "f16 inf/nan");
    CHECK_COUNTED(t, dfv_st_bf16_to_f32(0x3f80) == 1.0f && dfv_st_bf16_to_f32(0xc049) == -3.140625f, "bf16");
}

/* FIPS 180-2 example digests, and the hash Python's hashlib recorded for each fixture's tensor bytes. */
static void check_sha256(tally *t, const char *dir, const cJSON *models)
{
    static const struct {
        const char *text, *digest;
    } known[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        dfv_st_sha256_hex(known[i].text, strlen(known[i].text), hex);
        CHECK_COUNTED(t, !strcmp(hex, known[i].digest), "sha256('%s') = %s", known[i].text, hex);
    }
    for (const cJSON *it = models->child; it; it = it->next) {
        char path[1024], err[DFV_ERR_LEN];
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, it->string);
        dfv_model *m = NULL;
        if (dfv_model_open(path, &m, err) != DFV_OK)
            continue;
        size_t bytes;
        const void *data = dfv_st_data(dfv_model_file(m), &bytes);
        dfv_st_sha256_hex(data, bytes, hex);
        CHECK_COUNTED(t, !strcmp(hex, dfv_model_get_config(m)->provenance.weights_sha256), "%s: sha256 %s", it->string, hex);
        dfv_model_close(m);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/expected.json", argv[1]);
    cJSON *expected = read_json(path);
    snprintf(path, sizeof path, "%s/bad_cases.json", argv[1]);
    cJSON *cases = read_json(path);
    if (!expected || !cases) {
        fprintf(stderr, "cannot read the fixtures in %s (run make_models.py)\n", argv[1]);
        return 1;
    }
    tally t = {0, 0};
    check_half_decoding(&t);
    check_valid_models(&t, argv[1], cJSON_GetObjectItem(expected, "models"));
    check_sha256(&t, argv[1], cJSON_GetObjectItem(expected, "models"));
    check_recipes(&t, cJSON_GetObjectItem(expected, "recipes"));
    check_published_costs(&t, cJSON_GetObjectItem(expected, "recipes"));
    check_bad_files(&t, cases);
    cJSON_Delete(expected);
    cJSON_Delete(cases);
    printf("%d checks, %d failed\n", t.checks, t.failures);
    return t.failures ? 1 : 0;
}
