/*
 * pimsim shim: attribute macros of the UPMEM SDK, mapped to gcc on the host.
 *
 * On a DPU, __mram/__mram_noinit place a variable in MRAM, __host keeps a WRAM
 * symbol visible to the host API, __dma_aligned aligns a WRAM buffer for DMA
 * (8 bytes, the SDK DMA alignment rule). Here every DPU is one dlopen()ed copy
 * of the DPU program, so plain globals are already per-DPU.
 */
#ifndef PIMSIM_SHIM_ATTRS_H
#define PIMSIM_SHIM_ATTRS_H

/* SDK DMA alignment: MRAM and WRAM addresses of mram_read/mram_write must be
 * multiples of 8 bytes (UPMEM SDK documentation, "mram_read"). */
#define PIMSIM_DMA_ALIGN 8

#define __dma_aligned __attribute__((aligned(PIMSIM_DMA_ALIGN)))
#define __host __attribute__((used))
#define __mram_ptr
/* MRAM variables live in their own NOBITS section so the build can tell them
 * apart from WRAM globals when it sums the static WRAM footprint. */
#define __mram_noinit __attribute__((section(".bss.__pimsim_mram"), aligned(PIMSIM_DMA_ALIGN)))
#define __mram __attribute__((section(".data.__pimsim_mram"), aligned(PIMSIM_DMA_ALIGN)))
#define __keep __attribute__((used))
#define __noinline __attribute__((noinline))
#define __atomic_bit

#endif
