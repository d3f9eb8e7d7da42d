/* Procedural 32x32 RGB textures shared by the worlds: tiling value noise and a handful of patterns, each
 * tinted by a colour, so that every seed gets its own look. */
#ifndef DFV_TEXTURE_H
#define DFV_TEXTURE_H

#include <stdint.h>

#include "rng.h"

#define DFV_TEX_SIZE 32
#define DFV_TEX_MASK (DFV_TEX_SIZE - 1)
#define DFV_TEX_BYTES (DFV_TEX_SIZE * DFV_TEX_SIZE * 3)

typedef struct {
    uint8_t rgb[DFV_TEX_BYTES];
} dfv_texture;

typedef struct {
    float r, g, b; /* 0..1 */
} dfv_color;

typedef enum {
    DFV_PATTERN_BRICKS,
    DFV_PATTERN_BLOCKS,
    DFV_PATTERN_PLANKS,
    DFV_PATTERN_TILES,
    DFV_PATTERN_WAINSCOT,
    DFV_PATTERN_ROCK,
    DFV_PATTERN_CHECKER,
    DFV_PATTERN_CARPET,
    DFV_PATTERN_CEILING_PANELS,
    DFV_PATTERN_POSTER,
    DFV_PATTERN_COUNT
} dfv_pattern;

dfv_color dfv_color_hsv(float hue, float saturation, float value);
/* Value noise in [0,1] that tiles with the given period (cells of `period` texels). */
float dfv_tex_noise(uint64_t seed, float x, float y, int period);
/* Fills a texture with a pattern in base/accent colours; seed varies the details. */
void dfv_texture_make(dfv_texture *tex, dfv_pattern pattern, dfv_color base, dfv_color accent, uint64_t seed);

#endif
