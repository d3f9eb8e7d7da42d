/* Linked only into dfview-engine (no FFmpeg), so that `eval` runs on GPU machines without a desktop
 * stack: the media functions eval's path reaches are replaced by ones that refuse with one clear line.
 * World seeds need neither; eval writes eval.csv and summary.json, and `dfview eval --replot DIR` draws
 * eval.png afterwards on a machine with the full dfview. Not part of the full dfview binary. */
#include <stdio.h>

#include "png.h"
#include "seed.h"

bool dfv_seed_load(const char *spec, const dfv_seed_desc *desc, uint8_t *out_rgb, char err[DFV_MEDIA_ERR_LEN])
{
    (void)desc, (void)out_rgb;
    snprintf(err, DFV_MEDIA_ERR_LEN, "%s: image and video seeds need the full dfview (use world:KIND:SEED here)", spec);
    return false;
}

bool dfv_png_write(const char *path, const uint8_t *rgb, int width, int height, int stride,
                   char err[DFV_MEDIA_ERR_LEN])
{
    (void)rgb, (void)width, (void)height, (void)stride;
    snprintf(err, DFV_MEDIA_ERR_LEN, "%s: dfview-engine has no PNG encoder", path);
    return false;
}

bool dfv_png_available(void)
{
    return false;
}
