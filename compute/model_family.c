#include "model_family.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "safetensors.h"

dfv_model_family dfv_model_family_of(const char *path, char err[DFV_ERR_LEN])
{
    dfv_st_file *file;
    if (dfv_st_open(path, &file, err))
        return DFV_FAMILY_UNKNOWN;
    const char *json = dfv_st_metadata(file, "dfview");
    cJSON *root = json ? cJSON_Parse(json) : NULL;
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "architecture");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(arch, "type");
    dfv_model_family family = DFV_FAMILY_UNKNOWN;
    if (cJSON_IsString(type) && !strcmp(type->valuestring, "oasis"))
        family = DFV_FAMILY_OASIS;
    else if (cJSON_IsString(type) && !strcmp(type->valuestring, "unet3d"))
        family = DFV_FAMILY_UNET3D;
    else if (!json)
        dfv_error_set(err, "%s: no `dfview` metadata: not a dfview model", path);
    else if (!root)
        dfv_error_set(err, "%s: the `dfview` metadata is not valid JSON", path);
    else
        dfv_error_set(err, "%s: architecture.type is missing or not one dfview knows (unet3d, oasis)", path);
    cJSON_Delete(root);
    dfv_st_close(file);
    return family;
}
