/* Physical devices: what each one can do (dfv_device_caps), which one to pick, and `dfview devices`. */
#include <stdlib.h>
#include <string.h>

#include "vk_device.h"

static int dfv_device_type_rank(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 1;
    default:
        return 0;
    }
}

static const char *dfv_device_type_name(VkPhysicalDeviceType type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

static bool dfv_has_extension(const VkExtensionProperties *exts, uint32_t count, const char *name)
{
    for (uint32_t i = 0; i < count; i++)
        if (!strcmp(exts[i].extensionName, name))
            return true;
    return false;
}

static void dfv_query_coopmat_shapes(const dfv_vk_table *vk, VkPhysicalDevice phys, dfv_device_caps *caps)
{
    if (!vk->vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)
        return;
    uint32_t count = 0;
    if (vk->vkGetPhysicalDeviceCooperativeMatrixPropertiesNV(phys, &count, NULL) != VK_SUCCESS || !count)
        return;
    VkCooperativeMatrixPropertiesNV *props = calloc(count, sizeof *props);
    if (!props)
        return;
    for (uint32_t i = 0; i < count; i++)
        props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
    if (vk->vkGetPhysicalDeviceCooperativeMatrixPropertiesNV(phys, &count, props) >= 0) {
        for (uint32_t i = 0; i < count && caps->coopmat_shape_count < 16; i++) {
            const VkCooperativeMatrixPropertiesNV *p = &props[i];
            if (p->AType != VK_COMPONENT_TYPE_FLOAT16_NV || p->BType != VK_COMPONENT_TYPE_FLOAT16_NV ||
                p->scope != VK_SCOPE_SUBGROUP_NV)
                continue;
            if (p->CType != VK_COMPONENT_TYPE_FLOAT16_NV && p->CType != VK_COMPONENT_TYPE_FLOAT32_NV)
                continue;
            caps->coopmat_shapes[caps->coopmat_shape_count++] =
                (dfv_coopmat_shape){p->MSize, p->NSize, p->KSize, p->CType == VK_COMPONENT_TYPE_FLOAT16_NV};
        }
    }
    free(props);
}

static void dfv_query_queue(const dfv_vk_table *vk, VkPhysicalDevice phys, dfv_device_info *info)
{
    uint32_t count = 0;
    vk->vkGetPhysicalDeviceQueueFamilyProperties(phys, &count, NULL);
    VkQueueFamilyProperties families[32];
    if (count > 32)
        count = 32;
    vk->vkGetPhysicalDeviceQueueFamilyProperties(phys, &count, families);
    info->queue_family = UINT32_MAX;
    for (uint32_t i = 0; i < count; i++) {
        if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT))
            continue;
        bool timestamps = families[i].timestampValidBits > 0;
        /* Prefer a family that can time dispatches; otherwise any compute family. */
        if (info->queue_family == UINT32_MAX || (timestamps && !info->caps.timestamps)) {
            info->queue_family = i;
            info->caps.timestamps = timestamps;
        }
    }
}

void dfv_device_query(const dfv_vk_table *vk, VkPhysicalDevice phys, dfv_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->physical = phys;
    dfv_device_caps *caps = &info->caps;

    VkPhysicalDeviceProperties base;
    vk->vkGetPhysicalDeviceProperties(phys, &base);
    bool v12 = base.apiVersion >= VK_API_VERSION_1_2;

    uint32_t ext_count = 0;
    vk->vkEnumerateDeviceExtensionProperties(phys, NULL, &ext_count, NULL);
    VkExtensionProperties *exts = calloc(ext_count ? ext_count : 1, sizeof *exts);
    if (exts)
        vk->vkEnumerateDeviceExtensionProperties(phys, NULL, &ext_count, exts);
    else
        ext_count = 0;
    caps->coopmat_nv = dfv_has_extension(exts, ext_count, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
    caps->coopmat_khr = dfv_has_extension(exts, ext_count, "VK_KHR_cooperative_matrix");
    free(exts);

    VkPhysicalDeviceDriverProperties driver = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceSubgroupProperties subgroup = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
                                                   .pNext = v12 ? &driver : NULL};
    VkPhysicalDeviceProperties2 props = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &subgroup};
    vk->vkGetPhysicalDeviceProperties2(phys, &props);
    const VkPhysicalDeviceLimits *lim = &props.properties.limits;

    snprintf(caps->name, sizeof caps->name, "%s", props.properties.deviceName);
    if (v12)
        snprintf(caps->driver, sizeof caps->driver, "%s %s", driver.driverName, driver.driverInfo);
    else
        snprintf(caps->driver, sizeof caps->driver, "(unknown: Vulkan 1.1 device)");
    caps->type = props.properties.deviceType;
    caps->vendor_id = props.properties.vendorID;
    caps->device_id = props.properties.deviceID;
    caps->driver_version = props.properties.driverVersion;
    caps->api_version = props.properties.apiVersion;
    memcpy(caps->pipeline_cache_uuid, props.properties.pipelineCacheUUID, VK_UUID_SIZE);
    caps->subgroup_size = subgroup.subgroupSize;
    caps->max_shared_memory = lim->maxComputeSharedMemorySize;
    caps->max_storage_buffer_range = lim->maxStorageBufferRange;
    caps->max_workgroup_invocations = lim->maxComputeWorkGroupInvocations;
    memcpy(caps->max_workgroup_count, lim->maxComputeWorkGroupCount, sizeof caps->max_workgroup_count);
    caps->min_storage_buffer_offset_alignment = (uint32_t)lim->minStorageBufferOffsetAlignment;
    caps->max_push_constants = lim->maxPushConstantsSize;
    caps->timestamp_period_ns = lim->timestampPeriod;

    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDevice16BitStorageFeatures storage16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
                                                      .pNext = v12 ? &f16 : NULL};
    VkPhysicalDeviceFeatures2 features = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &storage16};
    vk->vkGetPhysicalDeviceFeatures2(phys, &features);
    caps->fp16_storage = storage16.storageBuffer16BitAccess;
    caps->fp16_arithmetic = v12 && f16.shaderFloat16;

    if (caps->coopmat_nv)
        dfv_query_coopmat_shapes(vk, phys, caps);

    VkPhysicalDeviceMemoryProperties mem;
    vk->vkGetPhysicalDeviceMemoryProperties(phys, &mem);
    caps->heap_count = (int)mem.memoryHeapCount;
    for (uint32_t i = 0; i < mem.memoryHeapCount; i++) {
        caps->heap_size[i] = mem.memoryHeaps[i].size;
        caps->heap_device_local[i] = mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT;
    }
    dfv_query_queue(vk, phys, info);
    if (!lim->timestampComputeAndGraphics && info->caps.timestamps)
        info->caps.timestamps = lim->timestampPeriod > 0;
}

bool dfv_device_usable(const dfv_device_info *info)
{
    return info->caps.api_version >= VK_API_VERSION_1_1 && info->queue_family != UINT32_MAX;
}

/* DFVIEW_SHADERS: auto (or unset) runs the CPU variants on CPU devices only; cpu or gpu forces one family. */
static dfv_status dfv_device_choose_shaders(dfv_device_info *infos, int count, char err[DFV_ERR_LEN])
{
    const char *env = getenv("DFVIEW_SHADERS");
    bool is_auto = !env || !*env || strcmp(env, "auto") == 0;
    if (!is_auto && strcmp(env, "cpu") != 0 && strcmp(env, "gpu") != 0)
        return dfv_fail(err, DFV_ERR_ARGUMENT, "DFVIEW_SHADERS=%s: expected gpu, cpu or auto", env);
    for (int i = 0; i < count; i++)
        infos[i].caps.cpu_shaders = is_auto ? infos[i].caps.type == VK_PHYSICAL_DEVICE_TYPE_CPU : strcmp(env, "cpu") == 0;
    return DFV_OK;
}

dfv_status dfv_device_enumerate(const dfv_vk_table *vk, VkInstance instance, dfv_device_info **out, int *count,
                                char err[DFV_ERR_LEN])
{
    uint32_t n = 0;
    VkResult r = vk->vkEnumeratePhysicalDevices(instance, &n, NULL);
    if (r < 0)
        return dfv_fail(err, dfv_vk_status(r), "vkEnumeratePhysicalDevices: %s", dfv_vk_result_name(r));
    if (!n)
        return dfv_fail(err, DFV_ERR_NO_DEVICE,
                        "no Vulkan device found (is a driver installed? on a machine without a GPU install "
                        "mesa-vulkan-drivers)");
    VkPhysicalDevice *phys = calloc(n, sizeof *phys);
    dfv_device_info *infos = calloc(n, sizeof *infos);
    if (!phys || !infos) {
        free(phys);
        free(infos);
        return dfv_fail(err, DFV_ERR_MEMORY, "out of host memory listing %u devices", n);
    }
    r = vk->vkEnumeratePhysicalDevices(instance, &n, phys);
    if (r < 0) {
        free(phys);
        free(infos);
        return dfv_fail(err, dfv_vk_status(r), "vkEnumeratePhysicalDevices: %s", dfv_vk_result_name(r));
    }
    for (uint32_t i = 0; i < n; i++)
        dfv_device_query(vk, phys[i], &infos[i]);
    free(phys);
    dfv_status status = dfv_device_choose_shaders(infos, (int)n, err);
    if (status) {
        free(infos);
        return status;
    }
    *out = infos;
    *count = (int)n;
    return DFV_OK;
}

dfv_status dfv_device_pick(const dfv_device_info *infos, int count, int requested, int *picked, char err[DFV_ERR_LEN])
{
    if (requested < 0) {
        const char *env = getenv("DFVIEW_DEVICE");
        if (env && *env) {
            char *end = NULL;
            long v = strtol(env, &end, 10);
            if (*end || v < 0 || v > 1 << 20)
                return dfv_fail(err, DFV_ERR_ARGUMENT, "DFVIEW_DEVICE='%s' is not a device index", env);
            requested = (int)v;
        }
    }
    if (requested >= 0) {
        if (requested >= count)
            return dfv_fail(err, DFV_ERR_NO_DEVICE, "device %d does not exist: there %s %d (0..%d); see 'dfview devices'",
                            requested, count == 1 ? "is" : "are", count, count - 1);
        if (!dfv_device_usable(&infos[requested]))
            return dfv_fail(err, DFV_ERR_UNSUPPORTED, "device %d (%s) lacks Vulkan 1.1 or a compute queue", requested,
                            infos[requested].caps.name);
        *picked = requested;
        return DFV_OK;
    }
    int best = -1;
    for (int i = 0; i < count; i++) {
        if (!dfv_device_usable(&infos[i]))
            continue;
        if (best < 0 || dfv_device_type_rank(infos[i].caps.type) > dfv_device_type_rank(infos[best].caps.type))
            best = i;
    }
    if (best < 0)
        return dfv_fail(err, DFV_ERR_NO_DEVICE, "none of the %d Vulkan devices has Vulkan 1.1 and a compute queue", count);
    *picked = best;
    return DFV_OK;
}

static void dfv_print_version(FILE *out, uint32_t v)
{
    fprintf(out, "%u.%u.%u", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
}

void dfv_device_print(FILE *out, int index, const dfv_device_info *info, bool picked)
{
    const dfv_device_caps *c = &info->caps;
    fprintf(out, "%c %d: %s (%s)\n", picked ? '*' : ' ', index, c->name, dfv_device_type_name(c->type));
    fprintf(out, "    driver: %s; Vulkan ", c->driver);
    dfv_print_version(out, c->api_version);
    fprintf(out, "; vendor 0x%04x device 0x%04x\n", c->vendor_id, c->device_id);
    fprintf(out, "    subgroup %u, shared memory %u KiB, workgroup <= %u invocations, push constants %u B\n",
            c->subgroup_size, c->max_shared_memory / 1024, c->max_workgroup_invocations, c->max_push_constants);
    fprintf(out, "    max storage-buffer range %.1f MiB, storage offset alignment %u B\n",
            (double)c->max_storage_buffer_range / (1024.0 * 1024.0), c->min_storage_buffer_offset_alignment);
    fprintf(out, "    fp16 storage %s, fp16 arithmetic %s, timestamps %s, shader variants %s\n",
            c->fp16_storage ? "yes" : "no", c->fp16_arithmetic ? "yes" : "no", c->timestamps ? "yes" : "no",
            c->cpu_shaders ? "CPU" : "GPU");
    fprintf(out, "    cooperative matrix: NV %s, KHR %s", c->coopmat_nv ? "yes" : "no", c->coopmat_khr ? "yes" : "no");
    for (int i = 0; i < c->coopmat_shape_count; i++)
        fprintf(out, "%s%ux%ux%u %s", i ? ", " : "; fp16 shapes ", c->coopmat_shapes[i].m, c->coopmat_shapes[i].n,
                c->coopmat_shapes[i].k, c->coopmat_shapes[i].f16_accumulate ? "(f16 acc)" : "(f32 acc)");
    fprintf(out, "\n    memory heaps:");
    for (int i = 0; i < c->heap_count; i++)
        fprintf(out, " %.2f GiB%s", (double)c->heap_size[i] / (1024.0 * 1024.0 * 1024.0),
                c->heap_device_local[i] ? " (device-local)" : "");
    fprintf(out, "\n");
    if (!dfv_device_usable(info))
        fprintf(out, "    not usable: needs Vulkan 1.1 and a compute queue\n");
}
