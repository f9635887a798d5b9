/* GEMV (matrix-vector multiply, PrIM): shared host/DPU definitions. */
#ifndef GEMV_COMMON_H
#define GEMV_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: uint32, as PrIM GEMV */
typedef uint32_t T;
/* rows per 8-byte output write: 8 / sizeof(T) = 2 (PrIM element_per_cacheC) */
#define ROWS_PER_WRITE (8 / sizeof(T))

typedef struct {
    uint32_t n_size;     /* columns */
    uint32_t n_size_pad; /* row stride in elements: n_size rounded up to even (8-byte rows) */
    uint32_t nr_rows;    /* rows of this DPU */
    uint32_t max_rows;   /* rows reserved per DPU (even), sets the MRAM layout */
} dpu_arguments_t;

#endif
