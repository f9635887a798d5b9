/*
 * pimsim shim: <alloc.h> of the UPMEM SDK: the incremental WRAM heap.
 * mem_alloc returns 8-byte aligned WRAM; the heap plus the static WRAM data plus
 * NR_TASKLETS stacks must fit in the 64 KB WRAM, else the program stops with a
 * message naming the request and the limit (the SDK faults the DPU).
 */
#ifndef PIMSIM_SHIM_ALLOC_H
#define PIMSIM_SHIM_ALLOC_H
#include <stddef.h>

void *mem_alloc(size_t size);
void mem_reset(void);

#endif
