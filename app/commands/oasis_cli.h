/* What the commands that run Oasis models share (forward, encode, decode, info, bench): which family a model
 * file holds, the Oasis networks opened on a device, and their analytic cost. */
#ifndef DFV_OASIS_CLI_H
#define DFV_OASIS_CLI_H

#include <stdbool.h>

#include "engine.h" /* dfv_engine_desc: --model, --device, --fp16 */
#include "model_family.h"
#include "npy_io.h"
#include "oasis.h"

enum { DFV_OASIS_DIT = 1, DFV_OASIS_VAE = 2 };

typedef struct {
    dfv_ctx *ctx;
    dfv_oasis_model *model;
    dfv_dit *dit;     /* when DFV_OASIS_DIT was asked for */
    dfv_vit_vae *vae; /* when DFV_OASIS_VAE was asked for */
} dfv_oasis_engine;

/* Opens the model (validated before any GPU is touched), the device, then uploads the networks in
 * `parts` (DFV_OASIS_DIT | DFV_OASIS_VAE), fp16 when desc->fp16. */
int dfv_oasis_engine_open(const dfv_engine_desc *desc, int parts, dfv_oasis_engine *out, char err[DFV_ERR_LEN]);
/* The model alone (no device), for checks before the upload. */
int dfv_oasis_engine_open_model(const dfv_engine_desc *desc, dfv_oasis_engine *out, char err[DFV_ERR_LEN]);
int dfv_oasis_engine_upload(const dfv_engine_desc *desc, int parts, dfv_oasis_engine *e, char err[DFV_ERR_LEN]);
void dfv_oasis_engine_close(dfv_oasis_engine *e);

/* Refuses (one line in err) a .npy whose shape is not `want` (ndim values; a negative one is any size ≥ 1,
 * named in the message: -1 B, -2 T, -3 N). */
bool dfv_npy_check_shape(const dfv_npy *a, const char *what, int ndim, const int64_t *want, char err[DFV_ERR_LEN]);

/* dfview forward on an Oasis model (cmd_forward_oasis.c); the paths as parsed by cmd_forward.c. */
typedef struct {
    dfv_engine_desc engine;
    const char *input, *timesteps, *actions, *output; /* actions may be NULL (zeros) */
    int cache_context;
} dfv_oasis_forward_job;
int dfv_oasis_forward(const dfv_oasis_forward_job *job);
/* dfview bench on an Oasis model (cmd_bench_oasis.c): argv as dfview bench has it. */
int dfv_bench_oasis(int argc, char **argv);
/* dfview info on an Oasis model file (cmd_info_oasis.c); returns the exit code. */
int dfv_info_oasis(const char *path);
/* The card's `file` lines, the same for every family (cmd_info.c). */
void dfv_info_print_file(const char *path, const dfv_st_file *file);

/* Analytic cost in FLOP (a multiply-add is 2) of the official computation: */
/* one DiT forward over `frames` frames (attention over the whole causal window, as the official code); */
double dfv_oasis_dit_flops(const dfv_oasis_dit_arch *a, int frames);
/* `frames` new frames after `context` cached ones (dfv_dit_forward_cached); */
double dfv_oasis_dit_cached_flops(const dfv_oasis_dit_arch *a, int context, int frames);
/* one image through the ViT-VAE's encoder (decoder false) or decoder (true); */
double dfv_oasis_vae_flops(const dfv_oasis_vae_arch *a, bool decoder);
/* one new frame with `steps` DDIM steps over a `window`-frame window: generate.py's loop (every step on
 * the whole window) or dfview's cached one (the context once, each step on the new frame). */
double dfv_oasis_frame_flops(const dfv_oasis_dit_arch *a, int steps, int window, bool cached);

#endif
