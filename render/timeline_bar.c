/* The history bar; see timeline_bar.h. */
#include "timeline_bar.h"

#include <stdio.h>

static const uint32_t bar_background = 0x20262c, bar_track = 0x3c4a58, bar_filled = 0x5c8ab0;
static const uint32_t fork_color = 0xe0a040, position_color = 0xffffff, text_color = 0xd0d8e0;
static const uint32_t recording_color = 0xe03030;

enum { BAR_PAD = 4 };

/* The track sits right of the label area. */
static dfv_rect track_rect(dfv_rect rect, int text_scale)
{
    int label_w = dfv_text_width("B 000/000 PAUSED REC ", text_scale);
    if (label_w > rect.w / 2) label_w = rect.w / 2;
    return (dfv_rect){rect.x + label_w + BAR_PAD, rect.y + rect.h / 2 - 2, rect.w - label_w - 2 * BAR_PAD, 5};
}

static int x_of(dfv_rect track, int length, int index)
{
    return length > 1 ? track.x + (int)((int64_t)index * (track.w - 1) / (length - 1)) : track.x;
}

void dfv_timeline_bar_draw(dfv_canvas *canvas, dfv_rect rect, const dfv_timeline_bar *bar)
{
    dfv_canvas_fill(canvas, rect, bar_background);
    char label[96];
    snprintf(label, sizeof label, "B%d/%d %s%s", bar->branch + 1, bar->branch_count, bar->paused ? "PAUSED " : "",
             bar->recording ? "REC" : "");
    dfv_canvas_text(canvas, rect.x + BAR_PAD, rect.y + (rect.h - dfv_text_height(bar->text_scale)) / 2 + bar->text_scale,
                    bar->text_scale, bar->recording ? recording_color : text_color, label);
    dfv_rect track = track_rect(rect, bar->text_scale);
    if (track.w < 4) return;
    dfv_canvas_fill(canvas, track, bar_track);
    int px = x_of(track, bar->length, bar->position);
    dfv_canvas_fill(canvas, (dfv_rect){track.x, track.y, px - track.x + 1, track.h}, bar_filled);
    for (int f = 0; f < bar->fork_count; f++) {
        int fx = x_of(track, bar->length, bar->forks[f]);
        dfv_canvas_fill(canvas, (dfv_rect){fx, track.y - 3, 1, track.h + 6}, fork_color);
    }
    dfv_canvas_fill(canvas, (dfv_rect){px - 1, rect.y + 2, 3, rect.h - 4}, position_color);
    if (bar->generating) dfv_canvas_fill(canvas, (dfv_rect){track.x + track.w - 3, track.y, 3, track.h}, fork_color);
}

int dfv_timeline_bar_index_at(dfv_rect rect, const dfv_timeline_bar *bar, int x)
{
    dfv_rect track = track_rect(rect, bar->text_scale);
    if (bar->length <= 1 || track.w <= 1) return 0;
    int index = (int)(((int64_t)(x - track.x) * (bar->length - 1) + (track.w - 1) / 2) / (track.w - 1));
    return index < 0 ? 0 : index >= bar->length ? bar->length - 1 : index;
}
