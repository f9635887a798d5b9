/*
 * pimsim shim: <mram.h> of the UPMEM SDK.
 *
 * MRAM is a 64 MB array per DPU. DPU_MRAM_HEAP_POINTER is a fake 32-bit DPU
 * address (MRAM is mapped at PIMSIM_MRAM_BASE in the DPU address space), so that
 * kernels may, as PrIM does, cast it to uint32_t, add offsets and cast back.
 * mram_read/mram_write enforce the SDK DMA rules and log every transfer.
 */
#ifndef PIMSIM_SHIM_MRAM_H
#define PIMSIM_SHIM_MRAM_H
#include <stdint.h>
#include "shim_attrs.h"

/* MRAM base address in the DPU address space (UPMEM DPU ISA: MRAM starts at
 * 0x08000000; the SDK's DPU_MRAM_HEAP_POINTER lies above it). */
#define PIMSIM_MRAM_BASE 0x08000000u
/* MRAM capacity per DPU: 64 MB (UPMEM DPU; DESIGN.md "Capacities"). */
#define PIMSIM_MRAM_BYTES (64u * 1024u * 1024u)
/* Largest single DMA allowed by mram_read/mram_write (UPMEM SDK). */
#define PIMSIM_DMA_MAX_BYTES 2048u
/* Smallest DMA and DMA granularity (UPMEM SDK). */
#define PIMSIM_DMA_MIN_BYTES 8u

#define DPU_MRAM_HEAP_POINTER ((__mram_ptr void *)(uintptr_t)PIMSIM_MRAM_BASE)

void mram_read(const __mram_ptr void *from, void *to, unsigned int nb_of_bytes);
void mram_write(const void *from, __mram_ptr void *to, unsigned int nb_of_bytes);

#endif
