/* What the Oasis DiT and ViT-VAE graphs share (internal to compute/dit.c and compute/vit_vae.c): device
 * tensors they own, weights uploaded from the model file (optionally with rows reordered or scaled), and
 * rotary cos/sin tables computed from frequencies the way the official code computes its angles. Errors
 * are the context's (dfv_ctx_fail), like every other call on it. */
#ifndef DFV_OASIS_GRAPH_H
#define DFV_OASIS_GRAPH_H

#include "oasis.h"
#include "ops.h"

typedef struct {
    dfv_ctx *ctx;
    const dfv_oasis_model *model;
    dfv_dtype dtype; /* of weights and activations: fp32, or fp16 storage with fp32 arithmetic */
    dfv_buffer **buffers;
    int count, capacity;
} dfv_oasis_graph;

/* A new device tensor owned by g, in g's dtype (_f32: always fp32, for tables and noise levels). */
dfv_status dfv_oasis_graph_tensor(dfv_oasis_graph *g, int t, int c, int h, int w, dfv_tensor *out);
dfv_status dfv_oasis_graph_tensor_f32(dfv_oasis_graph *g, int t, int c, int h, int w, dfv_tensor *out);
/* Host floats to and from a whole tensor, converted to / from fp16 when the tensor is. */
dfv_status dfv_oasis_graph_upload(dfv_oasis_graph *g, dfv_tensor x, const float *values);
dfv_status dfv_oasis_graph_download(dfv_oasis_graph *g, dfv_tensor x, float *values);
/* Frees every tensor of g from index `keep` on (0: all). */
void dfv_oasis_graph_release(dfv_oasis_graph *g, int keep);

/* Rows of a weight as the graph wants them: row i of the upload is row order[i] of the file's tensor
 * (NULL: unchanged), times scale (0: 1); only the first `rows` rows (0: all). */
typedef struct {
    const int *order;
    int rows;
    float scale;
} dfv_oasis_rows;

/* Uploads the model tensor `name` viewed as {t, c, h, w} (its element count must match, after `rows`). */
dfv_status dfv_oasis_graph_weight(dfv_oasis_graph *g, const char *name, int t, int c, int h, int w,
                                  const dfv_oasis_rows *rows, dfv_tensor *out);

/* Rotary tables {1, positions, 2, pairs} (cos then sin per position), fp32 on the device:
 * axial: positions h·w; pairs 2·n: pair i < n turns by row_pos·freqs[i], the rest by col_pos·freqs[i − n],
 *        positions evenly spaced over [−1, 1] as torch.linspace(-1, 1) makes them;
 * sequence: positions 0…length−1, pairs n, angle position·freqs[i].
 * Angles are products in float32 like the official code's; cos and sin are taken in double. */
dfv_status dfv_oasis_axial_table(dfv_oasis_graph *g, const float *freqs, int n, int h, int w, dfv_tensor *out);
dfv_status dfv_oasis_sequence_table(dfv_oasis_graph *g, const float *freqs, int n, int length, dfv_tensor *out);
/* The DiT's context, where the sampler reports its errors. */
dfv_ctx *dfv_dit_ctx(dfv_dit *net);

/* torch.linspace(start, end, steps) in float32 (the halves counted from each end). */
void dfv_oasis_linspace(float start, float end, int steps, float *out);

#endif
