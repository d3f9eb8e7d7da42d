/* Voxel world: terrain generation, body physics and the ray-marching renderer. */
#include "voxel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "texture.h"

#define SIDE 128 /* columns per side; a power of two so wrapping is a mask */
#define SIDE_MASK (SIDE - 1)
#define HEIGHT 40
#define BTEX 16 /* texels per block face */
#define MAX_DISTANCE 26.0f
#define FOG_START 9.0f
#define CLOUD_HEIGHT 52.0f
#define MAX_SIZE 1024
#define TILE 8 /* columns per side of a skipping tile */
#define TILES (SIDE / TILE)
#define BODY_HALF 0.3f
#define BODY_HEIGHT 1.8f
#define EYE_HEIGHT 1.6f

const char *const dfv_voxel_action_names[DFV_VOXEL_ACTION_COUNT] = {
    "forward", "backward", "strafe_left", "strafe_right", "jump", "turn_left", "turn_right", "look_up", "look_down",
};

enum { AIR, GRASS, DIRT, STONE, SAND, WATER, WOOD, LEAVES, BLOCK_KINDS };
enum { FACE_TOP, FACE_SIDE, FACE_BOTTOM, FACE_KINDS };

typedef struct {
    float r, g, b;
} rgbf;

struct dfv_voxel {
    int size;
    float tan_half_fov;
    uint8_t blocks[SIDE * SIDE * HEIGHT]; /* index ((y * SIDE) + x) * HEIGHT + z: columns contiguous */
    uint8_t tex[BLOCK_KINDS][FACE_KINDS][BTEX * BTEX * 3];
    rgbf sky_zenith, sky_horizon, sun_color, water_color;
    float sun[3];
    float cloud_cover;
    uint64_t cloud_seed;
    int top_z; /* no block at or above this height: rays climbing past it see only sky */
    uint8_t tile_top[TILES * TILES]; /* per tile of columns: no block at or above this height */
    float x, y, z, yaw, pitch; /* feet position */
    float vz;
    int on_ground;
};

static inline int wrap(int v) { return v & SIDE_MASK; }

static inline int block_at(const dfv_voxel *v, int x, int y, int z)
{
    if (z < 0) return STONE;
    if (z >= HEIGHT) return AIR;
    return v->blocks[(wrap(y) * SIDE + wrap(x)) * HEIGHT + z];
}

static inline int is_solid_block(int b) { return b != AIR && b != WATER; }

/* ---- generation ---- */

static float fbm(uint64_t seed, float x, float y, int period, int octaves)
{
    float sum = 0, amp = 0.5f, norm = 0;
    for (int o = 0; o < octaves; o++) {
        sum += amp * dfv_tex_noise(seed + (uint64_t)o * 101, x, y, period);
        norm += amp;
        x *= 2;
        y *= 2;
        period *= 2;
        amp *= 0.5f;
    }
    return sum / norm;
}

static int terrain_height(uint64_t seed, int x, int y, float roughness)
{
    /* Periods divide SIDE, so the terrain tiles and the world wraps without a seam. */
    float broad = fbm(seed, x * 4.0f / SIDE, y * 4.0f / SIDE, 4, 3);
    float detail = fbm(seed + 17, x * 16.0f / SIDE, y * 16.0f / SIDE, 16, 2);
    float h = 6.0f + 22.0f * broad * broad * 1.6f + roughness * 4.0f * (detail - 0.5f);
    int hi = (int)h;
    return hi < 2 ? 2 : hi > HEIGHT - 10 ? HEIGHT - 10 : hi;
}

static void set_block(dfv_voxel *v, int x, int y, int z, int b)
{
    if (z >= 0 && z < HEIGHT) v->blocks[(wrap(y) * SIDE + wrap(x)) * HEIGHT + z] = (uint8_t)b;
}

static void fill_columns(dfv_voxel *v, uint64_t seed, float roughness)
{
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            int h = terrain_height(seed, x, y, roughness);
            int beach = h <= DFV_VOXEL_WATER_LEVEL + 1, peak = h >= 24;
            for (int z = 0; z < HEIGHT; z++) {
                int b = AIR;
                if (z < h - 3) b = STONE;
                else if (z < h - 1) b = beach ? SAND : peak ? STONE : DIRT;
                else if (z == h - 1) b = beach ? SAND : peak ? STONE : GRASS;
                else if (z < DFV_VOXEL_WATER_LEVEL) b = WATER;
                v->blocks[(y * SIDE + x) * HEIGHT + z] = (uint8_t)b;
            }
        }
}

static int column_top(const dfv_voxel *v, int x, int y)
{
    for (int z = HEIGHT - 1; z >= 0; z--)
        if (block_at(v, x, y, z) != AIR) return z;
    return -1;
}

static void plant_tree(dfv_voxel *v, dfv_rng *rng, int x, int y, int ground)
{
    int trunk = dfv_rng_range(rng, 3, 5);
    int top = ground + trunk;
    for (int dz = -2; dz <= 1; dz++) {
        int radius = dz >= 0 ? 1 : 2;
        for (int dy = -radius; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++) {
                if (radius == 2 && abs(dx) == 2 && abs(dy) == 2 && dfv_rng_float(rng) < 0.7f) continue;
                if (block_at(v, x + dx, y + dy, top + dz) == AIR) set_block(v, x + dx, y + dy, top + dz, LEAVES);
            }
    }
    for (int z = ground + 1; z <= top; z++) set_block(v, x, y, z, WOOD);
}

static void plant_trees(dfv_voxel *v, dfv_rng *rng, uint64_t seed)
{
    for (int y = 0; y < SIDE; y += 3)
        for (int x = 0; x < SIDE; x += 3) {
            int tx = x + dfv_rng_range(rng, 0, 2), ty = y + dfv_rng_range(rng, 0, 2);
            /* Forests in patches: a slow noise decides where trees are dense. */
            float forest = dfv_tex_noise(seed + 55, tx * 8.0f / SIDE, ty * 8.0f / SIDE, 8);
            if (dfv_rng_float(rng) > (forest > 0.55f ? 0.35f : 0.03f)) continue;
            int ground = column_top(v, tx, ty);
            if (ground >= 0 && block_at(v, tx, ty, ground) == GRASS) plant_tree(v, rng, tx, ty, ground);
        }
}

static rgbf jitter(dfv_rng *rng, rgbf c, float amount)
{
    return (rgbf){c.r * (1 + amount * (dfv_rng_float(rng) - 0.5f)), c.g * (1 + amount * (dfv_rng_float(rng) - 0.5f)),
                  c.b * (1 + amount * (dfv_rng_float(rng) - 0.5f))};
}

static void put_texel(uint8_t *dst, rgbf c, float light)
{
    float rgb[3] = {c.r * light, c.g * light, c.b * light};
    for (int k = 0; k < 3; k++) dst[k] = (uint8_t)(rgb[k] <= 0 ? 0 : rgb[k] >= 1 ? 255 : rgb[k] * 255.0f);
}

/* One block face texture: base colour with pixel-scale noise and a per-kind pattern. */
static void make_block_texture(dfv_voxel *v, int kind, int face, rgbf base, rgbf second, uint64_t seed)
{
    for (int ty = 0; ty < BTEX; ty++)
        for (int tx = 0; tx < BTEX; tx++) {
            float n = dfv_tex_noise(seed, (float)tx, (float)ty, BTEX);
            float speck = (float)(dfv_rng_mix(seed ^ (uint64_t)(ty * BTEX + tx)) >> 40) / 16777216.0f;
            rgbf c = base;
            float light = 0.82f + 0.18f * n + 0.14f * (speck - 0.5f);
            if (kind == GRASS && face == FACE_SIDE && ty > 3 + (int)(3 * speck * (tx & 1))) c = second;
            if (kind == WOOD && face == FACE_SIDE && (tx % 4 == 0)) light *= 0.75f;
            if (kind == WOOD && face != FACE_SIDE) {
                float r = hypotf(tx - 7.5f, ty - 7.5f);
                c = ((int)r % 3 == 0) ? second : base;
            }
            if (kind == STONE && speck > 0.85f) light *= 0.7f;
            if (kind == LEAVES && speck > 0.7f) light *= 0.6f;
            if (kind == WATER) light = 0.9f + 0.1f * sinf(tx * 0.8f + 2 * n);
            put_texel(&v->tex[kind][face][(ty * BTEX + tx) * 3], c, light);
        }
}

static void make_textures(dfv_voxel *v, dfv_rng *rng)
{
    rgbf grass = jitter(rng, (rgbf){0.36f, 0.62f, 0.22f}, 0.3f), dirt = jitter(rng, (rgbf){0.52f, 0.37f, 0.24f}, 0.2f);
    rgbf stone = jitter(rng, (rgbf){0.5f, 0.5f, 0.52f}, 0.15f), sand = jitter(rng, (rgbf){0.86f, 0.8f, 0.56f}, 0.1f);
    rgbf bark = jitter(rng, (rgbf){0.4f, 0.29f, 0.16f}, 0.2f), rings = (rgbf){0.66f, 0.52f, 0.32f};
    rgbf leaves = jitter(rng, (rgbf){0.2f, 0.5f, 0.18f}, 0.3f);
    v->water_color = jitter(rng, (rgbf){0.16f, 0.36f, 0.72f}, 0.2f);
    for (int face = 0; face < FACE_KINDS; face++) {
        make_block_texture(v, GRASS, face, face == FACE_TOP ? grass : face == FACE_SIDE ? grass : dirt, dirt, dfv_rng_next(rng));
        make_block_texture(v, DIRT, face, dirt, dirt, dfv_rng_next(rng));
        make_block_texture(v, STONE, face, stone, stone, dfv_rng_next(rng));
        make_block_texture(v, SAND, face, sand, sand, dfv_rng_next(rng));
        make_block_texture(v, WATER, face, v->water_color, v->water_color, dfv_rng_next(rng));
        make_block_texture(v, WOOD, face, face == FACE_SIDE ? bark : rings, bark, dfv_rng_next(rng));
        make_block_texture(v, LEAVES, face, leaves, leaves, dfv_rng_next(rng));
    }
}

static void make_sky(dfv_voxel *v, dfv_rng *rng)
{
    float warmth = dfv_rng_float(rng);
    v->sky_zenith = (rgbf){0.22f + 0.1f * warmth, 0.42f + 0.1f * dfv_rng_float(rng), 0.85f};
    v->sky_horizon = (rgbf){0.72f + 0.2f * warmth, 0.8f + 0.1f * warmth, 0.92f};
    v->sun_color = (rgbf){1.0f, 0.95f - 0.15f * warmth, 0.8f - 0.3f * warmth};
    float azimuth = dfv_rng_float(rng) * 6.2831853f, elevation = 0.25f + 0.6f * dfv_rng_float(rng);
    v->sun[0] = cosf(elevation) * cosf(azimuth);
    v->sun[1] = cosf(elevation) * sinf(azimuth);
    v->sun[2] = sinf(elevation);
    v->cloud_cover = 0.47f + 0.1f * dfv_rng_float(rng);
    v->cloud_seed = dfv_rng_next(rng);
}

static int body_collides_at(const dfv_voxel *v, float x, float y, float z)
{
    int x0 = (int)floorf(x - BODY_HALF), x1 = (int)floorf(x + BODY_HALF);
    int y0 = (int)floorf(y - BODY_HALF), y1 = (int)floorf(y + BODY_HALF);
    int z0 = (int)floorf(z), z1 = (int)floorf(z + BODY_HEIGHT);
    for (int bz = z0; bz <= z1; bz++)
        for (int by = y0; by <= y1; by++)
            for (int bx = x0; bx <= x1; bx++)
                if (is_solid_block(block_at(v, bx, by, bz))) return 1;
    return 0;
}

/* On dry grass or sand, with head room, not in a tree. */
static void spawn(dfv_voxel *v, dfv_rng *rng)
{
    /* Fallback if no dry spot turns up: above the first column's top, raised until the body fits. */
    v->x = v->y = 0.5f;
    v->z = (float)(column_top(v, 0, 0) + 1);
    while (v->z < HEIGHT && body_collides_at(v, v->x, v->y, v->z)) v->z += 1.0f;
    for (int tries = 0; tries < 100000; tries++) {
        int x = dfv_rng_range(rng, 0, SIDE - 1), y = dfv_rng_range(rng, 0, SIDE - 1);
        int top = column_top(v, x, y);
        int b = block_at(v, x, y, top);
        if ((b != GRASS && b != SAND) || top < DFV_VOXEL_WATER_LEVEL) continue;
        if (!body_collides_at(v, x + 0.5f, y + 0.5f, (float)(top + 1))) {
            v->x = x + 0.5f;
            v->y = y + 0.5f;
            v->z = (float)(top + 1);
            break;
        }
    }
    v->yaw = dfv_rng_float(rng) * 6.2831853f;
    v->pitch = 0;
    v->vz = 0;
    v->on_ground = 1;
}

static void measure_heights(dfv_voxel *v)
{
    v->top_z = 0;
    memset(v->tile_top, 0, sizeof v->tile_top);
    for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x++) {
            int top = column_top(v, x, y) + 1;
            uint8_t *tile = &v->tile_top[(y / TILE) * TILES + x / TILE];
            if (top > *tile) *tile = (uint8_t)top;
            if (top > v->top_z) v->top_z = top;
        }
}

static void generate(dfv_voxel *v, uint64_t seed)
{
    dfv_rng rng = dfv_rng_make(seed);
    uint64_t terrain_seed = dfv_rng_next(&rng);
    fill_columns(v, terrain_seed, 0.5f + dfv_rng_float(&rng));
    plant_trees(v, &rng, terrain_seed);
    measure_heights(v);
    make_textures(v, &rng);
    make_sky(v, &rng);
    spawn(v, &rng);
}

int dfv_voxel_create(uint64_t seed, int size, dfv_voxel **out, char err[DFV_ERR_LEN])
{
    if (size < 8 || size > MAX_SIZE) {
        dfv_error_set(err, "voxel: size %d outside 8..%d", size, MAX_SIZE);
        return -1;
    }
    dfv_voxel *v = calloc(1, sizeof *v);
    if (!v) {
        dfv_error_set(err, "voxel: out of memory");
        return -1;
    }
    v->size = size;
    v->tan_half_fov = tanf(DFV_VOXEL_FOV * 0.5f);
    generate(v, seed);
    *out = v;
    return 0;
}

void dfv_voxel_destroy(dfv_voxel *voxel) { free(voxel); }

/* ---- physics ---- */

static int feet_in_water(const dfv_voxel *v)
{
    return block_at(v, (int)floorf(v->x), (int)floorf(v->y), (int)floorf(v->z + 0.3f)) == WATER;
}

static void move_horizontal(dfv_voxel *v, float dx, float dy)
{
    if (!body_collides_at(v, v->x + dx, v->y, v->z)) v->x += dx;
    if (!body_collides_at(v, v->x, v->y + dy, v->z)) v->y += dy;
}

static void move_vertical(dfv_voxel *v)
{
    float nz = v->z + v->vz;
    v->on_ground = 0;
    if (!body_collides_at(v, v->x, v->y, nz)) {
        v->z = nz;
        return;
    }
    if (v->vz < 0) {
        /* Land on top of the block below: the highest non-colliding whole-block height in between. */
        float landed = floorf(nz) + 1.0f;
        if (landed <= v->z && !body_collides_at(v, v->x, v->y, landed)) v->z = landed;
        v->on_ground = 1;
    }
    v->vz = 0;
}

void dfv_voxel_step(dfv_voxel *v, const float *action)
{
    int p[DFV_VOXEL_ACTION_COUNT];
    for (int i = 0; i < DFV_VOXEL_ACTION_COUNT; i++) p[i] = action && action[i] > 0.5f;
    if (p[DFV_VOXEL_TURN_LEFT]) v->yaw += DFV_VOXEL_TURN_STEP;
    if (p[DFV_VOXEL_TURN_RIGHT]) v->yaw -= DFV_VOXEL_TURN_STEP;
    v->yaw = fmodf(v->yaw, 6.2831853f);
    if (v->yaw < 0) v->yaw += 6.2831853f;
    if (p[DFV_VOXEL_LOOK_UP]) v->pitch += DFV_VOXEL_LOOK_STEP;
    if (p[DFV_VOXEL_LOOK_DOWN]) v->pitch -= DFV_VOXEL_LOOK_STEP;
    v->pitch = fmaxf(-DFV_VOXEL_MAX_PITCH, fminf(DFV_VOXEL_MAX_PITCH, v->pitch));
    float fx = cosf(v->yaw), fy = sinf(v->yaw), rx = fy, ry = -fx;
    float along = (p[DFV_VOXEL_FORWARD] ? 0.15f : 0) - (p[DFV_VOXEL_BACKWARD] ? 0.10f : 0);
    float across = (p[DFV_VOXEL_STRAFE_RIGHT] ? 0.12f : 0) - (p[DFV_VOXEL_STRAFE_LEFT] ? 0.12f : 0);
    int swimming = feet_in_water(v);
    if (swimming) along *= 0.6f, across *= 0.6f;
    if (along != 0 || across != 0) move_horizontal(v, fx * along + rx * across, fy * along + ry * across);
    if (swimming) {
        /* Buoyancy keeps the eyes just above the surface, so swimming shows the water, not its inside. */
        float eye_depth = (float)DFV_VOXEL_WATER_LEVEL + 0.3f - (v->z + EYE_HEIGHT);
        if (p[DFV_VOXEL_JUMP]) v->vz = 0.12f;
        else if (eye_depth > 0) v->vz = fminf(v->vz + 0.03f, 0.06f);
        else v->vz = fmaxf(v->vz - 0.01f, -0.1f);
    } else {
        if (p[DFV_VOXEL_JUMP] && v->on_ground) v->vz = 0.32f;
        v->vz = fmaxf(v->vz - 0.04f, -0.6f);
    }
    move_vertical(v);
}

dfv_world_pose dfv_voxel_pose(const dfv_voxel *v) { return (dfv_world_pose){v->x, v->y, v->z, v->yaw, v->pitch}; }

void dfv_voxel_set_pose(dfv_voxel *v, float x, float y, float z, float yaw, float pitch)
{
    v->x = x;
    v->y = y;
    v->z = z;
    v->yaw = yaw;
    v->pitch = pitch;
    v->vz = 0;
    v->on_ground = body_collides_at(v, x, y, z - 0.01f);
}

int dfv_voxel_block(const dfv_voxel *v, int x, int y, int z) { return block_at(v, x, y, z); }
int dfv_voxel_on_ground(const dfv_voxel *v) { return v->on_ground; }

int dfv_voxel_is_solid(const dfv_voxel *v, float x, float y, float z)
{
    return is_solid_block(block_at(v, (int)floorf(x), (int)floorf(y), (int)floorf(z)));
}

int dfv_voxel_body_collides(const dfv_voxel *v) { return body_collides_at(v, v->x, v->y, v->z); }

/* Measured at knee height, so a one-block step counts as an obstacle (the agent jumps it). */
float dfv_voxel_clearance(const dfv_voxel *v, float relative_yaw, float max_distance)
{
    float dx = cosf(v->yaw + relative_yaw), dy = sinf(v->yaw + relative_yaw);
    const float step = 0.1f;
    for (float t = step; t < max_distance; t += step)
        if (dfv_voxel_is_solid(v, v->x + dx * t, v->y + dy * t, v->z + 0.5f)) return t - step;
    return max_distance;
}

/* ---- rendering ---- */

static rgbf mix(rgbf a, rgbf b, float t) { return (rgbf){a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }

static rgbf sky(const dfv_voxel *v, const float *dir, float eye_x, float eye_y, float eye_z)
{
    float up = fmaxf(dir[2], 0.0f);
    rgbf c = mix(v->sky_horizon, v->sky_zenith, sqrtf(up));
    float sun = dir[0] * v->sun[0] + dir[1] * v->sun[1] + dir[2] * v->sun[2];
    if (sun > 0.9985f) return v->sun_color;
    if (sun > 0.97f) c = mix(c, v->sun_color, (sun - 0.97f) / 0.0285f * 0.6f);
    if (dir[2] > 0.02f) {
        float t = (CLOUD_HEIGHT - eye_z) / dir[2];
        float cx = (eye_x + dir[0] * t) / 24.0f, cy = (eye_y + dir[1] * t) / 24.0f;
        float n = dfv_tex_noise(v->cloud_seed, cx, cy, 64) * 0.7f + dfv_tex_noise(v->cloud_seed + 1, cx * 3, cy * 3, 192) * 0.3f;
        if (n > v->cloud_cover) {
            float density = fminf(1.0f, (n - v->cloud_cover) * 6.0f) * fminf(1.0f, dir[2] * 6.0f);
            c = mix(c, (rgbf){0.97f, 0.97f, 0.98f}, density);
        }
    }
    return c;
}

/* Light per face: sun from above, sides dimmer (x faces brighter than y faces), undersides darkest. */
static const float face_light[6] = {0.78f, 0.78f, 0.64f, 0.64f, 1.0f, 0.5f}; /* -x +x -y +y top bottom */

/* Colour of a block face hit at distance t, entered across `axis` while stepping `step`. */
static rgbf shade_block(const dfv_voxel *v, int block, int axis, const int *step, const float *eye, const float *dir, float t)
{
    float hit[3] = {eye[0] + dir[0] * t, eye[1] + dir[1] * t, eye[2] + dir[2] * t};
    int face = axis == 2 ? (step[2] < 0 ? FACE_TOP : FACE_BOTTOM) : FACE_SIDE;
    float u, w;
    if (axis == 2) u = hit[0], w = hit[1];
    else if (axis == 0) u = hit[1], w = -hit[2];
    else u = hit[0], w = -hit[2];
    int tu = (int)((u - floorf(u)) * BTEX) & (BTEX - 1), tw = (int)((w - floorf(w)) * BTEX) & (BTEX - 1);
    const uint8_t *texel = &v->tex[block][face][(tw * BTEX + tu) * 3];
    int light_index = axis == 2 ? (step[2] < 0 ? 4 : 5) : axis * 2 + (step[axis] < 0 ? 1 : 0);
    float light = face_light[light_index] * (1.0f / 255.0f);
    return (rgbf){texel[0] * light, texel[1] * light, texel[2] * light};
}

static inline int floor_div_tile(int v) { return (v >= 0 ? v : v - (TILE - 1)) / TILE; }

/* Empty space skipping: if the ray stays above every block of the current TILE x TILE column tile until
 * it leaves the tile, jump to the tile's edge. Returns the distance of the exit (and the axis crossed
 * there), or -1 when the ray may meet a block inside the tile. */
static float tile_exit(const dfv_voxel *v, const int *cell, const int *step, const float *eye, const float *dir, float t,
                       int *axis)
{
    int tx = floor_div_tile(cell[0]), ty = floor_div_tile(cell[1]);
    float top = (float)v->tile_top[(ty & (TILES - 1)) * TILES + (tx & (TILES - 1))];
    if (eye[2] + dir[2] * t < top) return -1;
    float ex = dir[0] != 0 ? ((float)(tx * TILE + (step[0] > 0 ? TILE : 0)) - eye[0]) / dir[0] : 1e30f;
    float ey = dir[1] != 0 ? ((float)(ty * TILE + (step[1] > 0 ? TILE : 0)) - eye[1]) / dir[1] : 1e30f;
    float exit = fminf(ex, ey);
    if (exit <= t || eye[2] + dir[2] * exit < top) return -1;
    *axis = ex < ey ? 0 : 1;
    return exit;
}

/* Puts the DDA state at distance t inside the cell entered across `axis`. */
static void restart_at(const int *step, const float *eye, const float *dir, const float *delta, float t, int axis,
                       int *cell, float *side)
{
    for (int a = 0; a < 3; a++) {
        float p = eye[a] + dir[a] * t;
        cell[a] = (int)floorf(p);
        if (a == axis) cell[a] = step[a] > 0 ? (int)lroundf(p) : (int)lroundf(p) - 1; /* exactly on the edge */
        side[a] = dir[a] != 0 ? ((float)(cell[a] + (step[a] > 0 ? 1 : 0)) - eye[a]) / dir[a] : 1e30f;
        if (side[a] < t) side[a] += delta[a];
    }
}

/* Marches one ray; returns the colour (before fog) and the distance travelled (-1: reached the sky). */
static rgbf trace(const dfv_voxel *v, const float *eye, const float *dir, float *distance)
{
    int step[3], cell[3];
    float delta[3], side[3];
    for (int a = 0; a < 3; a++) {
        cell[a] = (int)floorf(eye[a]);
        step[a] = dir[a] < 0 ? -1 : 1;
        delta[a] = dir[a] != 0 ? fabsf(1.0f / dir[a]) : 1e30f;
        side[a] = dir[a] < 0 ? (eye[a] - cell[a]) * delta[a] : (cell[a] + 1.0f - eye[a]) * delta[a];
    }
    float t = 0, water_from = -1;
    int axis = 2;
    int block = block_at(v, cell[0], cell[1], cell[2]);
    if (block == WATER) water_from = 0;
    while (t < MAX_DISTANCE) {
        float exit = water_from < 0 ? tile_exit(v, cell, step, eye, dir, t, &axis) : -1;
        if (exit > 0) {
            t = exit;
            if (t >= MAX_DISTANCE) break;
            restart_at(step, eye, dir, delta, t, axis, cell, side);
        } else {
            axis = side[0] < side[1] ? (side[0] < side[2] ? 0 : 2) : (side[1] < side[2] ? 1 : 2);
            t = side[axis];
            side[axis] += delta[axis];
            cell[axis] += step[axis];
        }
        if (cell[2] >= v->top_z && dir[2] >= 0) break; /* above everything: only sky from here */
        block = block_at(v, cell[0], cell[1], cell[2]);
        if (block == AIR) continue;
        if (block == WATER) {
            if (water_from < 0) water_from = t;
            continue;
        }
        rgbf c = shade_block(v, block, axis, step, eye, dir, t);
        if (water_from >= 0) c = mix(c, v->water_color, fminf(0.9f, 0.5f + 0.08f * (t - water_from)));
        *distance = t;
        return c;
    }
    *distance = -1; /* the sky carries no fog */
    rgbf c = sky(v, dir, eye[0], eye[1], eye[2]);
    if (water_from >= 0) c = mix(c, v->water_color, 0.7f);
    return c;
}

void dfv_voxel_render(const dfv_voxel *v, uint8_t *rgb)
{
    int size = v->size;
    float cy = cosf(v->yaw), sy = sinf(v->yaw), cp = cosf(v->pitch), sp = sinf(v->pitch);
    float fwd[3] = {cp * cy, cp * sy, sp}, right[3] = {sy, -cy, 0}, up[3] = {-sp * cy, -sp * sy, cp};
    float eye[3] = {v->x, v->y, v->z + EYE_HEIGHT};
    for (int py = 0; py < size; py++) {
        float vy = (1.0f - 2.0f * ((float)py + 0.5f) / (float)size) * v->tan_half_fov;
        for (int px = 0; px < size; px++) {
            float ux = (2.0f * ((float)px + 0.5f) / (float)size - 1.0f) * v->tan_half_fov;
            float dir[3];
            for (int a = 0; a < 3; a++) dir[a] = fwd[a] + right[a] * ux + up[a] * vy;
            float len = 1.0f / sqrtf(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
            for (int a = 0; a < 3; a++) dir[a] *= len;
            float distance;
            rgbf c = trace(v, eye, dir, &distance);
            if (distance > FOG_START) {
                /* Fog fades into the horizon colour of the sky seen along this ray. */
                float f = fminf(1.0f, (distance - FOG_START) / (MAX_DISTANCE - FOG_START));
                c = mix(c, mix(v->sky_horizon, v->sky_zenith, sqrtf(fmaxf(dir[2], 0.0f)) * 0.3f), f * f);
            }
            uint8_t *dst = &rgb[(py * size + px) * 3];
            dst[0] = (uint8_t)(fminf(c.r, 1.0f) * 255.0f + 0.5f);
            dst[1] = (uint8_t)(fminf(c.g, 1.0f) * 255.0f + 0.5f);
            dst[2] = (uint8_t)(fminf(c.b, 1.0f) * 255.0f + 0.5f);
        }
    }
}
