/* BS (binary search, PrIM): shared host/DPU definitions. */
#ifndef BS_COMMON_H
#define BS_COMMON_H
#include <stdint.h>

/* element type: int64, as PrIM BS (DTYPE) */
typedef int64_t T;
/* PrIM's BS Makefile does not pass BL to the DPU compiler, so its common.h
 * fallback BL=8 applies: 256-byte blocks whatever BL the other kernels use. */
#ifndef BS_BL
#define BS_BL 8
#endif
#define BS_BLOCK_SIZE (1u << BS_BL)
#define BS_BLOCK_ELEMS (BS_BLOCK_SIZE / sizeof(T))
/* PrIM INPUT_SIZE: elements of the sorted array */
#define BS_INPUT_SIZE 2048576

typedef struct {
    uint64_t input_size;    /* elements of the sorted array (at heap+0) */
    uint64_t slice_per_dpu; /* queries of this DPU (at heap + 8*input_size) */
    uint32_t kernel;        /* PrIM's kernel selector (one kernel: 0) */
    uint32_t pad;
} dpu_arguments_t;

typedef struct {
    T found; /* index of the tasklet's last query found (untouched if none) */
} dpu_results_t;

#endif
