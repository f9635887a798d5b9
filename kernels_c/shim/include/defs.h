/* pimsim shim: <defs.h> of the UPMEM SDK (tasklet identity). */
#ifndef PIMSIM_SHIM_DEFS_H
#define PIMSIM_SHIM_DEFS_H
#include <stdint.h>
#include "shim_attrs.h"

/* NR_TASKLETS comes from -DNR_TASKLETS=<n> exactly as with dpu-upmem-dpurte-clang,
 * whose driver also defaults it to 1 (upmem/llvm-project,
 * clang/lib/Driver/ToolChains/DPURTE.cpp). */
#ifndef NR_TASKLETS
#define NR_TASKLETS 1
#endif

/* A DPU runs at most 24 hardware threads (UPMEM DPU v1B, DPU_NR_THREADS). */
#define PIMSIM_MAX_TASKLETS 24
#if NR_TASKLETS < 1 || NR_TASKLETS > PIMSIM_MAX_TASKLETS
#error "NR_TASKLETS must be in 1..24 (UPMEM DPU hardware threads)"
#endif

typedef uint32_t sysname_t;

/* Identity of the calling tasklet, 0..NR_TASKLETS-1. */
sysname_t me(void);

#endif
