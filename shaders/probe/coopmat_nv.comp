#version 450
// Configure-time probe: can the local glslang compile NV cooperative-matrix code?
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x = 32) in;
layout(std430, binding = 0) buffer Data { float16_t data[]; };
void main()
{
    fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> tile;
    coopMatLoadNV(tile, data, 0, 16, false);
    coopMatStoreNV(tile, data, 0, 16, false);
}
