/* Opens the Vulkan loader at run time and fills the per-context function table. Opening it ourselves
 * (rather than linking libvulkan) turns "no loader installed" into a clear error instead of a failure of
 * the dynamic linker before main even runs. DFVIEW_VULKAN_LIBRARY overrides the library's path. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

static const char *const dfv_vk_default_library = "libvulkan.so.1";

dfv_status dfv_vk_load_global(dfv_vk_table *vk, char err[DFV_ERR_LEN])
{
    memset(vk, 0, sizeof *vk);
    const char *path = getenv("DFVIEW_VULKAN_LIBRARY");
    if (!path || !*path)
        path = dfv_vk_default_library;
    vk->library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!vk->library) {
        const char *why = dlerror();
        return dfv_fail(err, DFV_ERR_NO_DEVICE, "cannot load the Vulkan loader %s (%s); install libvulkan1", path,
                        why ? why : "unknown reason");
    }
    /* POSIX leaves function-pointer casts from void* to the implementation; glibc defines them. */
    *(void **)&vk->vkGetInstanceProcAddr = dlsym(vk->library, "vkGetInstanceProcAddr");
    if (!vk->vkGetInstanceProcAddr) {
        dfv_vk_unload(vk);
        return dfv_fail(err, DFV_ERR_NO_DEVICE, "%s has no vkGetInstanceProcAddr: not a Vulkan loader", path);
    }
#define DFV_LOAD_GLOBAL(name) vk->name = (PFN_##name)vk->vkGetInstanceProcAddr(NULL, #name);
    DFV_VK_GLOBAL_FUNCS(DFV_LOAD_GLOBAL)
#undef DFV_LOAD_GLOBAL
    if (!vk->vkCreateInstance || !vk->vkEnumerateInstanceExtensionProperties) {
        dfv_vk_unload(vk);
        return dfv_fail(err, DFV_ERR_NO_DEVICE, "the Vulkan loader %s lacks vkCreateInstance", path);
    }
    return DFV_OK;
}

dfv_status dfv_vk_load_instance(dfv_vk_table *vk, VkInstance instance, char err[DFV_ERR_LEN])
{
    const char *missing = NULL;
#define DFV_LOAD_INSTANCE(name)                                                                                \
    vk->name = (PFN_##name)vk->vkGetInstanceProcAddr(instance, #name);                                         \
    if (!vk->name && !missing)                                                                                 \
        missing = #name;
    DFV_VK_INSTANCE_FUNCS(DFV_LOAD_INSTANCE)
#undef DFV_LOAD_INSTANCE
#define DFV_LOAD_OPTIONAL(name) vk->name = (PFN_##name)vk->vkGetInstanceProcAddr(instance, #name);
    DFV_VK_OPTIONAL_INSTANCE_FUNCS(DFV_LOAD_OPTIONAL)
#undef DFV_LOAD_OPTIONAL
    if (missing)
        return dfv_fail(err, DFV_ERR_UNSUPPORTED, "the Vulkan loader lacks %s (needs Vulkan 1.1)", missing);
    return DFV_OK;
}

dfv_status dfv_vk_load_device(dfv_vk_table *vk, VkDevice device, char err[DFV_ERR_LEN])
{
    const char *missing = NULL;
#define DFV_LOAD_DEVICE(name)                                                                                  \
    vk->name = (PFN_##name)vk->vkGetDeviceProcAddr(device, #name);                                             \
    if (!vk->name && !missing)                                                                                 \
        missing = #name;
    DFV_VK_DEVICE_FUNCS(DFV_LOAD_DEVICE)
#undef DFV_LOAD_DEVICE
    if (missing)
        return dfv_fail(err, DFV_ERR_UNSUPPORTED, "the Vulkan device lacks %s", missing);
    return DFV_OK;
}

void dfv_vk_unload(dfv_vk_table *vk)
{
    if (vk->library)
        dlclose(vk->library);
    memset(vk, 0, sizeof *vk);
}
