// The push constants of the searched-format shaders (KQuantPush in
// engine/compute/vulkan/kquant_kernel.cpp) and, in the importance variants (compiled with
// QL_IMPORTANCE, shaders/CMakeLists.txt), the importance vectors of llama.cpp's imatrix:
// one weight per column, one vector per matrix of the chunk's tensor (a MoE stack has one
// per expert, as llama-quantize hands each expert its own slice).
#ifndef QL_KQUANT_PARAMS_GLSL
#define QL_KQUANT_PARAMS_GLSL

layout(push_constant) uniform Params {
    uint count;            // blocks (K-quants: super-blocks) in this dispatch
    uint outBase;          // first word of the output (guard words lie before it)
    uint flagBase;         // first flag word, relative to outBase: the words of `count` blocks
    uint fiveBits;         // 1: Q5_K in quantize_k4.comp
    uint blocksPerRow;     // blocks in one row of the tensor
    uint rowsPerMatrix;    // rows of one matrix of the tensor; 0: every row takes vector 0
    uint firstRowInMatrix; // the dispatch's first row, counted within its matrix
    uint rowValuesBase;    // quantize_legacy_imatrix: the first per-row value of binding 2
} p;

#ifdef QL_IMPORTANCE
layout(std430, set = 0, binding = 2) readonly buffer Importance { uint importanceBits[]; };

// The importance of value i of block `block` of this dispatch (blocks of `values` values):
// its column's weight in the vector of the matrix its row belongs to. The host uploads
// the vectors from that of the dispatch's first row on.
float importanceOf(uint block, uint values, uint i, inout bool outsideBits) {
    uint row = block / p.blocksPerRow;
    uint matrix = p.rowsPerMatrix == 0u ? 0u : (p.firstRowInMatrix + row) / p.rowsPerMatrix;
    uint bits = importanceBits[(matrix * p.blocksPerRow + block % p.blocksPerRow) * values + i];
    // The host has checked that every weight is finite and non-negative; a subnormal one
    // may be read as zero by a device that flushes denormals.
    uint magnitude = bits & 0x7fffffffu;
    outsideBits = outsideBits || (magnitude != 0u && magnitude < 0x00800000u);
    return uintBitsToFloat(bits);
}
#endif

#endif
