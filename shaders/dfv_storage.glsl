// Storage types of the simple ops. -DDFV_F16 makes every tensor fp16; -DDFV_SRC_F16 / -DDFV_DST_F16 set
// the input and output side apart (dtype conversion in copy). Only 16-bit *storage* is required: values
// are widened to float on load and every computation runs in fp32.
#ifndef DFV_STORAGE_GLSL
#define DFV_STORAGE_GLSL

#if defined(DFV_F16)
#define DFV_SRC_F16
#define DFV_DST_F16
#endif

#if defined(DFV_SRC_F16) || defined(DFV_DST_F16)
#extension GL_EXT_shader_16bit_storage : require
#endif

#ifdef DFV_SRC_F16
#define dfv_src_t float16_t
#define dfv_src4_t f16vec4
#define dfv_src2_t f16vec2
#else
#define dfv_src_t float
#define dfv_src4_t vec4
#define dfv_src2_t vec2
#endif

#ifdef DFV_DST_F16
#define dfv_dst_t float16_t
#define dfv_dst4_t f16vec4
#else
#define dfv_dst_t float
#define dfv_dst4_t vec4
#endif

#endif
