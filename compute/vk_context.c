/* The context: instance (with the validation layer on request), the chosen device and its compute queue,
 * the objects for synchronous transfers, and the pipeline cache. */
#include <stdlib.h>
#include <string.h>

#include "vk_device.h"

static const char *const dfv_validation_layer = "VK_LAYER_KHRONOS_validation";

static bool dfv_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL dfv_on_validation_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                                VkDebugUtilsMessageTypeFlagsEXT types,
                                                                const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                                void *user)
{
    (void)types;
    dfv_ctx *ctx = user;
    if (severity < VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT)
        return VK_FALSE;
    ctx->validation_messages++;
    fprintf(stderr, "vulkan validation %s: %s\n",
            severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
            data && data->pMessage ? data->pMessage : "(no message)");
    return VK_FALSE;
}

static bool dfv_layer_present(const dfv_vk_table *vk, const char *name)
{
    uint32_t count = 0;
    if (!vk->vkEnumerateInstanceLayerProperties || vk->vkEnumerateInstanceLayerProperties(&count, NULL) < 0)
        return false;
    VkLayerProperties *layers = calloc(count ? count : 1, sizeof *layers);
    bool found = false;
    if (layers && vk->vkEnumerateInstanceLayerProperties(&count, layers) >= 0)
        for (uint32_t i = 0; i < count && !found; i++)
            found = !strcmp(layers[i].layerName, name);
    free(layers);
    return found;
}

/* Loader + instance (+ messenger when validating); enough for enumerating devices. */
static dfv_status dfv_instance_open(dfv_ctx *ctx, bool validate)
{
    dfv_status status = dfv_vk_load_global(&ctx->vk, ctx->error);
    if (status)
        return status;
    uint32_t loader_version = VK_API_VERSION_1_0;
    if (ctx->vk.vkEnumerateInstanceVersion)
        ctx->vk.vkEnumerateInstanceVersion(&loader_version);
    if (loader_version < VK_API_VERSION_1_1)
        return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED, "the Vulkan loader supports only Vulkan 1.0; dfview needs 1.1");
    if (validate && !dfv_layer_present(&ctx->vk, dfv_validation_layer))
        return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED,
                        "DFVIEW_VALIDATE needs %s (install vulkan-validationlayers)", dfv_validation_layer);

    const char *extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "dfview",
        .pEngineName = "dfview",
        .apiVersion = loader_version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : loader_version,
    };
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
        .enabledLayerCount = validate ? 1 : 0,
        .ppEnabledLayerNames = validate ? &dfv_validation_layer : NULL,
        .enabledExtensionCount = validate ? 1 : 0,
        .ppEnabledExtensionNames = validate ? extensions : NULL,
    };
    VkResult r = ctx->vk.vkCreateInstance(&info, NULL, &ctx->instance);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        return dfv_fail(ctx->error, DFV_ERR_NO_DEVICE,
                        "vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER: no Vulkan driver (ICD) found; on a machine "
                        "without a GPU install mesa-vulkan-drivers");
    if (r < 0)
        return dfv_fail(ctx->error, dfv_vk_status(r), "vkCreateInstance: %s", dfv_vk_result_name(r));
    status = dfv_vk_load_instance(&ctx->vk, ctx->instance, ctx->error);
    if (status)
        return status;
    if (validate) {
        VkDebugUtilsMessengerCreateInfoEXT messenger = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
            .pfnUserCallback = dfv_on_validation_message,
            .pUserData = ctx,
        };
        if (!ctx->vk.vkCreateDebugUtilsMessengerEXT)
            return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED, "validation requested but %s is missing",
                            VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        VK(ctx, vkCreateDebugUtilsMessengerEXT, ctx->instance, &messenger, NULL, &ctx->messenger);
    }
    return DFV_OK;
fail:
    return status;
}

static void dfv_instance_close(dfv_ctx *ctx)
{
    if (ctx->messenger && ctx->vk.vkDestroyDebugUtilsMessengerEXT)
        ctx->vk.vkDestroyDebugUtilsMessengerEXT(ctx->instance, ctx->messenger, NULL);
    if (ctx->instance && ctx->vk.vkDestroyInstance)
        ctx->vk.vkDestroyInstance(ctx->instance, NULL);
    dfv_vk_unload(&ctx->vk);
}

static dfv_status dfv_device_open(dfv_ctx *ctx, const dfv_device_info *info)
{
    dfv_status status = DFV_OK;
    const dfv_device_caps *caps = &info->caps;
    bool v12 = caps->api_version >= VK_API_VERSION_1_2;
    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = info->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    /* Request the optional features only where present, so device creation never fails for them. */
    VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
        .cooperativeMatrix = VK_TRUE,
    };
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
        .pNext = caps->coopmat_nv ? &coopmat : NULL,
        .shaderFloat16 = caps->fp16_arithmetic,
    };
    VkPhysicalDevice16BitStorageFeatures storage16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
        .pNext = v12 ? (void *)&f16 : (caps->coopmat_nv ? (void *)&coopmat : NULL),
        .storageBuffer16BitAccess = caps->fp16_storage,
    };
    VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &storage16};
    const char *extensions[] = {VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME};
    VkDeviceCreateInfo create = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = &features,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue,
        .enabledExtensionCount = caps->coopmat_nv ? 1 : 0,
        .ppEnabledExtensionNames = caps->coopmat_nv ? extensions : NULL,
    };
    VK(ctx, vkCreateDevice, info->physical, &create, NULL, &ctx->device);
    status = dfv_vk_load_device(&ctx->vk, ctx->device, ctx->error);
    if (status)
        return status;
    ctx->physical = info->physical;
    ctx->caps = *caps;
    ctx->queue_family = info->queue_family;
    ctx->vk.vkGetDeviceQueue(ctx->device, ctx->queue_family, 0, &ctx->queue);
    ctx->vk.vkGetPhysicalDeviceMemoryProperties(ctx->physical, &ctx->memory);

    VkCommandPoolCreateInfo pool = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = ctx->queue_family,
    };
    VK(ctx, vkCreateCommandPool, ctx->device, &pool, NULL, &ctx->transfer_pool);
    VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = ctx->transfer_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VK(ctx, vkAllocateCommandBuffers, ctx->device, &alloc, &ctx->transfer_cmd);
    VkFenceCreateInfo fence = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VK(ctx, vkCreateFence, ctx->device, &fence, NULL, &ctx->transfer_fence);
    return DFV_OK;
fail:
    return status;
}

static dfv_status dfv_ctx_open(dfv_ctx *ctx, const dfv_ctx_desc *desc)
{
    dfv_status status = dfv_instance_open(ctx, ctx->validate);
    if (status)
        return status;
    dfv_device_info *infos = NULL;
    int count = 0, picked = -1;
    status = dfv_device_enumerate(&ctx->vk, ctx->instance, &infos, &count, ctx->error);
    if (!status)
        status = dfv_device_pick(infos, count, desc ? desc->device - 1 : -1, &picked, ctx->error);
    if (!status)
        status = dfv_device_open(ctx, &infos[picked]);
    free(infos);
    if (status)
        return status;
    ctx->profile = ctx->profile && ctx->caps.timestamps;
    dfv_pipeline_cache_open(ctx);
    return DFV_OK;
}

dfv_status dfv_ctx_create(const dfv_ctx_desc *desc, dfv_ctx **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    dfv_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return dfv_fail(err, DFV_ERR_MEMORY, "out of host memory creating the Vulkan context");
    ctx->validate = (desc && desc->validate) || dfv_env_flag("DFVIEW_VALIDATE");
    ctx->profile = (desc && desc->profile) || dfv_env_flag("DFVIEW_PROFILE");
    dfv_status status = dfv_ctx_open(ctx, desc);
    if (status) {
        if (err)
            snprintf(err, DFV_ERR_LEN, "%s", ctx->error);
        dfv_ctx_destroy(ctx);
        return status;
    }
    *out = ctx;
    return DFV_OK;
}

void dfv_ctx_destroy(dfv_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->device) {
        ctx->vk.vkDeviceWaitIdle(ctx->device);
        dfv_pipeline_cache_close(ctx); /* saves only when pipelines were built */
        dfv_pipelines_destroy(ctx);
        dfv_staging_destroy(ctx);
        if (ctx->transfer_fence)
            ctx->vk.vkDestroyFence(ctx->device, ctx->transfer_fence, NULL);
        if (ctx->transfer_pool)
            ctx->vk.vkDestroyCommandPool(ctx->device, ctx->transfer_pool, NULL);
        ctx->vk.vkDestroyDevice(ctx->device, NULL);
    }
    dfv_instance_close(ctx);
    free(ctx);
}

const dfv_device_caps *dfv_ctx_caps(const dfv_ctx *ctx) { return &ctx->caps; }
const char *dfv_ctx_error(const dfv_ctx *ctx) { return ctx->error; }
int dfv_ctx_validation_messages(const dfv_ctx *ctx) { return ctx->validation_messages; }
bool dfv_ctx_pipeline_cache_loaded(const dfv_ctx *ctx) { return ctx->pipeline_cache_loaded; }

int dfv_ctx_find_memory_type(const dfv_ctx *ctx, uint32_t type_bits, VkMemoryPropertyFlags required,
                             VkMemoryPropertyFlags preferred)
{
    int fallback = -1;
    for (uint32_t i = 0; i < ctx->memory.memoryTypeCount; i++) {
        VkMemoryPropertyFlags flags = ctx->memory.memoryTypes[i].propertyFlags;
        if (!(type_bits & (1u << i)) || (flags & required) != required)
            continue;
        if ((flags & preferred) == preferred)
            return (int)i;
        if (fallback < 0)
            fallback = (int)i;
    }
    return fallback;
}

dfv_status dfv_devices_print(FILE *out, char err[DFV_ERR_LEN])
{
    dfv_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return dfv_fail(err, DFV_ERR_MEMORY, "out of host memory listing devices");
    dfv_device_info *infos = NULL;
    int count = 0, picked = -1;
    dfv_status status = dfv_instance_open(ctx, false);
    if (!status)
        status = dfv_device_enumerate(&ctx->vk, ctx->instance, &infos, &count, ctx->error);
    if (!status)
        status = dfv_device_pick(infos, count, -1, &picked, ctx->error);
    if (!status)
        for (int i = 0; i < count; i++)
            dfv_device_print(out, i, &infos[i], i == picked);
    if (status && err)
        snprintf(err, DFV_ERR_LEN, "%s", ctx->error);
    free(infos);
    dfv_instance_close(ctx);
    free(ctx);
    return status;
}
