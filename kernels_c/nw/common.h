/* NW (Needleman-Wunsch, PrIM): shared host/DPU definitions. */
#ifndef NW_COMMON_H
#define NW_COMMON_H
#include <stdint.h>

/* PrIM's NW block side BL and sub-block side BL_IN are compile-time constants
 * (PrIM: BL default 16, the run script passes n/#DPUs; BL_IN = 2). BL is taken
 * here by the block-size log2 of the other kernels, so NW uses NW_BL / NW_BL_IN
 * (make ... EXTRA_CFLAGS="-DNW_BL=32 -DNW_BL_IN=4"). */
#ifndef NW_BL
#define NW_BL 16
#endif
#ifndef NW_BL_IN
#define NW_BL_IN 2
#endif
#if NW_BL_IN % 2 || NW_BL % NW_BL_IN
#error "NW_BL_IN must be even (8-byte DMAs) and divide NW_BL"
#endif

typedef struct {
    uint32_t nblocks;       /* blocks this DPU scores in this launch */
    uint32_t active_blocks; /* block slots pushed to every DPU (MRAM layout) */
    uint32_t penalty;
    uint32_t dummy;
} dpu_arguments_t;

static inline int32_t maximum(int32_t a, int32_t b, int32_t c) {
    int32_t k = a <= b ? b : a;
    return k <= c ? c : k;
}

#endif
