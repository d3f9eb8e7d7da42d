#version 450
// Per-frame 2D convolution as an implicit GEMM with register blocking: every invocation accumulates a
// block of BLOCK_C output channels x BLOCK_P output pixels in registers, walking the reduction
// (input channel, ky, kx) once. No shared memory: on lavapipe barriers and shared loads cost more than
// they save, and on GPUs the broadcast weight loads and neighbouring pixel loads hit L1 anyway.
//
// Spatial kernels: an invocation's BLOCK_P pixels are consecutive along one output row, so for each
// (input channel, ky) it loads one input row segment of (BLOCK_P-1)*STRIDE + KSIZE values and reuses
// them for every kx: about KSIZE times fewer loads and bounds checks than gathering per tap. KSIZE and
// STRIDE are specialised so that the segment stays in registers.
// Pointwise (KSIZE 1, STRIDE 1, pad 0): a plain GEMM over the flattened pixels, no bounds checks.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_EXT_control_flow_attributes : require
#include "dfv_storage.glsl"
// Arrays sized by specialisation constants stay local: passed as function arguments they came out
// wrong on lavapipe (only element 0 survived).

layout(local_size_x_id = 0) in;                  // lanes along the pixels
layout(constant_id = 1) const int BLOCK_C = 4;   // output channels per invocation
layout(constant_id = 2) const int BLOCK_P = 8;   // output pixels per invocation
layout(constant_id = 3) const int KSIZE = 3;
layout(constant_id = 4) const int STRIDE = 1;
// 1: the CPU (lavapipe) path below; BLOCK_C is then a multiple of the subgroup size, 8.
layout(constant_id = 5) const int CPU_PATH = 0;
const int CPU_WVEC = (BLOCK_C + 7) / 8; // weight vectors per lane on the CPU path
// CPU path, stride 1: output rows per invocation (a BLOCK_ROWS x BLOCK_P tile: each loaded input row
// segment serves up to KSIZE output rows).
layout(constant_id = 6) const int BLOCK_ROWS = 1;

const int SEGMENT = (BLOCK_P - 1) * STRIDE + KSIZE;

#ifdef DFV_TEXEL_INPUTS
// Inputs as uniform texel buffers over their whole buffers (the CPU path: a texel fetch is one vector
// gather on lavapipe, a storage-buffer load a loop over the lanes with a bounds check each), starting
// at the elements pc.*_texel0.
layout(binding = 0) uniform samplerBuffer in_tex;
layout(binding = 1) uniform samplerBuffer weight_tex;
layout(binding = 2) uniform samplerBuffer bias_tex;
layout(binding = 4) uniform samplerBuffer residual_tex;
#define LOAD_IN(i) texelFetch(in_tex, pc.in_texel0 + (i)).r
#define LOAD_W(i) texelFetch(weight_tex, pc.weight_texel0 + (i)).r
#define LOAD_BIAS(i) texelFetch(bias_tex, pc.bias_texel0 + (i)).r
#define LOAD_RES(i) texelFetch(residual_tex, pc.residual_texel0 + (i)).r
#else
layout(std430, binding = 0) readonly buffer InBuf { dfv_src_t in_data[]; };
layout(std430, binding = 1) readonly buffer WeightBuf { dfv_src_t weight[]; };
layout(std430, binding = 2) readonly buffer BiasBuf { dfv_src_t bias[]; };
layout(std430, binding = 4) readonly buffer ResidualBuf { dfv_src_t residual[]; }; // read when has_residual
#define LOAD_IN(i) float(in_data[i])
#define LOAD_W(i) float(weight[i])
#define LOAD_BIAS(i) float(bias[i])
#define LOAD_RES(i) float(residual[i])
#endif
layout(std430, binding = 3) writeonly buffer OutBuf { dfv_dst_t out_data[]; };

layout(push_constant) uniform Push {
    int frames, in_c, in_h, in_w;
    int out_c, out_h, out_w;
    int pad, has_bias, has_residual;
    int in_texel0, weight_texel0, bias_texel0, residual_texel0; // DFV_TEXEL_INPUTS only
} pc;

// Writes one output element: the value plus, for a fused residual add, the residual at the same place.
void write_output(int offset, float value) {
    if (pc.has_residual != 0) value += LOAD_RES(offset);
    out_data[offset] = dfv_dst_t(value);
}

int weight_row(int i, int c0, int reduce_len) { return min(c0 + i, pc.out_c - 1) * reduce_len; }

// Adds the bias and stores one output; out_offset already points at channel 0 of the pixel.
void store_output(int co, int out_offset, float value) {
    const int out_hw = pc.out_h * pc.out_w;
    float b = pc.has_bias != 0 ? LOAD_BIAS(co) : 0.0;
    write_output(out_offset + co * out_hw, value + b);
}

// CPU path: the bias of channel c0 + i without a load per output element: lane l loads that of
// c0 + l + 8 v once and the others take it by shuffle (a macro: local arrays cannot be passed, see above).
#define DFV_CPU_LOAD_BIAS(my_bias, c0) \
    float my_bias[CPU_WVEC]; \
    [[unroll]] for (int v = 0; v < CPU_WVEC; ++v) \
        my_bias[v] = pc.has_bias != 0 ? LOAD_BIAS(min(c0 + int(gl_SubgroupInvocationID) + 8 * v, pc.out_c - 1)) : 0.0;

void pointwise(int c0) {
    const int hw = pc.in_h * pc.in_w;
    const int pixel_count = pc.frames * hw;
    const int p0 = int(gl_GlobalInvocationID.x) * BLOCK_P;
    int in_off[BLOCK_P], out_off[BLOCK_P];
    bool valid[BLOCK_P];
    for (int j = 0; j < BLOCK_P; ++j) {
        int p = min(p0 + j, pixel_count - 1); // lanes past the end compute garbage, never stored
        int t = p / hw;
        in_off[j] = t * pc.in_c * hw + (p - t * hw);
        out_off[j] = t * pc.out_c * hw + (p - t * hw);
        valid[j] = p0 + j < pixel_count;
    }
    int w_row[BLOCK_C];
    for (int i = 0; i < BLOCK_C; ++i) w_row[i] = weight_row(i, c0, pc.in_c);
    float acc[BLOCK_C * BLOCK_P];
    for (int i = 0; i < BLOCK_C; ++i)
        for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] = 0.0; // nested: NIR unrolls loops of <= 32 trips only
    for (int ci = 0; ci < pc.in_c; ++ci) {
        float x[BLOCK_P];
        for (int j = 0; j < BLOCK_P; ++j) x[j] = LOAD_IN(in_off[j] + ci * hw);
        for (int i = 0; i < BLOCK_C; ++i) {
            float w = LOAD_W(w_row[i] + ci);
            for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] += w * x[j];
        }
    }
    for (int i = 0; i < BLOCK_C; ++i) {
        if (c0 + i >= pc.out_c) break;
        for (int j = 0; j < BLOCK_P; ++j) {
            if (valid[j]) store_output(c0 + i, out_off[j], acc[i * BLOCK_P + j]);
        }
    }
}

void spatial(int c0) {
    const int in_hw = pc.in_h * pc.in_w;
    const int x_blocks = (pc.out_w + BLOCK_P - 1) / BLOCK_P;
    const int segments = pc.frames * pc.out_h * x_blocks;
    const int seg = min(int(gl_GlobalInvocationID.x), segments - 1);
    const int xb = seg % x_blocks;
    const int row = seg / x_blocks; // t * out_h + oy
    const int t = row / pc.out_h;
    const int oy = row - t * pc.out_h;
    const int ox0 = xb * BLOCK_P;
    const int iy0 = oy * STRIDE - pc.pad, ix0 = ox0 * STRIDE - pc.pad;
    const int in_frame = t * pc.in_c * in_hw;
    const int reduce_len = pc.in_c * KSIZE * KSIZE;

    int w_row[BLOCK_C];
    for (int i = 0; i < BLOCK_C; ++i) w_row[i] = weight_row(i, c0, reduce_len);
    float acc[BLOCK_C * BLOCK_P];
    for (int i = 0; i < BLOCK_C; ++i)
        for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] = 0.0; // nested: NIR unrolls loops of <= 32 trips only

    for (int ci = 0; ci < pc.in_c; ++ci) {
        for (int ky = 0; ky < KSIZE; ++ky) {
            const int iy = iy0 + ky;
            const bool row_inside = uint(iy) < uint(pc.in_h);
            const int row_off = in_frame + ci * in_hw + iy * pc.in_w;
            float x[SEGMENT];
            for (int m = 0; m < SEGMENT; ++m) {
                int ix = ix0 + m;
                bool inside = row_inside && uint(ix) < uint(pc.in_w);
                x[m] = inside ? LOAD_IN(inside ? row_off + ix : 0) : 0.0;
            }
            const int kk = (ci * KSIZE + ky) * KSIZE;
            for (int kx = 0; kx < KSIZE; ++kx) {
                for (int i = 0; i < BLOCK_C; ++i) {
                    float w = LOAD_W(w_row[i] + kk + kx);
                    for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] += w * x[j * STRIDE + kx];
                }
            }
        }
    }

    const int out_hw = pc.out_h * pc.out_w;
    int out_off[BLOCK_P];
    bool valid[BLOCK_P];
    for (int j = 0; j < BLOCK_P; ++j) {
        out_off[j] = t * pc.out_c * out_hw + oy * pc.out_w + ox0 + j;
        valid[j] = int(gl_GlobalInvocationID.x) < segments && ox0 + j < pc.out_w;
    }
    for (int i = 0; i < BLOCK_C; ++i) {
        if (c0 + i >= pc.out_c) break;
        for (int j = 0; j < BLOCK_P; ++j) {
            if (valid[j]) store_output(c0 + i, out_off[j], acc[i * BLOCK_P + j]);
        }
    }
}

// CPU path (lavapipe). llvmpipe runs the lanes of a subgroup as one SIMD vector, but every storage-buffer
// load is a loop over the lanes with a bounds check per element, so what costs is the number of
// (lane, element) loads, not the number of load instructions. Uniform loads (the weights every lane
// needs) are the worst case: 8 element loads for one value. Here lane l loads the weights of output
// channel c0 + l only, and the others get them by a subgroup shuffle (register moves): one element load
// per weight instead of eight. The inputs stay per lane, reused across kx from a row segment.
void pointwise_cpu(int c0) {
    const int hw = pc.in_h * pc.in_w;
    const int pixel_count = pc.frames * hw;
    const int p0 = int(gl_GlobalInvocationID.x) * BLOCK_P;
    const int lane = int(gl_SubgroupInvocationID);
    int in_off[BLOCK_P], out_off[BLOCK_P];
    bool valid[BLOCK_P];
    [[unroll]] for (int j = 0; j < BLOCK_P; ++j) {
        int p = min(p0 + j, pixel_count - 1);
        int t = p / hw;
        in_off[j] = t * pc.in_c * hw + (p - t * hw);
        out_off[j] = t * pc.out_c * hw + (p - t * hw);
        valid[j] = p0 + j < pixel_count;
    }
    int my_row[CPU_WVEC];
    [[unroll]] for (int v = 0; v < CPU_WVEC; ++v) my_row[v] = weight_row(lane + 8 * v, c0, pc.in_c);
    float acc[BLOCK_C * BLOCK_P];
    [[unroll]] for (int i = 0; i < BLOCK_C; ++i)
        [[unroll]] for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] = 0.0; // nested: NIR unrolls loops of <= 32 trips only
    for (int ci = 0; ci < pc.in_c; ++ci) {
        float x[BLOCK_P];
        [[unroll]] for (int j = 0; j < BLOCK_P; ++j) x[j] = LOAD_IN(in_off[j] + ci * hw);
        float my_w[CPU_WVEC];
        [[unroll]] for (int v = 0; v < CPU_WVEC; ++v) my_w[v] = LOAD_W(my_row[v] + ci);
        [[unroll]] for (int i = 0; i < BLOCK_C; ++i) {
            float w = subgroupShuffle(my_w[i >> 3], i & 7);
            [[unroll]] for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] += w * x[j];
        }
    }
    DFV_CPU_LOAD_BIAS(my_bias, c0)
    [[unroll]] for (int i = 0; i < BLOCK_C; ++i) {
        if (c0 + i >= pc.out_c) break;
        const float b = subgroupShuffle(my_bias[i >> 3], i & 7);
        const int channel_off = (c0 + i) * pc.out_h * pc.out_w;
        [[unroll]] for (int j = 0; j < BLOCK_P; ++j) {
            if (valid[j]) write_output(out_off[j] + channel_off, acc[i * BLOCK_P + j] + b);
        }
    }
}

void spatial_cpu(int c0) {
    const int in_hw = pc.in_h * pc.in_w;
    const int x_blocks = (pc.out_w + BLOCK_P - 1) / BLOCK_P;
    const int segments = pc.frames * pc.out_h * x_blocks;
    const int seg = min(int(gl_GlobalInvocationID.x), segments - 1);
    const int xb = seg % x_blocks;
    const int row = seg / x_blocks;
    const int t = row / pc.out_h;
    const int oy = row - t * pc.out_h;
    const int ox0 = xb * BLOCK_P;
    const int iy0 = oy * STRIDE - pc.pad, ix0 = ox0 * STRIDE - pc.pad;
    const int in_frame = t * pc.in_c * in_hw;
    const int reduce_len = pc.in_c * KSIZE * KSIZE;
    const int lane = int(gl_SubgroupInvocationID);
    int my_row[CPU_WVEC];
    for (int v = 0; v < CPU_WVEC; ++v) my_row[v] = weight_row(lane + 8 * v, c0, reduce_len);

    float acc[BLOCK_C * BLOCK_P];
    for (int i = 0; i < BLOCK_C; ++i)
        for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] = 0.0; // nested: NIR unrolls loops of <= 32 trips only

    for (int ci = 0; ci < pc.in_c; ++ci) {
        for (int ky = 0; ky < KSIZE; ++ky) {
            const int iy = iy0 + ky;
            const bool row_inside = uint(iy) < uint(pc.in_h);
            const int row_off = in_frame + ci * in_hw + iy * pc.in_w;
            float x[SEGMENT];
            for (int m = 0; m < SEGMENT; ++m) {
                int ix = ix0 + m;
                bool inside = row_inside && uint(ix) < uint(pc.in_w);
                x[m] = inside ? LOAD_IN(inside ? row_off + ix : 0) : 0.0;
            }
            const int kk = (ci * KSIZE + ky) * KSIZE;
            for (int kx = 0; kx < KSIZE; ++kx) {
                float my_w[CPU_WVEC];
                for (int v = 0; v < CPU_WVEC; ++v) my_w[v] = LOAD_W(my_row[v] + kk + kx);
                for (int i = 0; i < BLOCK_C; ++i) {
                    float w = subgroupShuffle(my_w[i >> 3], i & 7);
                    for (int j = 0; j < BLOCK_P; ++j) acc[i * BLOCK_P + j] += w * x[j * STRIDE + kx];
                }
            }
        }
    }

    const int out_hw = pc.out_h * pc.out_w;
    int out_off[BLOCK_P];
    bool valid[BLOCK_P];
    for (int j = 0; j < BLOCK_P; ++j) {
        out_off[j] = t * pc.out_c * out_hw + oy * pc.out_w + ox0 + j;
        valid[j] = int(gl_GlobalInvocationID.x) < segments && ox0 + j < pc.out_w;
    }
    DFV_CPU_LOAD_BIAS(my_bias, c0)
    for (int i = 0; i < BLOCK_C; ++i) {
        if (c0 + i >= pc.out_c) break;
        const float b = subgroupShuffle(my_bias[i >> 3], i & 7);
        const int channel_off = (c0 + i) * out_hw;
        for (int j = 0; j < BLOCK_P; ++j) {
            if (valid[j]) write_output(out_off[j] + channel_off, acc[i * BLOCK_P + j] + b);
        }
    }
}

// The CPU path for stride 1 with a BLOCK_ROWS x BLOCK_P tile of output pixels per lane: per input channel
// it loads (BLOCK_ROWS + KSIZE - 1) row segments instead of BLOCK_ROWS * KSIZE.
void patch_cpu(int c0) {
    const int in_hw = pc.in_h * pc.in_w;
    const int x_blocks = (pc.out_w + BLOCK_P - 1) / BLOCK_P;
    const int y_blocks = (pc.out_h + BLOCK_ROWS - 1) / BLOCK_ROWS;
    const int tiles = pc.frames * y_blocks * x_blocks;
    const int tile = min(int(gl_GlobalInvocationID.x), tiles - 1);
    const int xb = tile % x_blocks;
    const int yb_t = tile / x_blocks;
    const int t = yb_t / y_blocks;
    const int oy0 = (yb_t - t * y_blocks) * BLOCK_ROWS;
    const int ox0 = xb * BLOCK_P;
    const int iy0 = oy0 - pc.pad, ix0 = ox0 - pc.pad;
    const int in_frame = t * pc.in_c * in_hw;
    const int reduce_len = pc.in_c * KSIZE * KSIZE;
    const int lane = int(gl_SubgroupInvocationID);
    int my_row[CPU_WVEC];
    [[unroll]] for (int v = 0; v < CPU_WVEC; ++v) my_row[v] = weight_row(lane + 8 * v, c0, reduce_len);

    float acc[BLOCK_C * BLOCK_ROWS * BLOCK_P];
    [[unroll]] for (int i = 0; i < BLOCK_C; ++i)
        [[unroll]] for (int r = 0; r < BLOCK_ROWS; ++r)
            [[unroll]] for (int j = 0; j < BLOCK_P; ++j) acc[(i * BLOCK_ROWS + r) * BLOCK_P + j] = 0.0;

    for (int ci = 0; ci < pc.in_c; ++ci) {
        const int ci_off = in_frame + ci * in_hw;
        [[unroll]] for (int yy = 0; yy < BLOCK_ROWS + KSIZE - 1; ++yy) {
            const int iy = iy0 + yy;
            const bool row_inside = uint(iy) < uint(pc.in_h);
            const int row_off = ci_off + iy * pc.in_w;
            float x[SEGMENT];
            [[unroll]] for (int m = 0; m < SEGMENT; ++m) {
                int ix = ix0 + m;
                bool inside = row_inside && uint(ix) < uint(pc.in_w);
                x[m] = inside ? LOAD_IN(inside ? row_off + ix : 0) : 0.0;
            }
            [[unroll]] for (int r = 0; r < BLOCK_ROWS; ++r) {
                const int ky = yy - r; // this input row is tap row ky of output row r
                if (ky < 0 || ky >= KSIZE) continue;
                const int kk = (ci * KSIZE + ky) * KSIZE;
                [[unroll]] for (int kx = 0; kx < KSIZE; ++kx) {
                    float my_w[CPU_WVEC];
                    [[unroll]] for (int v = 0; v < CPU_WVEC; ++v) my_w[v] = LOAD_W(my_row[v] + kk + kx);
                    [[unroll]] for (int i = 0; i < BLOCK_C; ++i) {
                        float w = subgroupShuffle(my_w[i >> 3], i & 7);
                        [[unroll]] for (int j = 0; j < BLOCK_P; ++j)
                            acc[(i * BLOCK_ROWS + r) * BLOCK_P + j] += w * x[j + kx];
                    }
                }
            }
        }
    }

    const int out_hw = pc.out_h * pc.out_w;
    const bool lane_valid = int(gl_GlobalInvocationID.x) < tiles;
    DFV_CPU_LOAD_BIAS(my_bias, c0)
    [[unroll]] for (int r = 0; r < BLOCK_ROWS; ++r) {
        const int oy = oy0 + r;
        [[unroll]] for (int i = 0; i < BLOCK_C; ++i) {
            if (c0 + i >= pc.out_c) break;
            const float b = subgroupShuffle(my_bias[i >> 3], i & 7);
            const int row_off = (t * pc.out_c + c0 + i) * out_hw + oy * pc.out_w + ox0;
            [[unroll]] for (int j = 0; j < BLOCK_P; ++j) {
                if (lane_valid && oy < pc.out_h && ox0 + j < pc.out_w)
                    write_output(row_off + j, acc[(i * BLOCK_ROWS + r) * BLOCK_P + j] + b);
            }
        }
    }
}

void main() {
    const int c0 = int(gl_WorkGroupID.y) * BLOCK_C;
    if (CPU_PATH != 0) {
        if (KSIZE == 1 && STRIDE == 1 && pc.pad == 0) {
            pointwise_cpu(c0);
        } else if (BLOCK_ROWS > 1) {
            patch_cpu(c0);
        } else {
            spatial_cpu(c0);
        }
    } else if (KSIZE == 1 && STRIDE == 1 && pc.pad == 0) {
        pointwise(c0);
    } else {
        spatial(c0);
    }
}
