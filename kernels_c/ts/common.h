/* TS (time-series matrix profile, STREAMP, PrIM): shared host/DPU definitions. */
#ifndef TS_COMMON_H
#define TS_COMMON_H
#include <stdint.h>

/* element type: int32, as PrIM TS (DTYPE) */
typedef int32_t T;
#define T_MAX INT32_MAX
/* PrIM TS/support/common.h falls back to BL=8 (256-byte blocks) when BL is not
 * given; with 1 KB blocks the six per-tasklet buffers (6 KB x 16 tasklets) would
 * not fit in the 64 KB WRAM. So TS uses its own block size, whatever BL the
 * other kernels use (as the Python kernel, pimsim/kernels/ts.py). */
#ifndef TS_BL
#define TS_BL 8
#endif
#define TS_BLOCK_SIZE (1u << TS_BL)
/* positions per dot-product group = elements per block (PrIM DOTPIP) */
#define DOTPIP (TS_BLOCK_SIZE / sizeof(T))
/* PrIM fills series and query with i % MAX_DATA_VAL */
#define MAX_DATA_VAL 127

typedef struct {
    uint32_t ts_length;
    uint32_t query_length;
    T query_mean;
    T query_std;
    uint32_t slice_per_dpu;
    int32_t exclusion_zone;
    uint32_t kernel; /* PrIM's enum kernels (one kernel: 0) */
} dpu_arguments_t;

typedef struct {
    T minValue;
    uint32_t minIndex;
    T maxValue;
    uint32_t maxIndex;
} dpu_result_t;

#endif
