/* SCAN-SSA / SCAN-RSS (inclusive prefix sum, PrIM): shared host/DPU definitions. */
#ifndef SCAN_COMMON_H
#define SCAN_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: int64, as PrIM SCAN */
typedef int64_t T;
/* elements per block (PrIM REGS) */
#define REGS (BLOCK_SIZE / sizeof(T))

typedef struct {
    uint32_t size;   /* bytes of this DPU's input: a multiple of NR_TASKLETS*BLOCK_SIZE */
    uint32_t kernel; /* 0: first pass, 1: second pass */
    T t_count;       /* second pass: sum of all elements before this DPU */
} dpu_arguments_t;

typedef struct {
    T t_count; /* first pass: this DPU's total (written by the last tasklet / tasklet 0) */
} dpu_results_t;

#endif
