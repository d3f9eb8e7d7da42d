/* A model session: the engine (device, model, networks), the sampler with its live settings, and the seed.
 * It turns a context of frames + actions into the next frame; the rollout (rollout.h) gathers that
 * context from a timeline for every command. Frames between steps are RGB24 of width × height, exactly
 * what the user sees and what a clip stores.
 *
 * The session is family-agnostic: it opens a Unet3D model (pixel space) or an Oasis model (a DiT over
 * ViT-VAE latents), dispatching on the file's `architecture.type` (session_family.h; one file per
 * family). A family may keep a per-frame model state beside each frame (dfv_session_state_floats: 0 for
 * Unet3D, the latent for Oasis, which generate.py keeps instead of re-encoding what it made); the rollout
 * stores it per frame, seed frames get it from dfv_session_encode_seed. Either way the next frame is a
 * pure function of the context (frames and states), the actions, the settings and the frame's absolute
 * index, so a recorded clip replays bit for bit from its seed and actions. */
#ifndef DFV_SESSION_H
#define DFV_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "engine.h"
#include "sampler.h"

/* What a seed must become: `frames` RGB24 frames of width × height; `stretch`: the whole picture resized to
 * that size (open-oasis's load_prompt), else center-cropped to its aspect ratio first (a square for a
 * square model). */
typedef struct {
    int width, height, frames;
    bool stretch;
    int64_t *first_index; /* NULL, or receives the video frame index (from 0) of the first frame returned */
} dfv_seed_request;

/* Decodes an image or video seed as requested (the full dfview passes media/'s decoder; the session core
 * links no FFmpeg). Returns 0, or -1 with one line in err (DFV_ERR_LEN bytes). */
typedef int (*dfv_image_seed_loader)(const char *spec, const dfv_seed_request *request, uint8_t *rgb,
                                     char err[DFV_ERR_LEN]);

typedef struct {
    dfv_engine_desc engine;
    dfv_image_seed_loader load_image; /* NULL: world seeds only */
    const char *seed;     /* image, video@time, video#frame, world:KIND:SEED; NULL: see dfv_session_seed_spec */
    int steps;            /* 0: the model's default */
    int stabilization;    /* 0: the model's default */
    int context_noise;    /* 0: the model's default, 1: on, -1: off */
    bool has_eta;         /* false: the model's default eta */
    float eta;
    int window;           /* 0: the model's window */
    const char *schedule; /* NULL: the model's default (Oasis: only its autoregressive sampler) */
    uint64_t rng_seed;
    bool no_cache; /* run the full window every call even when the model allows a cached context */
} dfv_session_desc;

typedef struct dfv_session dfv_session;

void dfv_session_desc_default(dfv_session_desc *desc);
/* Parses one shared option at argv[i] (--model --seed --steps --stabilization --context-noise --eta
 * --window --schedule --seed-rng --no-cache --fp16 --device); returns the argv entries consumed, 0 if not ours, -1 on a bad
 * value (said in err). */
int dfv_session_parse_option(int argc, char **argv, int i, dfv_session_desc *desc, char err[DFV_ERR_LEN]);
void dfv_session_print_options(FILE *out);

/* Opens model, device and network and checks the settings; 0, or -1 with one line in err. Without a
 * model path it opens the bundled maze model (models/maze.safetensors beside the binary's folder, or under
 * $DFVIEW_DATA_DIR). */
int dfv_session_open(const dfv_session_desc *desc, dfv_session **out, char err[DFV_ERR_LEN]);
void dfv_session_close(dfv_session *s);

const dfv_model_config *dfv_session_config(const dfv_session *s);
const dfv_sampler_settings *dfv_session_settings(const dfv_session *s);
const char *dfv_session_device_name(const dfv_session *s);
const char *dfv_session_model_path(const dfv_session *s);
/* The seed in use: the one given, the bundled one when the model was defaulted, else world:maze:1. */
const char *dfv_session_seed_spec(const dfv_session *s);
/* Frame size in pixels (Oasis-500M: 640 × 360). */
int dfv_session_width(const dfv_session *s);
int dfv_session_height(const dfv_session *s);
size_t dfv_session_frame_bytes(const dfv_session *s); /* width × height × 3 */
int dfv_session_context_frames(const dfv_session *s);
/* The model family: "unet3d" or "oasis". */
const char *dfv_session_family_name(const dfv_session *s);
/* Whether world:KIND:N seeds (the simulators' square frames) fit this model; only pixel-space models do. */
bool dfv_session_takes_world_seeds(const dfv_session *s);
/* Floats of model state kept per frame (0: none). */
size_t dfv_session_state_floats(const dfv_session *s);
/* Changes live knobs (steps, stabilization, schedule, window, rng seed); the next step uses them. */
int dfv_session_update(dfv_session *s, const dfv_sampler_settings *settings, char err[DFV_ERR_LEN]);

/* What an image or video seed of `frames` frames must become for this model (its size and resize rule):
 * dfv_session_load_seed asks the loader for this with its context frames; `eval --video` for a clip. */
dfv_seed_request dfv_session_seed_request(const dfv_session *s, int frames);
/* Decodes the seed into `context_frames` RGB24 frames of width × height (caller's buffer). */
int dfv_session_load_seed(dfv_session *s, const char *seed_spec, uint8_t *rgb, char err[DFV_ERR_LEN]);
/* The states of `n` seed frames (n × state_floats floats; nothing when the model keeps none). */
int dfv_session_encode_seed(dfv_session *s, const uint8_t *rgb, int n, float *state, char err[DFV_ERR_LEN]);

/* The next frame after `n` context frames (RGB24 and their states, n × state_floats floats or NULL when
 * the model keeps none; oldest first, the last window-1 are used) whose first has absolute index
 * `first_index` in the rollout; `actions` holds n + 1 rows (the context's and the new frame's). Writes
 * one RGB24 frame and its state (out_state: state_floats floats, or NULL when none). */
int dfv_session_next(dfv_session *s, const uint8_t *context, const float *state, int n, int64_t first_index,
                     const float *actions, uint8_t *out_rgb, float *out_state, char err[DFV_ERR_LEN]);
/* The action a seed frame carries: the model's "none" when it has one (what training data gives frames
 * nobody acted on), else zeros (Oasis: generate.py's load_actions puts a zero row before the first). */
void dfv_session_idle_action(const dfv_session *s, float *out);
/* Network calls the last dfv_session_next made. */
int dfv_session_calls_last(const dfv_session *s);
/* The model's action names, action_dim of them. */
const char *const *dfv_session_action_names(const dfv_session *s);

#endif
