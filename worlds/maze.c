/* Maze world: generation, movement with collision, and the raycaster. */
#include "maze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "texture.h"

#define MAP DFV_MAZE_MAP
#define ZONES 6
#define POSTER_KINDS 4
#define MAX_OBJECTS 8
#define MAX_SIZE 1024

const char *const dfv_maze_action_names[DFV_MAZE_ACTION_COUNT] = {
    "none", "forward", "backward", "turn_left", "turn_right", "strafe_left", "strafe_right",
};

typedef enum { OBJECT_BALL, OBJECT_LAMP, OBJECT_PLANT, OBJECT_CRATE, OBJECT_KINDS } object_kind;

typedef struct {
    float x, y;
    object_kind kind;
    dfv_color color;
} maze_object;

struct dfv_maze {
    int size;
    float focal;        /* pixels per unit of lateral offset at unit depth */
    float tan_half_fov;
    uint8_t cells[MAP * MAP];
    uint8_t zone[MAP * MAP];
    uint8_t poster_faces[MAP * MAP]; /* bit f: face f carries a poster (0 -x, 1 +x, 2 -y, 3 +y) */
    uint8_t poster_kind[MAP * MAP];
    dfv_texture wall_tex[ZONES], floor_tex[ZONES], ceiling_tex[ZONES];
    dfv_texture pillar_tex, poster_tex[POSTER_KINDS];
    maze_object objects[MAX_OBJECTS];
    int object_count;
    float x, y, yaw;
    float row_distance[MAX_SIZE]; /* floor distance seen by each pixel row below the horizon */
};

/* ---- generation ---- */

static int in_map(int cx, int cy) { return cx >= 0 && cy >= 0 && cx < MAP && cy < MAP; }

static void carve_corridors(dfv_maze *m, dfv_rng *rng)
{
    static const int dirs[4][2] = {{2, 0}, {-2, 0}, {0, 2}, {0, -2}};
    int stack[MAP * MAP];
    int top = 0;
    int start = (1 + 2 * dfv_rng_range(rng, 0, MAP / 2 - 1)) + MAP * (1 + 2 * dfv_rng_range(rng, 0, MAP / 2 - 1));
    m->cells[start] = DFV_MAZE_OPEN;
    stack[top++] = start;
    while (top > 0) {
        int cur = stack[top - 1], cx = cur % MAP, cy = cur / MAP;
        int options[4], n = 0;
        for (int d = 0; d < 4; d++) {
            int nx = cx + dirs[d][0], ny = cy + dirs[d][1];
            if (nx > 0 && ny > 0 && nx < MAP - 1 && ny < MAP - 1 && m->cells[ny * MAP + nx] == DFV_MAZE_WALL)
                options[n++] = d;
        }
        if (n == 0) {
            top--;
            continue;
        }
        int d = options[dfv_rng_range(rng, 0, n - 1)];
        int nx = cx + dirs[d][0], ny = cy + dirs[d][1];
        m->cells[(cy + dirs[d][1] / 2) * MAP + cx + dirs[d][0] / 2] = DFV_MAZE_OPEN;
        m->cells[ny * MAP + nx] = DFV_MAZE_OPEN;
        stack[top++] = ny * MAP + nx;
    }
}

/* Rooms are open rectangles on odd coordinates; a pillar stands in the middle of the larger ones. */
static void carve_rooms(dfv_maze *m, dfv_rng *rng)
{
    int rooms = dfv_rng_range(rng, 3, 5);
    for (int r = 0; r < rooms; r++) {
        int w = 2 * dfv_rng_range(rng, 1, 3) + 1, h = 2 * dfv_rng_range(rng, 1, 3) + 1;
        int x0 = 1 + 2 * dfv_rng_range(rng, 0, (MAP - 1 - w) / 2 - 0);
        int y0 = 1 + 2 * dfv_rng_range(rng, 0, (MAP - 1 - h) / 2 - 0);
        if (x0 + w > MAP - 1) x0 = MAP - 1 - w;
        if (y0 + h > MAP - 1) y0 = MAP - 1 - h;
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++) m->cells[y * MAP + x] = DFV_MAZE_OPEN;
        if (w >= 5 && h >= 5 && dfv_rng_float(rng) < 0.7f) {
            int px = x0 + w / 2, py = y0 + h / 2;
            int all_open = 1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if ((dx || dy) && m->cells[(py + dy) * MAP + px + dx] != DFV_MAZE_OPEN) all_open = 0;
            if (all_open) m->cells[py * MAP + px] = DFV_MAZE_PILLAR;
        }
    }
}

/* Knocking out a few walls between open cells adds loops, so exploring does not always dead-end. */
static void open_loops(dfv_maze *m, dfv_rng *rng)
{
    for (int k = 0; k < MAP; k++) {
        int x = dfv_rng_range(rng, 1, MAP - 2), y = dfv_rng_range(rng, 1, MAP - 2);
        if (m->cells[y * MAP + x] != DFV_MAZE_WALL) continue;
        int horizontal = m->cells[y * MAP + x - 1] == DFV_MAZE_OPEN && m->cells[y * MAP + x + 1] == DFV_MAZE_OPEN;
        int vertical = m->cells[(y - 1) * MAP + x] == DFV_MAZE_OPEN && m->cells[(y + 1) * MAP + x] == DFV_MAZE_OPEN;
        if (horizontal != vertical) m->cells[y * MAP + x] = DFV_MAZE_OPEN;
    }
}

static void assign_zones(dfv_maze *m, dfv_rng *rng)
{
    float centres[ZONES][2];
    for (int z = 0; z < ZONES; z++) {
        centres[z][0] = dfv_rng_float(rng) * MAP;
        centres[z][1] = dfv_rng_float(rng) * MAP;
    }
    for (int y = 0; y < MAP; y++)
        for (int x = 0; x < MAP; x++) {
            int best = 0;
            float best_d = 1e30f;
            for (int z = 0; z < ZONES; z++) {
                float dx = x + 0.5f - centres[z][0], dy = y + 0.5f - centres[z][1], d = dx * dx + dy * dy;
                if (d < best_d) best_d = d, best = z;
            }
            m->zone[y * MAP + x] = (uint8_t)best;
        }
}

static void make_textures(dfv_maze *m, dfv_rng *rng)
{
    static const dfv_pattern wall_patterns[] = {DFV_PATTERN_BRICKS, DFV_PATTERN_BLOCKS, DFV_PATTERN_PLANKS,
                                                DFV_PATTERN_TILES, DFV_PATTERN_WAINSCOT, DFV_PATTERN_ROCK};
    static const dfv_pattern floor_patterns[] = {DFV_PATTERN_CHECKER, DFV_PATTERN_CARPET, DFV_PATTERN_PLANKS,
                                                 DFV_PATTERN_TILES, DFV_PATTERN_ROCK};
    float hue0 = dfv_rng_float(rng);
    int pattern_shift = dfv_rng_range(rng, 0, 5);
    for (int z = 0; z < ZONES; z++) {
        /* Golden-ratio hue steps keep neighbouring zones' colours apart. */
        float hue = hue0 + 0.618034f * (float)z;
        dfv_color base = dfv_color_hsv(hue, 0.35f + 0.4f * dfv_rng_float(rng), 0.55f + 0.35f * dfv_rng_float(rng));
        dfv_color accent = dfv_color_hsv(hue + 0.08f, 0.2f + 0.3f * dfv_rng_float(rng), 0.3f + 0.5f * dfv_rng_float(rng));
        dfv_texture_make(&m->wall_tex[z], wall_patterns[(z + pattern_shift) % 6], base, accent, dfv_rng_next(rng));
        dfv_color floor_base = dfv_color_hsv(hue + 0.5f, 0.2f + 0.4f * dfv_rng_float(rng), 0.35f + 0.3f * dfv_rng_float(rng));
        dfv_color floor_accent = dfv_color_hsv(hue + 0.4f, 0.3f, 0.2f + 0.3f * dfv_rng_float(rng));
        dfv_texture_make(&m->floor_tex[z], floor_patterns[dfv_rng_range(rng, 0, 4)], floor_base, floor_accent,
                         dfv_rng_next(rng));
        dfv_color ceiling = dfv_color_hsv(hue + 0.25f, 0.1f + 0.2f * dfv_rng_float(rng), 0.55f + 0.3f * dfv_rng_float(rng));
        dfv_texture_make(&m->ceiling_tex[z], DFV_PATTERN_CEILING_PANELS, ceiling, ceiling, dfv_rng_next(rng));
    }
    dfv_texture_make(&m->pillar_tex, DFV_PATTERN_BLOCKS, dfv_color_hsv(hue0 + 0.3f, 0.15f, 0.8f),
                     dfv_color_hsv(hue0, 0.5f, 0.5f), dfv_rng_next(rng));
    for (int p = 0; p < POSTER_KINDS; p++)
        dfv_texture_make(&m->poster_tex[p], DFV_PATTERN_POSTER, dfv_color_hsv(dfv_rng_float(rng), 0.6f, 0.9f),
                         dfv_color_hsv(dfv_rng_float(rng), 0.8f, 0.6f), dfv_rng_next(rng));
}

static void place_posters(dfv_maze *m, dfv_rng *rng)
{
    static const int face_dirs[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
    int placed = 0, wanted = dfv_rng_range(rng, 8, 14);
    for (int tries = 0; tries < 400 && placed < wanted; tries++) {
        int x = dfv_rng_range(rng, 0, MAP - 1), y = dfv_rng_range(rng, 0, MAP - 1), f = dfv_rng_range(rng, 0, 3);
        int nx = x + face_dirs[f][0], ny = y + face_dirs[f][1];
        if (m->cells[y * MAP + x] != DFV_MAZE_WALL || !in_map(nx, ny) || m->cells[ny * MAP + nx] != DFV_MAZE_OPEN)
            continue;
        m->poster_faces[y * MAP + x] |= (uint8_t)(1u << f);
        m->poster_kind[y * MAP + x] = (uint8_t)dfv_rng_range(rng, 0, POSTER_KINDS - 1);
        placed++;
    }
}

static int object_in_cell(const dfv_maze *m, int cx, int cy)
{
    for (int i = 0; i < m->object_count; i++)
        if ((int)m->objects[i].x == cx && (int)m->objects[i].y == cy) return 1;
    return 0;
}

static void random_open_cell(const dfv_maze *m, dfv_rng *rng, int *cx, int *cy)
{
    for (;;) {
        int x = dfv_rng_range(rng, 1, MAP - 2), y = dfv_rng_range(rng, 1, MAP - 2);
        if (m->cells[y * MAP + x] == DFV_MAZE_OPEN && !object_in_cell(m, x, y)) {
            *cx = x;
            *cy = y;
            return;
        }
    }
}

static void place_objects(dfv_maze *m, dfv_rng *rng)
{
    int wanted = dfv_rng_range(rng, 4, MAX_OBJECTS - 1);
    m->object_count = 0;
    for (int i = 0; i < wanted; i++) {
        int cx, cy;
        random_open_cell(m, rng, &cx, &cy);
        maze_object *o = &m->objects[m->object_count++];
        /* Off-centre but always at least a body radius from the cell's walls. */
        o->x = cx + 0.5f + (dfv_rng_float(rng) - 0.5f) * 0.3f;
        o->y = cy + 0.5f + (dfv_rng_float(rng) - 0.5f) * 0.3f;
        o->kind = (object_kind)dfv_rng_range(rng, 0, OBJECT_KINDS - 1);
        o->color = dfv_color_hsv(dfv_rng_float(rng), 0.7f, 0.9f);
    }
}

static void generate(dfv_maze *m, uint64_t seed)
{
    dfv_rng rng = dfv_rng_make(seed);
    memset(m->cells, DFV_MAZE_WALL, sizeof m->cells);
    memset(m->poster_faces, 0, sizeof m->poster_faces);
    memset(m->poster_kind, 0, sizeof m->poster_kind);
    carve_corridors(m, &rng);
    carve_rooms(m, &rng);
    open_loops(m, &rng);
    assign_zones(m, &rng);
    make_textures(m, &rng);
    place_posters(m, &rng);
    place_objects(m, &rng);
    /* Spawn at a free cell's centre: a body radius of 0.2 cannot touch any wall from there. */
    int cx, cy;
    random_open_cell(m, &rng, &cx, &cy);
    m->x = cx + 0.5f;
    m->y = cy + 0.5f;
    m->yaw = dfv_rng_float(&rng) * 6.2831853f;
}

static void setup_projection(dfv_maze *m, int size)
{
    m->size = size;
    m->tan_half_fov = tanf(DFV_MAZE_FOV * 0.5f);
    m->focal = 0.5f * (float)size / m->tan_half_fov;
    float centre = 0.5f * (float)size;
    for (int y = 0; y < size; y++) {
        float below = (float)y + 0.5f - centre;
        m->row_distance[y] = below > 0 ? 0.5f * m->focal / below : 0.0f;
    }
}

int dfv_maze_create(uint64_t seed, int size, dfv_maze **out, char err[DFV_ERR_LEN])
{
    if (size < 8 || size > MAX_SIZE) {
        dfv_error_set(err, "maze: size %d outside 8..%d", size, MAX_SIZE);
        return -1;
    }
    dfv_maze *m = calloc(1, sizeof *m);
    if (!m) {
        dfv_error_set(err, "maze: out of memory");
        return -1;
    }
    setup_projection(m, size);
    generate(m, seed);
    *out = m;
    return 0;
}

void dfv_maze_destroy(dfv_maze *maze) { free(maze); }

/* ---- movement ---- */

int dfv_maze_cell(const dfv_maze *m, int cx, int cy)
{
    return in_map(cx, cy) ? m->cells[cy * MAP + cx] : DFV_MAZE_WALL;
}

int dfv_maze_is_solid(const dfv_maze *m, float x, float y)
{
    if (dfv_maze_cell(m, (int)floorf(x), (int)floorf(y)) != DFV_MAZE_OPEN) return 1;
    for (int i = 0; i < m->object_count; i++) {
        float dx = x - m->objects[i].x, dy = y - m->objects[i].y;
        if (dx * dx + dy * dy < DFV_MAZE_OBJECT_RADIUS * DFV_MAZE_OBJECT_RADIUS) return 1;
    }
    return 0;
}

/* The body is a circle; for a radius under half a cell, testing its bounding box's corners against the
 * (axis-aligned, unit) wall cells is exact enough and never lets it overlap a wall. */
int dfv_maze_body_collides(const dfv_maze *m, float x, float y)
{
    const float r = DFV_MAZE_BODY_RADIUS;
    if (dfv_maze_cell(m, (int)floorf(x - r), (int)floorf(y - r)) || dfv_maze_cell(m, (int)floorf(x + r), (int)floorf(y - r)) ||
        dfv_maze_cell(m, (int)floorf(x - r), (int)floorf(y + r)) || dfv_maze_cell(m, (int)floorf(x + r), (int)floorf(y + r)))
        return 1;
    const float reach = r + DFV_MAZE_OBJECT_RADIUS;
    for (int i = 0; i < m->object_count; i++) {
        float dx = x - m->objects[i].x, dy = y - m->objects[i].y;
        if (dx * dx + dy * dy < reach * reach) return 1;
    }
    return 0;
}

/* Moves one axis at a time so that the camera slides along walls instead of sticking. */
static void move(dfv_maze *m, float dx, float dy)
{
    if (!dfv_maze_body_collides(m, m->x + dx, m->y)) m->x += dx;
    if (!dfv_maze_body_collides(m, m->x, m->y + dy)) m->y += dy;
}

void dfv_maze_step(dfv_maze *m, const float *action)
{
    int pressed[DFV_MAZE_ACTION_COUNT];
    for (int i = 0; i < DFV_MAZE_ACTION_COUNT; i++) pressed[i] = action && action[i] > 0.5f;
    if (pressed[DFV_MAZE_TURN_LEFT]) m->yaw += DFV_MAZE_TURN_STEP;
    if (pressed[DFV_MAZE_TURN_RIGHT]) m->yaw -= DFV_MAZE_TURN_STEP;
    m->yaw = fmodf(m->yaw, 6.2831853f);
    if (m->yaw < 0) m->yaw += 6.2831853f;
    float fx = cosf(m->yaw), fy = sinf(m->yaw); /* forward */
    float rx = fy, ry = -fx;                     /* right: forward turned clockwise */
    float along = 0, across = 0;
    if (pressed[DFV_MAZE_FORWARD]) along += DFV_MAZE_MOVE_STEP;
    if (pressed[DFV_MAZE_BACKWARD]) along -= DFV_MAZE_MOVE_STEP;
    if (pressed[DFV_MAZE_STRAFE_RIGHT]) across += DFV_MAZE_STRAFE_STEP;
    if (pressed[DFV_MAZE_STRAFE_LEFT]) across -= DFV_MAZE_STRAFE_STEP;
    if (along != 0 || across != 0) move(m, fx * along + rx * across, fy * along + ry * across);
}

dfv_world_pose dfv_maze_pose(const dfv_maze *m) { return (dfv_world_pose){m->x, m->y, 0.5f, m->yaw, 0.0f}; }

void dfv_maze_set_pose(dfv_maze *m, float x, float y, float yaw)
{
    m->x = x;
    m->y = y;
    m->yaw = yaw;
}

float dfv_maze_clearance(const dfv_maze *m, float relative_yaw, float max_distance)
{
    float dx = cosf(m->yaw + relative_yaw), dy = sinf(m->yaw + relative_yaw);
    const float step = 0.05f;
    for (float t = step; t < max_distance; t += step)
        if (dfv_maze_is_solid(m, m->x + dx * t, m->y + dy * t)) return t - step;
    return max_distance;
}

/* ---- rendering ---- */

/* Brightness (out of 256) at a distance: dim with distance, like a torch-lit corridor. */
static inline int distance_shade(float distance) { return (int)(256.0f / (1.0f + 0.16f * distance)); }

static inline void put_texel(uint8_t *dst, const uint8_t *texel, int shade)
{
    dst[0] = (uint8_t)((texel[0] * shade) >> 8);
    dst[1] = (uint8_t)((texel[1] * shade) >> 8);
    dst[2] = (uint8_t)((texel[2] * shade) >> 8);
}

typedef struct {
    float distance; /* perpendicular to the view plane: no fisheye */
    float wall_u;   /* 0..1 across the face */
    int cell, prev_cell, face;
} wall_hit;

static wall_hit cast_ray(const dfv_maze *m, float ray_x, float ray_y)
{
    int cx = (int)m->x, cy = (int)m->y;
    float delta_x = ray_x != 0 ? fabsf(1.0f / ray_x) : 1e30f, delta_y = ray_y != 0 ? fabsf(1.0f / ray_y) : 1e30f;
    int step_x = ray_x < 0 ? -1 : 1, step_y = ray_y < 0 ? -1 : 1;
    float side_x = ray_x < 0 ? (m->x - cx) * delta_x : (cx + 1.0f - m->x) * delta_x;
    float side_y = ray_y < 0 ? (m->y - cy) * delta_y : (cy + 1.0f - m->y) * delta_y;
    wall_hit hit = {0};
    int prev = cy * MAP + cx, side = 0;
    for (int guard = 0; guard < 4 * MAP; guard++) {
        prev = cy * MAP + cx;
        if (side_x < side_y) {
            side_x += delta_x;
            cx += step_x;
            side = 0;
        } else {
            side_y += delta_y;
            cy += step_y;
            side = 1;
        }
        if (!in_map(cx, cy) || m->cells[cy * MAP + cx] != DFV_MAZE_OPEN) break;
    }
    hit.distance = side == 0 ? side_x - delta_x : side_y - delta_y;
    if (hit.distance < 1e-4f) hit.distance = 1e-4f;
    float along = side == 0 ? m->y + hit.distance * ray_y : m->x + hit.distance * ray_x;
    hit.wall_u = along - floorf(along);
    hit.cell = in_map(cx, cy) ? cy * MAP + cx : prev;
    hit.prev_cell = prev;
    hit.face = side == 0 ? (step_x > 0 ? 0 : 1) : (step_y > 0 ? 2 : 3);
    return hit;
}

static void draw_wall_column(const dfv_maze *m, uint8_t *rgb, int col, const wall_hit *hit, int *first_floor_row)
{
    int size = m->size;
    float centre = 0.5f * size, half = 0.5f * m->focal / hit->distance;
    float top = centre - half, bottom = centre + half;
    int y0 = (int)ceilf(top - 0.5f), y1 = (int)ceilf(bottom - 0.5f);
    if (y0 < 0) y0 = 0;
    if (y1 > size) y1 = size;
    const dfv_texture *tex = m->cells[hit->cell] == DFV_MAZE_PILLAR ? &m->pillar_tex : &m->wall_tex[m->zone[hit->prev_cell]];
    int has_poster = (m->poster_faces[hit->cell] >> hit->face) & 1;
    const dfv_texture *poster = &m->poster_tex[m->poster_kind[hit->cell]];
    int shade = distance_shade(hit->distance);
    if (hit->face >= 2) shade = shade * 205 >> 8; /* faces along x are darker: cheap directional light */
    int tu = (int)(hit->wall_u * DFV_TEX_SIZE) & DFV_TEX_MASK;
    float inv_height = 1.0f / (bottom - top);
    for (int y = y0; y < y1; y++) {
        float v = ((float)y + 0.5f - top) * inv_height;
        int tv = (int)(v * DFV_TEX_SIZE) & DFV_TEX_MASK;
        const uint8_t *texel = &tex->rgb[(tv * DFV_TEX_SIZE + tu) * 3];
        if (has_poster && hit->wall_u > 0.2f && hit->wall_u < 0.8f && v > 0.15f && v < 0.6f) {
            int pu = (int)((hit->wall_u - 0.2f) * (DFV_TEX_SIZE / 0.6f)), pv = (int)((v - 0.15f) * (DFV_TEX_SIZE / 0.45f));
            texel = &poster->rgb[((pv & DFV_TEX_MASK) * DFV_TEX_SIZE + (pu & DFV_TEX_MASK)) * 3];
        }
        put_texel(&rgb[(y * size + col) * 3], texel, shade);
    }
    *first_floor_row = y1;
}

/* Floor below the wall and, mirrored about the horizon, the ceiling above it (eye height is half the
 * wall height, so both are at the same distance for mirrored rows). */
static void draw_floor_column(const dfv_maze *m, uint8_t *rgb, int col, float ray_x, float ray_y, int first_row)
{
    int size = m->size;
    int start = first_row > size / 2 ? first_row : (size + 1) / 2;
    for (int y = start; y < size; y++) {
        float d = m->row_distance[y];
        float px = m->x + ray_x * d, py = m->y + ray_y * d;
        int cx = (int)px, cy = (int)py;
        if (cx < 0) cx = 0;
        if (cy < 0) cy = 0;
        if (cx >= MAP) cx = MAP - 1;
        if (cy >= MAP) cy = MAP - 1;
        int zone = m->zone[cy * MAP + cx];
        int tu = (int)(px * DFV_TEX_SIZE) & DFV_TEX_MASK, tv = (int)(py * DFV_TEX_SIZE) & DFV_TEX_MASK;
        int offset = (tv * DFV_TEX_SIZE + tu) * 3;
        int shade = distance_shade(d);
        put_texel(&rgb[(y * size + col) * 3], &m->floor_tex[zone].rgb[offset], shade);
        put_texel(&rgb[((size - 1 - y) * size + col) * 3], &m->ceiling_tex[zone].rgb[offset], shade);
    }
}

/* Colour of an object's billboard at (wx across, wz up) in world units from its base centre; 0 if empty. */
static int object_texel(const maze_object *o, float wx, float wz, float rgb_out[3])
{
    dfv_color c = o->color;
    float light = 1.0f;
    switch (o->kind) {
    case OBJECT_BALL: {
        float r = 0.17f, dz = wz - r, d2 = (wx * wx + dz * dz) / (r * r);
        if (d2 > 1) return 0;
        float nz = sqrtf(1 - d2), nx = wx / r, ny = dz / r;
        light = 0.3f + 0.7f * fmaxf(0.0f, -0.4f * nx + 0.5f * ny + 0.77f * nz);
        if (light > 0.95f) c = (dfv_color){1, 1, 1};
        break;
    }
    case OBJECT_LAMP:
        if (wz > 0.62f && wz < 0.82f && wx * wx + (wz - 0.72f) * (wz - 0.72f) < 0.01f) {
            c = (dfv_color){1.0f, 0.95f, 0.6f};
        } else if (fabsf(wx) < 0.025f && wz <= 0.64f) {
            c = (dfv_color){0.25f, 0.25f, 0.28f};
        } else if (fabsf(wx) < 0.12f && wz < 0.04f) {
            c = (dfv_color){0.2f, 0.2f, 0.22f};
        } else {
            return 0;
        }
        break;
    case OBJECT_PLANT:
        if (wz < 0.16f && fabsf(wx) < 0.08f + 0.2f * wz) {
            c = (dfv_color){0.55f, 0.3f, 0.15f};
        } else if (wz >= 0.16f && wx * wx + (wz - 0.32f) * (wz - 0.32f) * 0.7f < 0.025f) {
            c = (dfv_color){0.15f, 0.55f + 0.2f * sinf(wx * 60.0f + wz * 40.0f), 0.15f};
        } else {
            return 0;
        }
        break;
    default: /* crate */
        if (fabsf(wx) > 0.16f || wz > 0.32f) return 0;
        c = (dfv_color){0.6f * c.r + 0.3f, 0.45f * c.g + 0.25f, 0.2f * c.b + 0.1f};
        if (fabsf(wx) > 0.14f || wz > 0.3f || wz < 0.02f || fabsf(fabsf(wx) - wz * 0.5f) < 0.015f) light = 0.6f;
        break;
    }
    rgb_out[0] = c.r * light;
    rgb_out[1] = c.g * light;
    rgb_out[2] = c.b * light;
    return 1;
}

static void draw_object(const dfv_maze *m, uint8_t *rgb, const float *depth_of_column, const maze_object *o,
                        float depth, float lateral)
{
    const float width = 0.4f, height = 0.85f;
    int size = m->size;
    float centre = 0.5f * size, scale = m->focal / depth;
    float screen_x = centre + lateral * scale;
    int x0 = (int)floorf(screen_x - 0.5f * width * scale), x1 = (int)ceilf(screen_x + 0.5f * width * scale);
    float floor_y = centre + 0.5f * scale;
    int y0 = (int)floorf(floor_y - height * scale), y1 = (int)ceilf(floor_y);
    if (x0 < 0) x0 = 0;
    if (x1 > size) x1 = size;
    if (y0 < 0) y0 = 0;
    if (y1 > size) y1 = size;
    float shade = (float)distance_shade(depth) * (1.0f / 256.0f) * 255.0f;
    for (int col = x0; col < x1; col++) {
        if (depth >= depth_of_column[col]) continue;
        float wx = ((float)col + 0.5f - screen_x) / scale;
        for (int y = y0; y < y1; y++) {
            float wz = (floor_y - ((float)y + 0.5f)) / scale;
            float c[3];
            if (!object_texel(o, wx, wz, c)) continue;
            uint8_t *dst = &rgb[(y * size + col) * 3];
            for (int k = 0; k < 3; k++) {
                float v = c[k] * shade;
                dst[k] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
}

static void draw_objects(const dfv_maze *m, uint8_t *rgb, const float *depth_of_column)
{
    float fx = cosf(m->yaw), fy = sinf(m->yaw), rx = fy, ry = -fx;
    int order[MAX_OBJECTS], n = 0;
    float depth[MAX_OBJECTS], lateral[MAX_OBJECTS];
    for (int i = 0; i < m->object_count; i++) {
        float dx = m->objects[i].x - m->x, dy = m->objects[i].y - m->y;
        depth[i] = dx * fx + dy * fy;
        lateral[i] = dx * rx + dy * ry;
        if (depth[i] > 0.05f) order[n++] = i;
    }
    /* Far to near, so nearer objects cover farther ones. */
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && depth[order[b]] > depth[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (int k = 0; k < n; k++)
        draw_object(m, rgb, depth_of_column, &m->objects[order[k]], depth[order[k]], lateral[order[k]]);
}

void dfv_maze_render(const dfv_maze *m, uint8_t *rgb)
{
    float depth_of_column[MAX_SIZE];
    float fx = cosf(m->yaw), fy = sinf(m->yaw), rx = fy, ry = -fx;
    for (int col = 0; col < m->size; col++) {
        float u = (2.0f * ((float)col + 0.5f) / (float)m->size - 1.0f) * m->tan_half_fov;
        float ray_x = fx + rx * u, ray_y = fy + ry * u;
        wall_hit hit = cast_ray(m, ray_x, ray_y);
        int first_floor_row;
        draw_wall_column(m, rgb, col, &hit, &first_floor_row);
        draw_floor_column(m, rgb, col, ray_x, ray_y, first_floor_row);
        depth_of_column[col] = hit.distance;
    }
    draw_objects(m, rgb, depth_of_column);
}
