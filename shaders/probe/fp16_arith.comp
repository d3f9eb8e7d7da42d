#version 450
// Configure-time probe: can the local glslang compile fp16 arithmetic?
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
layout(local_size_x = 32) in;
layout(std430, binding = 0) buffer Data { float16_t data[]; };
void main()
{
    float16_t x = data[gl_GlobalInvocationID.x];
    data[gl_GlobalInvocationID.x] = x * x + float16_t(1.0);
}
