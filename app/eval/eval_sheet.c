#include "eval_sheet.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t background[3] = {16, 20, 24};

struct dfv_eval_sheet {
    dfv_eval_shape shape;
    int scale, tile_w, tile_h, width, episode_height, episodes;
    uint8_t *rgb; /* room for DFV_EVAL_SHEET_EPISODES episodes */
};

dfv_eval_sheet *dfv_eval_sheet_create(const dfv_eval_shape *shape)
{
    if (shape->width < 1 || shape->height < 1 || shape->context < 1 || shape->frames < 1) return NULL;
    dfv_eval_sheet *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->shape = *shape;
    int least = shape->width < shape->height ? shape->width : shape->height;
    s->scale = (DFV_EVAL_SHEET_MIN_TILE + least - 1) / least;
    s->tile_w = shape->width * s->scale, s->tile_h = shape->height * s->scale;
    s->width = DFV_EVAL_SHEET_COLUMNS * s->tile_w + (DFV_EVAL_SHEET_COLUMNS - 1) * DFV_EVAL_SHEET_GAP;
    s->episode_height = 2 * s->tile_h + DFV_EVAL_SHEET_GAP;
    size_t height = (size_t)DFV_EVAL_SHEET_EPISODES * (s->episode_height + DFV_EVAL_SHEET_EPISODE_GAP);
    s->rgb = malloc((size_t)s->width * height * 3);
    if (!s->rgb) return free(s), NULL;
    for (size_t i = 0; i < (size_t)s->width * height; i++) memcpy(s->rgb + 3 * i, background, 3);
    return s;
}

void dfv_eval_sheet_destroy(dfv_eval_sheet *sheet)
{
    if (!sheet) return;
    free(sheet->rgb);
    free(sheet);
}

int dfv_eval_sheet_frame(const dfv_eval_shape *shape, int column)
{
    int64_t k = ((int64_t)column * shape->frames * 2 + (DFV_EVAL_SHEET_COLUMNS - 1)) / (2 * (DFV_EVAL_SHEET_COLUMNS - 1));
    return shape->context - 1 + (int)k;
}

/* One frame, scaled by nearest neighbour, with its top-left corner at (x, y). */
static void place(dfv_eval_sheet *s, const uint8_t *frame, int x, int y)
{
    for (int row = 0; row < s->tile_h; row++) {
        uint8_t *dst = s->rgb + ((size_t)(y + row) * s->width + x) * 3;
        const uint8_t *src = frame + (size_t)(row / s->scale) * s->shape.width * 3;
        for (int col = 0; col < s->tile_w; col++) memcpy(dst + 3 * col, src + 3 * (col / s->scale), 3);
    }
}

void dfv_eval_sheet_add_episode(dfv_eval_sheet *s, const uint8_t *truth, const uint8_t *model)
{
    if (s->episodes >= DFV_EVAL_SHEET_EPISODES) return;
    size_t frame_bytes = (size_t)s->shape.width * s->shape.height * 3;
    int top = s->episodes * (s->episode_height + DFV_EVAL_SHEET_EPISODE_GAP);
    for (int c = 0; c < DFV_EVAL_SHEET_COLUMNS; c++) {
        size_t t = (size_t)dfv_eval_sheet_frame(&s->shape, c);
        int x = c * (s->tile_w + DFV_EVAL_SHEET_GAP);
        place(s, truth + frame_bytes * t, x, top);
        place(s, model + frame_bytes * t, x, top + s->tile_h + DFV_EVAL_SHEET_GAP);
    }
    s->episodes++;
}

const uint8_t *dfv_eval_sheet_pixels(const dfv_eval_sheet *s, int *width, int *height)
{
    *width = s->width;
    *height = s->episodes ? s->episodes * (s->episode_height + DFV_EVAL_SHEET_EPISODE_GAP) - DFV_EVAL_SHEET_EPISODE_GAP
                          : 0;
    return s->rgb;
}

int dfv_eval_sheet_write(const dfv_eval_sheet *s, const char *path, dfv_png_writer write_png, char err[DFV_ERR_LEN])
{
    int width, height;
    const uint8_t *rgb = dfv_eval_sheet_pixels(s, &width, &height);
    if (!height) return dfv_error_set(err, "%s: no episode to show", path), -1;
    return write_png(path, rgb, width, height, err) ? 0 : -1;
}
