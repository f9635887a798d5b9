/* SpMV (PrIM SpMV, CSR float): shared host/DPU definitions (PrIM SpMV/support/common.h). */
#ifndef SPMV_COMMON_H
#define SPMV_COMMON_H
#include <stdint.h>

#define ROUND_UP_TO_MULTIPLE_OF_2(x) ((((x) + 1) / 2) * 2)
#define ROUND_UP_TO_MULTIPLE_OF_8(x) ((((x) + 7) / 8) * 8)

/* At MRAM heap offset 0 of every DPU (PrIM: params_m = DPU_MRAM_HEAP_POINTER).
 * The *_m fields are heap offsets (bump allocator, every piece 8-B rounded). */
struct DPUParams {
    uint32_t dpuNumRows;       /* rows of this DPU (even, but the last DPU's may be fewer) */
    uint32_t dpuRowPtrsOffset; /* global index of the DPU's first nonzero */
    uint32_t dpuRowPtrs_m;
    uint32_t dpuNonzeros_m;
    uint32_t dpuInVector_m;
    uint32_t dpuOutVector_m;
};

struct Nonzero {
    uint32_t col;
    float value;
};

/* input-vector and output-vector tiles: 64 floats (256 B), as PrIM */
#define SPMV_TILE 64u

#endif
