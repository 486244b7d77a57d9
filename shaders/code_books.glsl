// bitsandbytes' NF4 and FP4 tables (engine/quant/nf4.cpp) and ggml's IQ4_NL code book
// (kIQ4NLValues, engine/quant/formats.h) as f32 bit patterns, so that no
// decimal literal is rounded twice on the way to the shader. shaders/CMakeLists.txt turns
// every `const uint QL_*[N] = uint[N](...)` line of this file into a table that
// tests/conformance/shader_mirror_test.cpp compares with the C++ one, bit for bit.
#ifndef QL_CODE_BOOKS_GLSL
#define QL_CODE_BOOKS_GLSL

// nf4Thresholds(), ascending: the NF4 code is the number of them below x * (1 / absmax).
const uint QL_NF4_THRESHOLD_BITS[15] = uint[15](0xbf591cd9u, 0xbf1c5270u, 0xbeeb8480u, 0xbeadea76u, 0xbe703cecu, 0xbe0d38bcu, 0xbd3a7871u, 0x3d22faffu, 0x3df64863u, 0x3e5067e0u, 0x3e9582d4u, 0x3ec753f9u, 0x3f006d03u, 0x3f248dafu, 0x3f5c89d9u);
// fp4Thresholds(): the FP4 magnitude's rank is the number of them below |x * (1 / absmax)|.
const uint QL_FP4_THRESHOLD_BITS[7] = uint[7](0x3b2aaab9u, 0x3db00000u, 0x3e555555u, 0x3e955555u, 0x3ed55556u, 0x3f155550u, 0x3f555555u);
// fp4CodeOfRank(): rank to the code's low three bits (E2M1 in bnb's order).
const uint QL_FP4_CODE_OF_RANK[8] = uint[8](0u, 1u, 6u, 7u, 4u, 5u, 2u, 3u);
// nf4CodeBook() and fp4CodeBook(), index = code: the dequantized value before the absmax.
const uint QL_NF4_CODE_BOOK_BITS[16] = uint[16](0xbf800000u, 0xbf3239b1u, 0xbf066b30u, 0xbeca32a0u, 0xbe91a24du, 0xbe3d353fu, 0xbdba7871u, 0x00000000u, 0x3da2faffu, 0x3e24cae3u, 0x3e7c04ddu, 0x3ead033au, 0x3ee1a4b8u, 0x3f1007abu, 0x3f3913b3u, 0x3f800000u);
const uint QL_FP4_CODE_BOOK_BITS[16] = uint[16](0x00000000u, 0x3baaaaabu, 0x3f2aaaabu, 0x3f800000u, 0x3eaaaaabu, 0x3f000000u, 0x3e2aaaabu, 0x3e800000u, 0x80000000u, 0xbbaaaaabu, 0xbf2aaaabu, 0xbf800000u, 0xbeaaaaabu, 0xbf000000u, 0xbe2aaaabu, 0xbe800000u);

// ggml's IQ4_NL code book kIQ4NLValues, ascending, as f32.
const uint QL_IQ4NL_VALUE_BITS[16] = uint[16](0xc2fe0000u, 0xc2d00000u, 0xc2a60000u, 0xc2820000u, 0xc2440000u, 0xc20c0000u, 0xc1b00000u, 0xc1200000u, 0x3f800000u, 0x41500000u, 0x41c80000u, 0x42180000u, 0x42540000u, 0x428a0000u, 0x42b20000u, 0x42e20000u);

#endif
