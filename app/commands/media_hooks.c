#include "media_hooks.h"

#include "png.h"
#include "seed.h"

int dfv_media_load_seed(const char *spec, const dfv_seed_request *request, uint8_t *rgb, char err[DFV_ERR_LEN])
{
    dfv_seed_desc desc = {.width = request->width, .height = request->height, .frame_count = request->frames,
                          .stretch = request->stretch, .first_index = request->first_index};
    return dfv_seed_load(spec, &desc, rgb, err) ? 0 : -1;
}

bool dfv_media_write_png(const char *path, const uint8_t *rgb, int width, int height, char err[DFV_ERR_LEN])
{
    return dfv_png_write(path, rgb, width, height, 0, err);
}
