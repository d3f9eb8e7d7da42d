/* Window layout; see layout.h. */
#include "layout.h"

#include "font.h"

dfv_layout dfv_layout_compute(int window_width, int window_height, int frame_width, int frame_height, bool panel_visible,
                              bool split)
{
    dfv_layout l = {0};
    l.text_scale = window_width >= 960 && window_height >= 720 ? 2 : 1;
    int bar_h = DFV_FONT_CELL_HEIGHT * l.text_scale + 8;
    if (bar_h > window_height / 4) bar_h = window_height / 4;
    l.bar = (dfv_rect){0, window_height - bar_h, window_width, bar_h};
    int above = window_height - bar_h;
    int panel_h = panel_visible ? above * 2 / 5 : 0;
    l.panel = (dfv_rect){0, above - panel_h, panel_visible ? window_width : 0, panel_h};
    l.frame_area = (dfv_rect){0, 0, window_width, above - panel_h};
    if (!split) {
        l.frame = dfv_rect_fit(l.frame_area, frame_width, frame_height);
        return l;
    }
    int half = l.frame_area.w / 2;
    l.frame = dfv_rect_fit((dfv_rect){0, 0, half, l.frame_area.h}, frame_width, frame_height);
    l.companion = dfv_rect_fit((dfv_rect){half, 0, l.frame_area.w - half, l.frame_area.h}, frame_width, frame_height);
    return l;
}
