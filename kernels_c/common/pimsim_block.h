/* MRAM<->WRAM block size, shared by host and DPU code. BL = log2(bytes);
 * 10 (1024 B) is the value the PrIM Makefiles use (BL ?= 10). */
#ifndef PIMSIM_BLOCK_H
#define PIMSIM_BLOCK_H
#ifndef BL
#define BL 10
#endif
#define BLOCK_SIZE_LOG2 BL
#define BLOCK_SIZE (1u << BLOCK_SIZE_LOG2)
/* largest single mram_read/mram_write (UPMEM SDK: 2048 bytes) */
#define MRAM_DMA_MAX 2048u
#endif
