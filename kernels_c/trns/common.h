/* TRNS (in-place matrix transposition, PrIM): shared host/DPU definitions. */
#ifndef TRNS_COMMON_H
#define TRNS_COMMON_H
#include <stdint.h>

/* element type: int64, as PrIM TRNS */
typedef int64_t T;
enum { STEP2 = 0, STEP3 = 1, NR_KERNELS = 2 };

typedef struct {
    uint32_t m;      /* rows of a tile (PrIM -m) */
    uint32_t n;      /* columns of the stripe (PrIM -n) */
    uint32_t M_;     /* tiles per stripe (PrIM -o) */
    uint32_t kernel; /* STEP2 or STEP3 */
} dpu_arguments_t;

#endif
