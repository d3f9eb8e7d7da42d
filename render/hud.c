/* HUD text boxes; see hud.h. */
#include "hud.h"

#include <string.h>

static const uint32_t box_color = 0x000000, text_color = 0xf0f0f0, notice_color = 0xffd070;

enum { HUD_PAD = 4, HUD_ALPHA = 160 };

dfv_rect dfv_hud_draw(dfv_canvas *canvas, dfv_rect area, int text_scale, const char *const *lines, int line_count)
{
    int w = 0;
    for (int i = 0; i < line_count; i++) {
        int lw = dfv_text_width(lines[i], text_scale);
        if (lw > w) w = lw;
    }
    int line_h = dfv_text_height(text_scale);
    dfv_rect box = {area.x + HUD_PAD, area.y + HUD_PAD, w + 2 * HUD_PAD, line_count * line_h + 2 * HUD_PAD};
    dfv_canvas_blend(canvas, box, box_color, HUD_ALPHA);
    for (int i = 0; i < line_count; i++)
        dfv_canvas_text(canvas, box.x + HUD_PAD, box.y + HUD_PAD + i * line_h, text_scale, text_color, lines[i]);
    return box;
}

void dfv_hud_notice(dfv_canvas *canvas, dfv_rect area, int text_scale, const char *text)
{
    if (!text || !*text) return;
    int line_h = dfv_text_height(text_scale);
    dfv_rect box = {area.x, area.y + area.h - line_h - 2 * HUD_PAD, area.w, line_h + 2 * HUD_PAD};
    dfv_canvas_blend(canvas, box, box_color, HUD_ALPHA);
    /* Long notices keep their end (the path), which is what the user needs. */
    int max_chars = (area.w - 2 * HUD_PAD) / dfv_text_width("M", text_scale);
    size_t len = strlen(text);
    const char *shown = (int)len > max_chars && max_chars > 0 ? text + len - max_chars : text;
    dfv_canvas_text(canvas, box.x + HUD_PAD, box.y + HUD_PAD, text_scale, notice_color, shown);
}
