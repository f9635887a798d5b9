/* SEL (select / stream compaction, PrIM): shared host/DPU definitions. */
#ifndef SEL_COMMON_H
#define SEL_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: uint64, as PrIM SEL */
typedef uint64_t T;
/* elements per block (PrIM REGS) */
#define REGS (BLOCK_SIZE / sizeof(T))
/* PrIM's predicate removes even elements; odd ones are kept */
static inline int sel_keep(T x) { return (x % 2) != 0; }

typedef struct {
    uint32_t size; /* bytes of this DPU's input: a multiple of NR_TASKLETS*BLOCK_SIZE */
    uint32_t pad;
} dpu_arguments_t;

typedef struct {
    uint32_t t_count; /* last tasklet: kept elements in this DPU */
    uint32_t pad;
} dpu_results_t;

#endif
