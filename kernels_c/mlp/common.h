/* MLP (3-layer perceptron, PrIM): shared host/DPU definitions. */
#ifndef MLP_COMMON_H
#define MLP_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: int32, as PrIM MLP */
typedef int32_t T;
#define NUM_LAYERS 3
/* rows per 8-byte output write (PrIM: two rows per iteration) */
#define ROWS_PER_WRITE (8 / sizeof(T))

typedef struct {
    uint32_t n_size;     /* columns */
    uint32_t n_size_pad; /* row stride of the vector: n_size rounded up to even */
    uint32_t nr_rows;    /* rows of this DPU */
    uint32_t max_rows;   /* rows reserved per DPU (even), sets the MRAM layout */
} dpu_arguments_t;

#endif
