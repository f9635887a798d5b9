/* RED (reduction, PrIM): shared host/DPU definitions. */
#ifndef RED_COMMON_H
#define RED_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: int64, as the PrIM RED Makefile (TYPE ?= INT64) */
typedef int64_t T;

typedef struct {
    uint32_t size; /* bytes this DPU reduces (multiple of 8) */
    uint32_t pad;
} dpu_arguments_t;

typedef struct {
    T t_count;       /* tasklet 0: DPU total */
} dpu_results_t;

#endif
