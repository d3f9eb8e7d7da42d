/* The Vulkan compute core: context, buffers, pipelines, command sequences.
 *
 * Errors (dfv_common.h's convention, with the context as the caller's buffer): library code never exits;
 * every fallible call returns DFV_OK or a dfv_status. A call that makes the context or needs none
 * (dfv_ctx_create, dfv_devices_print, opening a model file) writes its one line into the caller's
 * char err[DFV_ERR_LEN]. A call on a context, or on anything made from one (buffers, pipelines, sequences,
 * the ops, the networks of unet.h and oasis.h), leaves its one line in the context's DFV_ERR_LEN buffer
 * ("vkCreateDevice: VK_ERROR_INITIALIZATION_FAILED (compute/vk_context.c:123)"), which dfv_ctx_error()
 * returns until the next failure; whoever calls the engine copies it into its own err. */
#ifndef DFV_VK_CORE_H
#define DFV_VK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vulkan/vulkan.h>

#include "dfv_common.h"


typedef enum {
    DFV_OK = 0,
    DFV_ERR_VULKAN = -1,      /* a Vulkan call failed */
    DFV_ERR_NO_DEVICE = -2,   /* no loader, no device, or the chosen index does not exist */
    DFV_ERR_UNSUPPORTED = -3, /* the device lacks a feature or limit the request needs */
    DFV_ERR_ARGUMENT = -4,    /* bad shapes, sizes, or descriptors */
    DFV_ERR_MEMORY = -5,      /* host or device allocation failed */
    DFV_ERR_IO = -6,
} dfv_status;

/* ---- context and device ------------------------------------------------------------------------ */

typedef struct dfv_ctx dfv_ctx;

#define DFV_DEVICE_AUTO 0
#define DFV_DEVICE(index) ((index) + 1)

typedef struct {
    /* DFV_DEVICE_AUTO (0, so a zeroed desc picks automatically): DFVIEW_DEVICE if set, else the best by type
     * (discrete > integrated > virtual > cpu); DFV_DEVICE(i): device i as `dfview devices` lists it. */
    int device;
    bool validate;    /* also enabled by DFVIEW_VALIDATE=1 */
    bool profile;     /* per-dispatch timestamps; also DFVIEW_PROFILE=1 */
} dfv_ctx_desc;

typedef struct {
    uint32_t m, n, k;
    bool f16_accumulate; /* false: f16 inputs with f32 accumulator */
} dfv_coopmat_shape;

typedef struct {
    char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
    char driver[VK_MAX_DRIVER_NAME_SIZE + VK_MAX_DRIVER_INFO_SIZE + 2];
    VkPhysicalDeviceType type;
    uint32_t vendor_id, device_id, driver_version, api_version;
    uint8_t pipeline_cache_uuid[VK_UUID_SIZE];
    uint32_t subgroup_size;
    uint32_t max_shared_memory;
    uint64_t max_storage_buffer_range;
    uint32_t max_workgroup_invocations;
    uint32_t max_workgroup_count[3];
    uint32_t min_storage_buffer_offset_alignment;
    uint32_t max_push_constants;
    bool fp16_storage;    /* storageBuffer16BitAccess */
    bool fp16_arithmetic; /* shaderFloat16 */
    bool coopmat_nv;
    bool coopmat_khr;
    int coopmat_shape_count;
    dfv_coopmat_shape coopmat_shapes[16];
    int heap_count;
    uint64_t heap_size[VK_MAX_MEMORY_HEAPS];
    bool heap_device_local[VK_MAX_MEMORY_HEAPS];
    bool timestamps; /* compute queue supports timestamps */
    float timestamp_period_ns;
    /* Run the shader variants tuned for CPUs (lavapipe). By default on CPU devices only; DFVIEW_SHADERS=gpu
     * or cpu forces one family on any device, so that CI runs the GPU variants on lavapipe too. */
    bool cpu_shaders;
} dfv_device_caps;

dfv_status dfv_ctx_create(const dfv_ctx_desc *desc, dfv_ctx **out, char err[DFV_ERR_LEN]);
void dfv_ctx_destroy(dfv_ctx *ctx);
const dfv_device_caps *dfv_ctx_caps(const dfv_ctx *ctx);
/* The message of the last call on this context (or on what was made from it) that failed. */
const char *dfv_ctx_error(const dfv_ctx *ctx);
/* Records a one-line message as the context's error and returns status, for `return dfv_ctx_fail(...)`
 * in code built on the context (the networks); the core adds " (file:line)" through dfv_fail instead. */
dfv_status dfv_ctx_fail(dfv_ctx *ctx, dfv_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Number of validation-layer messages (warnings and errors) seen so far; tests fail when non-zero. */
int dfv_ctx_validation_messages(const dfv_ctx *ctx);
/* Whether a persisted pipeline cache passed validation and was loaded at creation. */
bool dfv_ctx_pipeline_cache_loaded(const dfv_ctx *ctx);
/* Prints every device with the capabilities that matter; marks the one dfv_ctx_create would pick. */
dfv_status dfv_devices_print(FILE *out, char err[DFV_ERR_LEN]);

/* ---- buffers ----------------------------------------------------------------------------------- */

typedef enum {
    DFV_MEM_DEVICE, /* device-local; filled and read through staging */
    DFV_MEM_HOST,   /* host-visible and coherent, mapped for its lifetime */
} dfv_mem_kind;

typedef struct dfv_buffer dfv_buffer;

/* Fails with DFV_ERR_UNSUPPORTED when bytes exceed what one storage binding may cover. */
dfv_status dfv_buffer_create(dfv_ctx *ctx, size_t bytes, dfv_mem_kind kind, dfv_buffer **out);
void dfv_buffer_destroy(dfv_ctx *ctx, dfv_buffer *buf);
size_t dfv_buffer_size(const dfv_buffer *buf);
void *dfv_buffer_map(dfv_buffer *buf); /* NULL unless DFV_MEM_HOST */
/* Synchronous copies through a staging buffer (or memcpy for host buffers); wait for the queue idle. */
dfv_status dfv_buffer_upload(dfv_ctx *ctx, dfv_buffer *dst, size_t offset, const void *src, size_t bytes);
dfv_status dfv_buffer_download(dfv_ctx *ctx, const dfv_buffer *src, size_t offset, void *dst, size_t bytes);

/* ---- tensors: a typed view into a buffer --------------------------------------------------------- */

typedef enum { DFV_F32 = 0, DFV_F16 = 1 } dfv_dtype;

/* Layout is frame-major NCHW: element (t, c, y, x) at ((t*c_n + c)*h + y)*w + x. Matrices and vectors use
 * t = 1 and h = 1 (a Linear weight of shape out x in is {t=1, c=out, h=1, w=in}). */
typedef struct {
    dfv_buffer *buf;
    size_t offset; /* bytes; a multiple of the device's minStorageBufferOffsetAlignment */
    dfv_dtype dtype;
    int t, c, h, w;
} dfv_tensor;

static inline size_t dfv_tensor_count(dfv_tensor x) { return (size_t)x.t * x.c * x.h * x.w; }
static inline size_t dfv_dtype_size(dfv_dtype d) { return d == DFV_F16 ? 2 : 4; }
static inline size_t dfv_tensor_bytes(dfv_tensor x) { return dfv_tensor_count(x) * dfv_dtype_size(x.dtype); }

/* ---- pipelines --------------------------------------------------------------------------------- */

/* SPIR-V embedded at build time; see shaders/meson.build. */
typedef struct {
    const char *name; /* e.g. "conv2d_f16" */
    const uint32_t *code;
    size_t size; /* bytes */
    uint32_t binding_count;
    uint32_t push_size;
    /* Bit i: binding i is a uniform texel buffer (samplerBuffer) over the whole buffer, fp16 texels when
     * texel_f16, instead of a storage buffer. On lavapipe a texel fetch is one vector gather, while a
     * storage-buffer load at lane-varying addresses runs a bounds-checked scalar loop over the lanes. The
     * shader then adds the binding's offset itself (dfv_texel_base). */
    uint32_t texel_mask;
    bool texel_f16;
} dfv_shader;

typedef struct dfv_pipeline dfv_pipeline;

/* Cached per (shader, specialization constants) in the context (the shader is identified by its code
 * pointer and copied, so a temporary dfv_shader is fine); the VkPipelineCache is persisted under
 * $XDG_CACHE_HOME/dfview/ and validated against vendor, device, driver and pipelineCacheUUID. */
dfv_status dfv_pipeline_get(dfv_ctx *ctx, const dfv_shader *shader, const uint32_t *spec, uint32_t spec_count,
                            dfv_pipeline **out);

/* ---- command sequences ------------------------------------------------------------------------- */

typedef struct dfv_seq dfv_seq;

typedef struct {
    dfv_buffer *buf;
    size_t offset, range; /* bytes */
    bool write;
} dfv_binding;

static inline dfv_binding dfv_bind_in(dfv_tensor x) { return (dfv_binding){x.buf, x.offset, dfv_tensor_bytes(x), false}; }
static inline dfv_binding dfv_bind_out(dfv_tensor x) { return (dfv_binding){x.buf, x.offset, dfv_tensor_bytes(x), true}; }
/* The element index of a tensor's first value in its buffer: the base a texel-buffer binding adds. */
static inline int32_t dfv_texel_base(dfv_tensor x) { return (int32_t)(x.offset / dfv_dtype_size(x.dtype)); }

typedef struct {
    const char *label; /* op name for profiling */
    double flops;      /* or bytes moved for memory-bound ops, with is_bytes set */
    bool is_bytes;
} dfv_dispatch_info;

/* A sequence is recorded once and submitted many times. A barrier is inserted before a dispatch only
 * when it reads or writes a range that an earlier dispatch of the sequence wrote (or writes one that an
 * earlier dispatch read). */
dfv_status dfv_seq_create(dfv_ctx *ctx, dfv_seq **out);
void dfv_seq_destroy(dfv_seq *seq);
dfv_status dfv_seq_dispatch(dfv_seq *seq, dfv_pipeline *pipe, const dfv_binding *bindings, uint32_t binding_count,
                            const void *push, uint32_t push_size, uint32_t gx, uint32_t gy, uint32_t gz,
                            const dfv_dispatch_info *info);
dfv_status dfv_seq_submit(dfv_seq *seq); /* ends recording on first use; waits for completion */
int dfv_seq_dispatch_count(const dfv_seq *seq);
int dfv_seq_barrier_count(const dfv_seq *seq); /* barriers the hazard tracking inserted */
/* With profiling on: after a submit, µs and GFLOP/s (or GB/s) per op of the top_n most expensive (all
 * for 0); top_n < 0 also lists every dispatch in order first. */
void dfv_seq_profile_print(const dfv_seq *seq, FILE *out, int top_n);
double dfv_seq_last_gpu_ms(const dfv_seq *seq); /* total of the last submit, -1 if not profiled */
dfv_ctx *dfv_seq_ctx(dfv_seq *seq);

#endif
