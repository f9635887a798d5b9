/* pimsim shim: definitions shared by the DPU-side and host-side runtimes. */
#ifndef PIMSIM_SHIM_H
#define PIMSIM_SHIM_H

/* Exit status of a program stopped by a shim rule (DMA rule, WRAM limit,
 * invalid host transfer): distinct from 1 (bad arguments / wrong result). */
#define PIMSIM_EXIT_FAULT 3

/* Environment variable naming the DMA log file. One CSV line per DMA:
 *   tasklet,direction,bytes,mram_addr,wram_addr
 * direction is read|write; mram_addr is the byte offset in the DPU's MRAM (-1
 * for an __mram variable); wram_addr is the simulated WRAM address of a heap
 * buffer (static data + stacks + heap offset) or -1 for stack/global buffers.
 * Each DPU launch starts with a comment line "# dpu=<i> launch=<k> nr_tasklets=<t>". */
#define PIMSIM_DMA_LOG_ENV "PIMSIM_DMA_LOG"

#endif
