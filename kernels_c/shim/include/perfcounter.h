/*
 * pimsim shim: <perfcounter.h> of the UPMEM SDK.
 * Under the shim there is no DPU clock: perfcounter_get() returns host
 * nanoseconds since the last reset, so code paths work but the numbers are
 * NOT DPU cycles. Real cycle counts come only from runs with SDK=upmem.
 */
#ifndef PIMSIM_SHIM_PERFCOUNTER_H
#define PIMSIM_SHIM_PERFCOUNTER_H
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t perfcounter_t;
typedef enum { COUNT_SAME = 0, COUNT_CYCLES = 1, COUNT_INSTRUCTIONS = 2, COUNT_NOTHING = 3 } perfcounter_config_t;

perfcounter_t perfcounter_config(perfcounter_config_t config, bool reset_value);
perfcounter_t perfcounter_get(void);

#endif
