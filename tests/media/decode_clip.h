/* The tests' own decoder (independent of media/): every frame of a file as RGB24, counted, with the
 * first and last kept, plus the container metadata. */
#ifndef DFV_TEST_DECODE_CLIP_H
#define DFV_TEST_DECODE_CLIP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int frame_count;
    int width, height;
    uint8_t *first, *last; /* width*height*3 each */
    char comment[4096];    /* the "comment" metadata tag, "" if none */
    char custom[256];      /* the value of the tag named by decode_clip's custom_key */
    char codec[64];
} decoded_clip;

/* false (with a message on stderr) when the file cannot be opened or decoding fails midway. */
bool decode_clip(const char *path, const char *custom_key, decoded_clip *out);
void decoded_clip_free(decoded_clip *clip);

/* Mean and maximum absolute difference between two RGB24 images of n pixels. */
void pixel_difference(const uint8_t *a, const uint8_t *b, int n, double *mean, int *max);

#endif
