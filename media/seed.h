/* Seeds: the first frames a rollout starts from, decoded from any image or video FFmpeg can read.
 *
 * A seed spec is a path, optionally followed by where to start in a video:
 *   photo.png          a still image (its frame fills every requested frame)
 *   clip.mp4@3.5s      the first frame shown at or after 3.5 seconds ('s' optional)
 *   clip.mp4#120       frame 120, counting decoded frames from 0
 * A path that exists as written is never split, so file names containing '@' or '#' still work.
 * Every frame is center-cropped to the output's aspect ratio (a square for R×R) and resized with libswscale
 * to width×height RGB24; `stretch` skips the crop and resizes the whole frame, as open-oasis's load_prompt
 * does (torchvision resize to 360×640 whatever the aspect). */
#ifndef DFV_SEED_H
#define DFV_SEED_H

#include <stdbool.h>
#include <stdint.h>

#include "media_error.h"

typedef struct {
    int resolution;    /* R: output frames are R×R RGB24 when width/height are 0 (1..8192) */
    int frame_count;   /* consecutive frames to return; 0 means 1 */
    int width, height; /* non-square output (1..8192 each); 0: resolution */
    bool stretch;      /* resize the whole frame to width×height instead of cropping to its aspect first */
    int64_t *first_index; /* NULL, or receives the decode index of the first frame returned (0 for an image);
                           * a time is then found by decoding from the start rather than by seeking */
} dfv_seed_desc;

/* Fills out_rgb with frame_count frames of width*height*3 bytes each, frame after frame.
 * Errors name the spec and the cause: missing file, not an image or video, video shorter than asked. */
bool dfv_seed_load(const char *spec, const dfv_seed_desc *desc, uint8_t *out_rgb, char err[DFV_ERR_LEN]);

#endif
