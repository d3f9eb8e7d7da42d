/* Per-frame 256-colour palettes for GIF export. A frame with at most 256 distinct colours keeps them
 * exactly; otherwise a median cut over a 5-bit-per-channel histogram picks the palette (a per-frame
 * palette follows the colour drift of long rollouts, which one palette for the clip cannot). */
#ifndef DFV_GIF_PALETTE_H
#define DFV_GIF_PALETTE_H

#include <stdint.h>

typedef struct dfv_gif_quantizer dfv_gif_quantizer;

dfv_gif_quantizer *dfv_gif_quantizer_create(void);
void dfv_gif_quantizer_destroy(dfv_gif_quantizer *quantizer);

/* Fills palette (0xFFRRGGBB, 256 entries, unused ones black) and one index per pixel. */
void dfv_gif_quantize(dfv_gif_quantizer *quantizer, const uint8_t *rgb, int width, int height, int stride,
                      uint32_t palette[256], uint8_t *indices, int index_stride);

#endif
