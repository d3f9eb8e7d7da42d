/* Private to compute/: the structures behind the opaque handles of vk_core.h, the Vulkan function table
 * and the error helpers. Ops include vk_op_util.h instead. */
#ifndef DFV_VK_INTERNAL_H
#define DFV_VK_INTERNAL_H

#include "vk_core.h"

/* The loader is opened at run time (dlopen) so that a machine without one gets a clear message rather
 * than a dynamic-linker failure; every Vulkan entry point therefore lives in this per-context table. */
#define DFV_VK_GLOBAL_FUNCS(X)                                                                                 \
    X(vkCreateInstance)                                                                                        \
    X(vkEnumerateInstanceExtensionProperties)                                                                  \
    X(vkEnumerateInstanceLayerProperties)                                                                      \
    X(vkEnumerateInstanceVersion)

#define DFV_VK_INSTANCE_FUNCS(X)                                                                               \
    X(vkDestroyInstance)                                                                                       \
    X(vkEnumeratePhysicalDevices)                                                                              \
    X(vkGetPhysicalDeviceProperties)                                                                           \
    X(vkGetPhysicalDeviceProperties2)                                                                          \
    X(vkGetPhysicalDeviceFeatures2)                                                                            \
    X(vkGetPhysicalDeviceMemoryProperties)                                                                     \
    X(vkGetPhysicalDeviceQueueFamilyProperties)                                                                \
    X(vkEnumerateDeviceExtensionProperties)                                                                    \
    X(vkCreateDevice)                                                                                          \
    X(vkGetDeviceProcAddr)

/* Looked up by name but allowed to be missing (extensions). */
#define DFV_VK_OPTIONAL_INSTANCE_FUNCS(X)                                                                      \
    X(vkCreateDebugUtilsMessengerEXT)                                                                          \
    X(vkDestroyDebugUtilsMessengerEXT)                                                                         \
    X(vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)

#define DFV_VK_DEVICE_FUNCS(X)                                                                                 \
    X(vkDestroyDevice)                                                                                         \
    X(vkGetDeviceQueue)                                                                                        \
    X(vkDeviceWaitIdle)                                                                                        \
    X(vkQueueSubmit)                                                                                           \
    X(vkCreateBuffer)                                                                                          \
    X(vkDestroyBuffer)                                                                                         \
    X(vkCreateBufferView)                                                                                      \
    X(vkDestroyBufferView)                                                                                     \
    X(vkGetBufferMemoryRequirements)                                                                           \
    X(vkAllocateMemory)                                                                                        \
    X(vkFreeMemory)                                                                                            \
    X(vkBindBufferMemory)                                                                                      \
    X(vkMapMemory)                                                                                             \
    X(vkUnmapMemory)                                                                                           \
    X(vkCreateShaderModule)                                                                                    \
    X(vkDestroyShaderModule)                                                                                   \
    X(vkCreatePipelineCache)                                                                                   \
    X(vkDestroyPipelineCache)                                                                                  \
    X(vkGetPipelineCacheData)                                                                                  \
    X(vkCreateDescriptorSetLayout)                                                                             \
    X(vkDestroyDescriptorSetLayout)                                                                            \
    X(vkCreatePipelineLayout)                                                                                  \
    X(vkDestroyPipelineLayout)                                                                                 \
    X(vkCreateComputePipelines)                                                                                \
    X(vkDestroyPipeline)                                                                                       \
    X(vkCreateDescriptorPool)                                                                                  \
    X(vkDestroyDescriptorPool)                                                                                 \
    X(vkAllocateDescriptorSets)                                                                                \
    X(vkUpdateDescriptorSets)                                                                                  \
    X(vkCreateCommandPool)                                                                                     \
    X(vkDestroyCommandPool)                                                                                    \
    X(vkAllocateCommandBuffers)                                                                                \
    X(vkFreeCommandBuffers)                                                                                    \
    X(vkBeginCommandBuffer)                                                                                    \
    X(vkEndCommandBuffer)                                                                                      \
    X(vkCmdBindPipeline)                                                                                       \
    X(vkCmdBindDescriptorSets)                                                                                 \
    X(vkCmdPushConstants)                                                                                      \
    X(vkCmdDispatch)                                                                                           \
    X(vkCmdPipelineBarrier)                                                                                    \
    X(vkCmdCopyBuffer)                                                                                         \
    X(vkCmdFillBuffer)                                                                                         \
    X(vkCmdWriteTimestamp)                                                                                     \
    X(vkCmdResetQueryPool)                                                                                     \
    X(vkCreateQueryPool)                                                                                       \
    X(vkDestroyQueryPool)                                                                                      \
    X(vkGetQueryPoolResults)                                                                                   \
    X(vkCreateFence)                                                                                           \
    X(vkDestroyFence)                                                                                          \
    X(vkWaitForFences)                                                                                         \
    X(vkResetFences)

#define DFV_VK_DECLARE_PFN(name) PFN_##name name;

typedef struct {
    void *library;
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
    DFV_VK_GLOBAL_FUNCS(DFV_VK_DECLARE_PFN)
    DFV_VK_INSTANCE_FUNCS(DFV_VK_DECLARE_PFN)
    DFV_VK_OPTIONAL_INSTANCE_FUNCS(DFV_VK_DECLARE_PFN)
    DFV_VK_DEVICE_FUNCS(DFV_VK_DECLARE_PFN)
} dfv_vk_table;

/* vk_loader.c: open the loader and resolve the entry points in stages. */
dfv_status dfv_vk_load_global(dfv_vk_table *vk, char err[DFV_ERR_LEN]);
dfv_status dfv_vk_load_instance(dfv_vk_table *vk, VkInstance instance, char err[DFV_ERR_LEN]);
dfv_status dfv_vk_load_device(dfv_vk_table *vk, VkDevice device, char err[DFV_ERR_LEN]);
void dfv_vk_unload(dfv_vk_table *vk);

/* vk_error.c */
const char *dfv_vk_result_name(VkResult r);
/* Formats "what: detail (file:line)" into err; returns status for `return dfv_fail(...)`. */
dfv_status dfv_fail_at(char err[DFV_ERR_LEN], dfv_status status, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define dfv_fail(err, status, ...) dfv_fail_at((err), (status), __FILE__, __LINE__, __VA_ARGS__)

/* Calls ctx->vk.fn(...) and checks the VkResult; on failure records "fn: VK_ERROR_... (file:line)" in
 * ctx->error and jumps to the local label `fail` with `status` set. The enclosing function needs a
 * `dfv_status status` and a `fail:` label. */
#define VK(ctx, fn, ...)                                                                                       \
    do {                                                                                                       \
        VkResult dfv_vk_result_ = (ctx)->vk.fn(__VA_ARGS__);                                                   \
        if (dfv_vk_result_ < 0) {                                                                              \
            status = dfv_fail((ctx)->error, dfv_vk_status(dfv_vk_result_), "%s: %s", #fn,                       \
                              dfv_vk_result_name(dfv_vk_result_));                                             \
            goto fail;                                                                                         \
        }                                                                                                      \
    } while (0)

dfv_status dfv_vk_status(VkResult r);

/* ---- the handles ------------------------------------------------------------------------------- */

struct dfv_pipeline {
    dfv_shader shader; /* a copy: callers may describe shaders in temporaries */
    uint32_t spec[8];
    uint32_t spec_count;
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
};

struct dfv_ctx {
    dfv_vk_table vk;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice physical;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    dfv_device_caps caps;
    VkPhysicalDeviceMemoryProperties memory;
    bool validate, profile;
    int validation_messages;
    char error[DFV_ERR_LEN];

    VkPipelineCache pipeline_cache;
    bool pipeline_cache_loaded;
    char pipeline_cache_path[1024];
    dfv_pipeline **pipelines;
    int pipeline_count, pipeline_capacity;

    /* For synchronous uploads/downloads. */
    VkCommandPool transfer_pool;
    VkCommandBuffer transfer_cmd;
    VkFence transfer_fence;
    dfv_buffer *staging;
};

struct dfv_buffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    size_t size;
    dfv_mem_kind kind;
    void *mapped; /* set whenever the memory is host-visible and coherent, whatever the kind */
    VkBufferView texel_views[2]; /* the whole buffer as R32_SFLOAT / R16_SFLOAT texels, made on first use */
};

/* The buffer as a uniform texel buffer of fp32 or fp16 elements (see dfv_shader.texel_mask). */
dfv_status dfv_buffer_texel_view(dfv_ctx *ctx, dfv_buffer *buf, bool f16, VkBufferView *out);

/* vk_context.c helpers shared by the other files */
int dfv_ctx_find_memory_type(const dfv_ctx *ctx, uint32_t type_bits, VkMemoryPropertyFlags required,
                             VkMemoryPropertyFlags preferred);

/* vk_pipeline_cache.c */
void dfv_pipeline_cache_open(dfv_ctx *ctx);  /* never fails: a bad file just means an empty cache */
void dfv_pipeline_cache_close(dfv_ctx *ctx); /* saves (best effort) and destroys */
void dfv_pipelines_destroy(dfv_ctx *ctx);

/* vk_buffer.c */
void dfv_staging_destroy(dfv_ctx *ctx);

#endif
