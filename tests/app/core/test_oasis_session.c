/* The session and the rollout on an Oasis model (tiny, converted from the official-layout golden
 * checkpoints): the frames and latents the rollout makes equal an independent computation that drives the
 * engine directly (VAE encode of the seed, the session's noise for each frame index, generate.py's
 * uncached DDIM loop over the sliding window, VAE decode to bytes as generate.py writes them), bit for
 * bit; the cached and uncached sessions agree bit for bit; a second rollout repeats the first; settings
 * other than generate.py's sampler, and world seeds, are refused in one line.
 * usage: test_oasis_session MODEL.safetensors */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oasis.h"
#include "rng.h"
#include "rollout.h"

enum { skip_exit = 77, FRAMES = 6, STEPS = 3, WINDOW = 3 };
static const uint64_t rng_seed = 7;

typedef struct {
    int checks, failures;
} tally;

/* A seed "decoder" without FFmpeg: a smooth pattern at the requested size; records the request. */
static int pattern_seed(const char *spec, const dfv_seed_request *req, uint8_t *rgb, char *err)
{
    (void)spec, (void)err;
    for (int f = 0; f < req->frames; f++)
        for (int y = 0; y < req->height; y++)
            for (int x = 0; x < req->width; x++)
                for (int c = 0; c < 3; c++)
                    rgb[(((size_t)f * req->height + y) * req->width + x) * 3 + c] =
                        (uint8_t)(128 + 100 * sin(0.3 * x + 0.5 * y + 2.0 * c));
    return req->stretch ? 0 : -1; /* Oasis seeds are resized whole, as open-oasis does */
}

/* The action leading into frame `index`: keys and a turning camera, every few frames another. */
static void test_action(void *user, int64_t index, float *out)
{
    (void)user;
    memset(out, 0, 25 * sizeof *out);
    out[11 + index % 4] = 1.0f;                 /* forward, back, left, right */
    out[15] = (float)(0.25 * (double)(index % 3)); /* cameraX */
    out[16] = -0.5f;                            /* cameraY */
}

typedef struct {
    uint8_t *frames; /* FRAMES RGB24 frames */
    size_t frame_bytes;
} captured;

static int capture(void *user, int64_t index, const uint8_t *rgb)
{
    captured *c = user;
    memcpy(c->frames + c->frame_bytes * (size_t)index, rgb, c->frame_bytes);
    return 0;
}

static dfv_session *open_session(tally *t, const char *model, bool no_cache)
{
    dfv_session_desc d;
    dfv_session_desc_default(&d);
    d.engine.model_path = model;
    d.load_image = pattern_seed;
    d.seed = "pattern";
    d.steps = STEPS, d.window = WINDOW, d.rng_seed = rng_seed, d.no_cache = no_cache;
    dfv_session *s = NULL;
    char err[DFV_ERR_LEN];
    CHECK_COUNTED(t, !dfv_session_open(&d, &s, err), "open %s: %s", model, err);
    return s;
}

/* The rollout's frames (seed first) through a timeline that keeps only the window, as `render` does. */
static void roll(tally *t, dfv_session *s, uint8_t *frames)
{
    captured cap = {frames, dfv_session_frame_bytes(s)};
    uint8_t *seed = malloc(cap.frame_bytes);
    char err[DFV_ERR_LEN];
    CHECK_COUNTED(t, !dfv_session_load_seed(s, NULL, seed, err), "seed: %s", err);
    dfv_timeline *tl = dfv_timeline_create(dfv_session_width(s), dfv_session_height(s), 25);
    dfv_timeline_keep_last(tl, WINDOW);
    dfv_rollout *r = dfv_rollout_create(s);
    dfv_branch_job job = {.seed_rgb = seed, .frames = FRAMES - 1, .action = test_action, .on_frame = capture,
                          .user = &cap};
    dfv_branch_result res;
    CHECK_COUNTED(t, dfv_rollout_run_branch(r, tl, &job, &res, err) == 0, "rollout: %s", err);
    CHECK_COUNTED(t, res.frames_done == FRAMES, "%lld frames made", (long long)res.frames_done);
    dfv_rollout_destroy(r);
    dfv_timeline_destroy(tl);
    free(seed);
}

/* A long branch through a timeline that keeps only the window: the rollout's states stay bounded. */
static void long_branch(tally *t, dfv_session *s, int frames)
{
    uint8_t *seed = malloc(dfv_session_frame_bytes(s));
    char err[DFV_ERR_LEN];
    CHECK_COUNTED(t, !dfv_session_load_seed(s, NULL, seed, err), "seed: %s", err);
    dfv_timeline *tl = dfv_timeline_create(dfv_session_width(s), dfv_session_height(s), 25);
    dfv_timeline_keep_last(tl, WINDOW);
    dfv_rollout *r = dfv_rollout_create(s);
    dfv_branch_job job = {.seed_rgb = seed, .frames = frames - 1, .action = test_action};
    dfv_branch_result res;
    CHECK_COUNTED(t, dfv_rollout_run_branch(r, tl, &job, &res, err) == 0, "long rollout: %s", err);
    int held = dfv_rollout_states_held(r);
    printf("a %d-frame branch keeping the last %d frames: %d states held\n", frames, WINDOW, held);
    CHECK_COUNTED(t, held > 0 && held <= 2 * 64 + WINDOW, "%d states held after %d frames", held, frames);
    dfv_rollout_destroy(r);
    dfv_timeline_destroy(tl);
    free(seed);
}

/* generate.py's video bytes from the decoder's output. */
static void to_bytes(const float *img, int w, int h, uint8_t *rgb)
{
    size_t plane = (size_t)w * h;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) {
            float v = fminf(fmaxf((img[c * plane + p] + 1.0f) / 2.0f, 0.0f), 1.0f);
            rgb[p * 3 + c] = (uint8_t)(v * 255.0f);
        }
}

typedef struct {
    dfv_ctx *ctx;
    dfv_oasis_model *model;
    dfv_dit *dit;
    dfv_vit_vae *vae;
} engine;

/* The independent computation: latents (FRAMES × L) and frames (FRAMES RGB24) from the seed frame. */
static void reference(tally *t, const engine *e, const uint8_t *seed, float *latents, uint8_t *frames)
{
    const dfv_oasis_vae_arch *va = dfv_oasis_model_vae(e->model);
    const dfv_oasis_dit_arch *da = dfv_oasis_model_dit(e->model);
    int w = va->image_w, h = va->image_h;
    size_t L = (size_t)da->channels * da->input_h * da->input_w, plane = (size_t)w * h;
    float *img = malloc(plane * 3 * sizeof *img), *actions = calloc((size_t)FRAMES * 25, sizeof *actions);
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) img[c * plane + p] = seed[p * 3 + c] / 255.0f * 2.0f - 1.0f;
    CHECK_COUNTED(t, !dfv_vit_vae_encode(e->vae, img, 1, latents), "encode: %s", dfv_ctx_error(e->ctx));
    memcpy(frames, seed, plane * 3);
    for (int k = 1; k < FRAMES; k++) {
        test_action(NULL, k, actions + (size_t)k * 25); /* frame 0's action: zeros, as load_actions */
        dfv_rng_normals(rng_seed, DFV_NOISE_INITIAL, (uint64_t)k, 0, latents + (size_t)k * L, L);
        CHECK_COUNTED(t, !dfv_oasis_denoise_last(e->dit, dfv_oasis_model_diffusion(e->model), latents, actions, k + 1,
                                                  STEPS, WINDOW), "denoise: %s", dfv_ctx_error(e->ctx));
        CHECK_COUNTED(t, !dfv_vit_vae_decode(e->vae, latents + (size_t)k * L, 1, img), "decode");
        to_bytes(img, w, h, frames + plane * 3 * (size_t)k);
    }
    free(img), free(actions);
}

/* The session's own latents, frame after frame through its public calls. */
static void session_latents(tally *t, dfv_session *s, const uint8_t *seed, float *latents)
{
    size_t L = dfv_session_state_floats(s), fb = dfv_session_frame_bytes(s);
    uint8_t *rgb = malloc(fb * FRAMES);
    float *actions = calloc((size_t)FRAMES * 25, sizeof *actions);
    char err[DFV_ERR_LEN];
    memcpy(rgb, seed, fb);
    CHECK_COUNTED(t, !dfv_session_encode_seed(s, seed, 1, latents, err), "encode: %s", err);
    for (int k = 1; k < FRAMES; k++) {
        test_action(NULL, k, actions + (size_t)k * 25);
        int first = k > WINDOW - 1 ? k - (WINDOW - 1) : 0;
        CHECK_COUNTED(t, !dfv_session_next(s, rgb + fb * first, latents + L * first, k - first, first,
                                           actions + (size_t)first * 25, rgb + fb * k, latents + L * k, err),
                      "next %d: %s", k, err);
    }
    free(rgb), free(actions);
}

static int open_engine(tally *t, const char *path, engine *e)
{
    char err[DFV_ERR_LEN];
    memset(e, 0, sizeof *e);
    CHECK_COUNTED(t, !dfv_oasis_model_open(path, &e->model, err), "%s", err);
    if (!e->model || dfv_ctx_create(&(dfv_ctx_desc){0}, &e->ctx, err)) return -1;
    CHECK_COUNTED(t, !dfv_dit_create(e->ctx, e->model, DFV_F32, &e->dit), "dit");
    CHECK_COUNTED(t, !dfv_vit_vae_create(e->ctx, e->model, DFV_F32, &e->vae), "vae");
    return 0;
}

static void close_engine(engine *e)
{
    dfv_vit_vae_destroy(e->vae), dfv_dit_destroy(e->dit), dfv_ctx_destroy(e->ctx), dfv_oasis_model_close(e->model);
}

/* Schedules other than generate.py's, and world seeds, are refused in one line. */
static void refusals(tally *t, dfv_session *s)
{
    char err[DFV_ERR_LEN] = "";
    dfv_sampler_settings st = *dfv_session_settings(s);
    st.schedule = (dfv_schedule){DFV_SCHEDULE_FULL_SEQUENCE, 0.0};
    CHECK_COUNTED(t, dfv_session_update(s, &st, err) && strstr(err, "Oasis") && !strchr(err, '\n'),
                  "full_sequence schedule: '%s'", err);
    CHECK_COUNTED(t, dfv_session_settings(s)->schedule.kind == DFV_SCHEDULE_AUTOREGRESSIVE, "refused settings kept");
    uint8_t *rgb = malloc(dfv_session_frame_bytes(s));
    CHECK_COUNTED(t, dfv_session_load_seed(s, "world:maze:1", rgb, err) && strstr(err, "image or video"),
                  "world seed: '%s'", err);
    free(rgb);
}

int main(int argc, char **argv)
{
    if (argc != 2) return fprintf(stderr, "usage: %s MODEL.safetensors\n", argv[0]), 2;
    tally t = {0};
    engine e;
    if (open_engine(&t, argv[1], &e)) return printf("no Vulkan device: skipped\n"), t.failures ? 1 : skip_exit;
    dfv_session *cached = open_session(&t, argv[1], false), *uncached = open_session(&t, argv[1], true);
    if (!cached || !uncached) return 1;
    int w = dfv_session_width(cached), h = dfv_session_height(cached);
    size_t L = dfv_session_state_floats(cached), fb = dfv_session_frame_bytes(cached);
    CHECK_COUNTED(&t, w == 32 && h == 24 && L == 4 * 6 * 8 && dfv_session_context_frames(cached) == 1,
                  "%dx%d, %zu state floats", w, h, L);
    CHECK_COUNTED(&t, !strcmp(dfv_session_family_name(cached), "oasis") && dfv_session_config(cached)->actions.dim == 25,
                  "family %s", dfv_session_family_name(cached));
    CHECK_COUNTED(&t, !strcmp(dfv_session_action_names(cached)[15], "cameraX"), "action 15 is cameraX");
    uint8_t *want = malloc(fb * FRAMES), *got = malloc(fb * FRAMES), *again = malloc(fb * FRAMES);
    float *want_z = malloc(L * FRAMES * sizeof(float)), *got_z = malloc(L * FRAMES * sizeof(float));
    roll(&t, cached, got);
    reference(&t, &e, got, want_z, want);
    CHECK_COUNTED(&t, !memcmp(got, want, fb * FRAMES), "the rollout's frames differ from the reference");
    roll(&t, uncached, again);
    CHECK_COUNTED(&t, !memcmp(got, again, fb * FRAMES), "cached and uncached rollouts differ");
    roll(&t, cached, again);
    CHECK_COUNTED(&t, !memcmp(got, again, fb * FRAMES), "a second rollout differs from the first");
    dfv_session *both[2] = {cached, uncached};
    for (int i = 0; i < 2; i++) {
        session_latents(&t, both[i], got, got_z);
        double worst = 0;
        for (size_t j = 0; j < L * FRAMES; j++) worst = fmax(worst, fabs((double)got_z[j] - want_z[j]));
        printf("%s session: latents max |session - reference| %.3g over %d frames\n", i ? "uncached" : "cached", worst,
               FRAMES);
        CHECK_COUNTED(&t, !memcmp(got_z, want_z, L * FRAMES * sizeof(float)), "latents differ (max %.3g)", worst);
    }
    long_branch(&t, cached, 300);
    refusals(&t, cached);
    dfv_session_close(cached), dfv_session_close(uncached);
    close_engine(&e);
    free(want), free(got), free(again), free(want_z), free(got_z);
    printf("%d checks, %d failures\n", t.checks, t.failures);
    return t.failures ? 1 : 0;
}
