/*
 * VA on one DPU: B[i] += A[i] for the DPU's slice.
 * MRAM layout: A at heap+0, B at heap+transfer_size (B is overwritten with A+B).
 * Tasklet t handles blocks t, t+NR_TASKLETS, ... of BLOCK_SIZE bytes; per block:
 * read A, read B, add, write B (the last block may be shorter, a multiple of 8).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
BARRIER_INIT(start_barrier, NR_TASKLETS);

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&start_barrier);

    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t b_base = a_base + DPU_INPUT_ARGUMENTS.transfer_size;
    T *wa = (T *)mem_alloc(BLOCK_SIZE);
    T *wb = (T *)mem_alloc(BLOCK_SIZE);

    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE) {
        uint32_t len = bytes - off < BLOCK_SIZE ? bytes - off : BLOCK_SIZE;
        mram_read((__mram_ptr const void *)(a_base + off), wa, len);
        mram_read((__mram_ptr const void *)(b_base + off), wb, len);
        for (uint32_t k = 0; k < len / sizeof(T); k++) wb[k] += wa[k];
        mram_write(wb, (__mram_ptr void *)(b_base + off), len);
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
