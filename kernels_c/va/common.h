/* VA (vector addition, PrIM): shared host/DPU definitions. */
#ifndef VA_COMMON_H
#define VA_COMMON_H
#include <stdint.h>
#include "pimsim_block.h"

/* element type: int32, as the PrIM VA Makefile (TYPE ?= INT32) */
typedef int32_t T;

typedef struct {
    uint32_t size;          /* bytes this DPU adds (multiple of 8) */
    uint32_t transfer_size; /* bytes of each input slot in MRAM (same on all DPUs) */
} dpu_arguments_t;

#endif
