/* SDL2 window + renderer + streaming texture; see window.h. */
#include "window.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dfv_window {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    int texture_width, texture_height;
    bool fullscreen;
};

/* Starts SDL video on a visible display; on failure SDL video is left stopped. */
static bool start_video(char err[DFV_ERR_LEN])
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        dfv_error_set(err, "no display: SDL could not start video (%s)", SDL_GetError());
        return false;
    }
    /* SDL falls back to an invisible "offscreen" driver when no X11/Wayland server answers. Showing nothing
     * is only what the user wants when they asked for it by name (SDL_VIDEODRIVER=offscreen). */
    const char *driver = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER");
    bool invisible = driver && (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy"));
    if (invisible && !(asked && *asked)) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        dfv_error_set(err, "no display: no X11 or Wayland server answered (DISPLAY is %s)",
                      getenv("DISPLAY") ? getenv("DISPLAY") : "unset");
        return false;
    }
    return true;
}

bool dfv_window_display_available(char err[DFV_ERR_LEN])
{
    if (!start_video(err)) return false;
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return true;
}

bool dfv_window_open(const char *title, int width, int height, dfv_window **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    if (!start_video(err)) return false;
    dfv_window *w = calloc(1, sizeof *w);
    if (!w) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        dfv_error_set(err, "window: out of memory");
        return false;
    }
    w->window = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                 SDL_WINDOW_RESIZABLE);
    if (w->window) w->renderer = SDL_CreateRenderer(w->window, -1, SDL_RENDERER_PRESENTVSYNC);
    /* Some drivers refuse vsync or acceleration; any renderer will do for one textured quad. */
    if (w->window && !w->renderer) w->renderer = SDL_CreateRenderer(w->window, -1, SDL_RENDERER_SOFTWARE);
    if (!w->window || !w->renderer) {
        dfv_error_set(err, "no display: SDL could not open a window (%s)", SDL_GetError());
        dfv_window_close(w);
        return false;
    }
    *out = w;
    return true;
}

void dfv_window_close(dfv_window *w)
{
    if (!w) return;
    if (w->texture) SDL_DestroyTexture(w->texture);
    if (w->renderer) SDL_DestroyRenderer(w->renderer);
    if (w->window) SDL_DestroyWindow(w->window);
    free(w);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

void dfv_window_size(const dfv_window *w, int *width, int *height)
{
    if (SDL_GetRendererOutputSize(w->renderer, width, height) != 0) SDL_GetWindowSize(w->window, width, height);
}

void dfv_window_set_size(dfv_window *w, int width, int height) { SDL_SetWindowSize(w->window, width, height); }

void dfv_window_toggle_fullscreen(dfv_window *w)
{
    w->fullscreen = !w->fullscreen;
    SDL_SetWindowFullscreen(w->window, w->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
}

bool dfv_window_is_fullscreen(const dfv_window *w) { return w->fullscreen; }
uint32_t dfv_window_id(const dfv_window *w) { return SDL_GetWindowID(w->window); }

static bool ensure_texture(dfv_window *w, int width, int height, char err[DFV_ERR_LEN])
{
    if (w->texture && w->texture_width == width && w->texture_height == height) return true;
    if (w->texture) SDL_DestroyTexture(w->texture);
    w->texture = SDL_CreateTexture(w->renderer, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, width, height);
    if (!w->texture) {
        dfv_error_set(err, "window: cannot create a %dx%d texture (%s)", width, height, SDL_GetError());
        return false;
    }
    w->texture_width = width;
    w->texture_height = height;
    return true;
}

bool dfv_window_present(dfv_window *w, const dfv_canvas *canvas, uint8_t *readback, char err[DFV_ERR_LEN])
{
    if (!ensure_texture(w, canvas->width, canvas->height, err)) return false;
    if (SDL_UpdateTexture(w->texture, NULL, canvas->pixels, canvas->width * 4) != 0 ||
        SDL_RenderClear(w->renderer) != 0 || SDL_RenderCopy(w->renderer, w->texture, NULL, NULL) != 0) {
        dfv_error_set(err, "window: drawing failed (%s)", SDL_GetError());
        return false;
    }
    if (readback) {
        int out_w = 0, out_h = 0;
        dfv_window_size(w, &out_w, &out_h);
        bool same_size = out_w == canvas->width && out_h == canvas->height;
        /* Read before presenting: after a present the back buffer's content is undefined. */
        if (!same_size || SDL_RenderReadPixels(w->renderer, NULL, SDL_PIXELFORMAT_RGB24, readback, canvas->width * 3) != 0)
            dfv_canvas_to_rgb(canvas, readback);
    }
    SDL_RenderPresent(w->renderer);
    return true;
}
