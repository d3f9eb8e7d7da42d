#version 450
// Unpatchify: pixels[t, c, y·f + i, x·f + j] = patches[t, c·f² + i·f + j, y, x] (UNSHUFFLE: the other way,
// the patchify before a patch embedding). One invocation per element, indexed in the pixel layout.
#extension GL_GOOGLE_include_directive : require
#include "dfv_storage.glsl"
#include "dfv_grid.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool UNSHUFFLE = false;

layout(std430, binding = 0) readonly buffer In { dfv_src_t src[]; };
layout(std430, binding = 1) writeonly buffer Out { dfv_dst_t dst[]; };

layout(push_constant) uniform Push {
    uint count; // elements
    uint factor, pixel_h, pixel_w; // the pixel-layout tensor's height and width
} pc;

void main()
{
    const uint i = dfv_flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= pc.count)
        return;
    const uint px = i % pc.pixel_w;
    uint rest = i / pc.pixel_w;
    const uint py = rest % pc.pixel_h;
    const uint plane = rest / pc.pixel_h; // frame · channels + channel
    const uint patch_h = pc.pixel_h / pc.factor, patch_w = pc.pixel_w / pc.factor;
    const uint sub = (py % pc.factor) * pc.factor + px % pc.factor;
    const uint patch_index = ((plane * pc.factor * pc.factor + sub) * patch_h + py / pc.factor) * patch_w + px / pc.factor;
    if (UNSHUFFLE)
        dst[patch_index] = dfv_dst_t(float(src[i]));
    else
        dst[i] = dfv_dst_t(float(src[patch_index]));
}
