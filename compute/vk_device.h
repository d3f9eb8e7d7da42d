/* Private: physical-device queries shared by context creation and `dfview devices`. */
#ifndef DFV_VK_DEVICE_H
#define DFV_VK_DEVICE_H

#include "vk_internal.h"

typedef struct {
    VkPhysicalDevice physical;
    dfv_device_caps caps;
    uint32_t queue_family; /* UINT32_MAX: no compute queue */
} dfv_device_info;

void dfv_device_query(const dfv_vk_table *vk, VkPhysicalDevice phys, dfv_device_info *info);
bool dfv_device_usable(const dfv_device_info *info);
/* Fails with DFV_ERR_NO_DEVICE when there is none; *out is freed by the caller. */
dfv_status dfv_device_enumerate(const dfv_vk_table *vk, VkInstance instance, dfv_device_info **out, int *count,
                                char err[DFV_ERR_LEN]);
/* requested < 0: DFVIEW_DEVICE if set, else the best usable device by type. */
dfv_status dfv_device_pick(const dfv_device_info *infos, int count, int requested, int *picked, char err[DFV_ERR_LEN]);
void dfv_device_print(FILE *out, int index, const dfv_device_info *info, bool picked);

#endif
