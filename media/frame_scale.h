/* Upsampling RGB24 frames by an integer factor for export (64×64 is tiny on a screen), then padding
 * to the size a codec needs by repeating the last column/row, so content pixels are never resampled. */
#ifndef DFV_FRAME_SCALE_H
#define DFV_FRAME_SCALE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    DFV_SCALE_NEAREST = 0, /* each source pixel becomes a scale×scale block: exact */
    DFV_SCALE_BILINEAR = 1,
} dfv_scale_filter;

typedef struct dfv_frame_scaler dfv_frame_scaler;

/* Output is (width*scale rounded up to out_multiple) × (height*scale likewise). NULL on failure. */
dfv_frame_scaler *dfv_frame_scaler_create(int width, int height, int scale, dfv_scale_filter filter,
                                          int out_multiple);
void dfv_frame_scaler_destroy(dfv_frame_scaler *scaler);
void dfv_frame_scaler_output_size(const dfv_frame_scaler *scaler, int *width, int *height);

/* Scales `rgb` (rows `stride` bytes apart) into the scaler's buffer and returns it (packed rows). */
const uint8_t *dfv_frame_scaler_apply(dfv_frame_scaler *scaler, const uint8_t *rgb, int stride);

#endif
