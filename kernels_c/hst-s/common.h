/* HST-S (histogram, short: one private histogram per tasklet, PrIM): shared definitions. */
#ifndef HST_S_COMMON_H
#define HST_S_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: uint32 pixels of DEPTH bits, as PrIM HST (DEPTH 12, values < 4096) */
typedef uint32_t T;
#define DEPTH 12

typedef struct {
    uint32_t size;          /* bytes of input this DPU histograms (exact, count*4) */
    uint32_t transfer_size; /* bytes of the input slot in MRAM; the histogram follows it */
    uint32_t bins;          /* even, so the histogram is a multiple of 8 bytes */
    uint32_t pad;
} dpu_arguments_t;

#endif
