/* A dfview model file: the `dfview` configuration from the safetensors metadata (schema in
 * models/README.md), checked for range and consistency, and the tensor table checked against the list
 * of names and shapes the configuration implies (the official Unet3D state_dict). Nothing here touches
 * a GPU: a model that opens is safe to upload. */
#ifndef DFV_MODEL_H
#define DFV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfv_common.h"
#include "safetensors.h"

#define DFV_MODEL_MAX_LEVELS 6
#define DFV_MODEL_MAX_BINDINGS 8 /* keys per action */
#define DFV_MODEL_MAX_DIM_HEAD 256 /* the config accepts 2..256 */
/* The optional fp32 tensor {dim_head/2} of rotary frequencies, under its official name. */
#define DFV_MODEL_ROTARY_FREQS "rotary_time_pos_embedding.freqs"

typedef enum { DFV_OBJECTIVE_V = 0, DFV_OBJECTIVE_EPS = 1, DFV_OBJECTIVE_X0 = 2 } dfv_objective;

typedef struct {
    int channels, resolution, frame_stack;
    int dim, levels, dim_mults[DFV_MODEL_MAX_LEVELS];
    int heads, dim_head;
    bool linear_attention;
    int init_kernel;
    int groupnorm_groups;
    float groupnorm_eps;
    bool groupnorm_per_frame;
    float layernorm_eps;
    bool rotary, causal;
} dfv_model_arch;

typedef struct {
    int timesteps;
    dfv_objective objective;
    char beta_schedule[32];
    float *alphas_cumprod; /* timesteps values, non-increasing, in (0, 1) */
    int stabilization_level;
    bool context_noise; /* clean frames enter with real noise at the stabilization level (an extension) */
    float clip_noise;
    int sampling_steps;
    float eta;
    char scheduling[32]; /* "autoregressive", "full_sequence", "pyramid:U", "trapezoid:U" */
    int chunk_size, context_frames, window;
} dfv_model_diffusion;

typedef struct {
    char name[32];
    int key_count;
    char keys[DFV_MODEL_MAX_BINDINGS][32];
} dfv_model_action;

typedef struct {
    int dim; /* 0: not action-conditioned */
    dfv_action_kind kind;
    dfv_model_action actions[DFV_MAX_ACTIONS]; /* dim entries, each named */
} dfv_model_actions;

typedef struct {
    char source[256], training_data[256], license[128], weights_sha256[65];
    int64_t steps; /* -1: unknown */
} dfv_model_provenance;

typedef struct {
    char name[64];
    dfv_model_arch arch;
    dfv_model_diffusion diffusion;
    float data_mean, data_std;
    dfv_model_actions actions;
    dfv_model_provenance provenance;
} dfv_model_config;

/* Parses and range-checks the `dfview` metadata JSON; `label` (the file) starts every error line.
 * On success the config owns alphas_cumprod: release it with dfv_model_config_free. */
dfv_status dfv_model_config_parse(const char *json, size_t length, const char *label, dfv_model_config *out,
                                  char err[DFV_ERR_LEN]);
void dfv_model_config_free(dfv_model_config *config);

/* The tensors a configuration implies, in a stable order. */
typedef struct {
    char name[96];
    int ndim;
    int64_t shape[5];
} dfv_model_tensor_spec;

/* Returns how many tensors the config implies; fills up to `capacity` entries of `out` (may be NULL). */
int dfv_model_tensor_specs(const dfv_model_config *config, dfv_model_tensor_spec *out, int capacity);
int64_t dfv_model_parameter_count(const dfv_model_config *config);
/* Multiply-adds ×2 of convolutions, linear layers and attention products for one call on a window of
 * `frames` frames (norms, activations and resampling are not counted, like PyTorch's FLOP counter). */
double dfv_model_flops(const dfv_model_config *config, int frames);
/* Network input channels: channels × frame_stack. */
int dfv_model_in_channels(const dfv_model_config *config);
/* Spatial attention at this place is linear ('d'own level i, 'm'id, 'u'p level j). */
bool dfv_model_linear_attention_at(const dfv_model_arch *arch, char where, int index);

typedef struct dfv_model dfv_model;

/* Opens a safetensors model, validates config and tensors completely. */
dfv_status dfv_model_open(const char *path, dfv_model **out, char err[DFV_ERR_LEN]);
/* The same on bytes the caller keeps alive (tests, fuzzing). */
dfv_status dfv_model_parse(const void *bytes, size_t size, const char *label, dfv_model **out, char err[DFV_ERR_LEN]);
void dfv_model_close(dfv_model *model);

const dfv_model_config *dfv_model_get_config(const dfv_model *model);
const dfv_st_file *dfv_model_file(const dfv_model *model);
/* A tensor by its state_dict name, or NULL. */
const dfv_st_tensor *dfv_model_tensor(const dfv_model *model, const char *name);
/* Copies a tensor as float32; fails (one line) when the name is unknown or `count` does not match. */
dfv_status dfv_model_tensor_f32(const dfv_model *model, const char *name, float *out, size_t count,
                                char err[DFV_ERR_LEN]);

/* The temporal attention's rotary frequencies, dim_head/2 values: the file's DFV_MODEL_ROTARY_FREQS, or
 * the default 1/10000^(2i/dim_head) when it stores none. *stored (may be NULL): the file's differ from
 * the default. */
const float *dfv_model_rotary_freqs(const dfv_model *model, bool *stored);
/* What rotary_embedding_torch computes when a model stores none: 1/10000^(2i/dim_head) in fp32. */
void dfv_rotary_default_freqs(int dim_head, float *out);

const char *dfv_objective_name(dfv_objective objective);
const char *dfv_action_kind_name(dfv_action_kind kind);

#endif
