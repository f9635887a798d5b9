/* UNI (unique: drop consecutive duplicates, PrIM): shared host/DPU definitions. */
#ifndef UNI_COMMON_H
#define UNI_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: int64, as PrIM UNI */
typedef int64_t T;
/* elements per block (PrIM REGS) */
#define REGS (BLOCK_SIZE / sizeof(T))
/* PrIM's "value that is not in the input array" seeding the comparison of
 * tasklet 0's first element in the first round */
#define UNI_NO_VALUE ((T)0xFFFFFFFF)

typedef struct {
    uint32_t size;   /* bytes of this DPU's input: a multiple of NR_TASKLETS*BLOCK_SIZE */
    uint32_t kernel; /* PrIM's kernel selector (one kernel: 0) */
} dpu_arguments_t;

typedef struct {
    uint32_t t_count; /* last tasklet: elements in this DPU's output */
    T first;          /* tasklet 0: the DPU's first output element */
    T last;           /* last tasklet: the DPU's last output element */
} dpu_results_t;

#endif
