/*
 * DPU-side helpers shared by the pimsim kernels: block size and the per-tasklet
 * cycle counters the host reads back (pimsim.cycles lines).
 *
 * DPU_CYCLES[t] = perfcounter value when tasklet t finished; tasklet 0 resets
 * the counter at kernel start (before the first barrier, as PrIM does). On
 * real hardware these are DPU cycles; under the shim they are host ns.
 */
#ifndef PIMSIM_DPU_H
#define PIMSIM_DPU_H
#include <defs.h>
#include <perfcounter.h>
#include <stdint.h>

#include "pimsim_block.h"

__host uint64_t DPU_CYCLES[NR_TASKLETS];

#define PIMSIM_CYCLES_START()                                                  \
    do {                                                                       \
        if (me() == 0) perfcounter_config(COUNT_CYCLES, true);                 \
    } while (0)
#define PIMSIM_CYCLES_STOP() (DPU_CYCLES[me()] = perfcounter_get())

#endif
