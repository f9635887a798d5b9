/*
 * HST-S on one DPU: histogram of the DPU's pixels into `bins` bins,
 * bin = (pixel * bins) >> DEPTH.
 * MRAM layout: input at heap+0 (transfer_size bytes), histogram at heap+transfer_size.
 * Each tasklet keeps a private WRAM histogram (bins x 4 bytes) and reads
 * blocks t, t+NR_TASKLETS, ... (BLOCK_SIZE bytes; the last is shorter and its
 * DMA rounded up to 8 bytes, only `size` bytes are counted). After a barrier
 * the tasklets merge the private histograms bin-interleaved into tasklet 0's,
 * barrier, and tasklet 0 writes it in DMAs of at most 2048 bytes.
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
static uint32_t *hist_of[NR_TASKLETS];
BARRIER_INIT(bar, NR_TASKLETS);

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t bins = DPU_INPUT_ARGUMENTS.bins;
    const uint32_t in_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t hist_base = in_base + DPU_INPUT_ARGUMENTS.transfer_size;
    T *buf = (T *)mem_alloc(BLOCK_SIZE);
    uint32_t *hist = (uint32_t *)mem_alloc(bins * sizeof(uint32_t));
    for (uint32_t b = 0; b < bins; b++) hist[b] = 0;

    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE) {
        uint32_t len = bytes - off < BLOCK_SIZE ? bytes - off : BLOCK_SIZE;
        mram_read((__mram_ptr const void *)(in_base + off), buf, (len + 7) & ~7u);
        for (uint32_t k = 0; k < len / sizeof(T); k++) hist[(buf[k] * bins) >> DEPTH]++;
    }
    hist_of[id] = hist;
    barrier_wait(&bar);

    uint32_t *total = hist_of[0];
    for (uint32_t b = id; b < bins; b += NR_TASKLETS) {
        uint32_t s = 0;
        for (unsigned t = 0; t < NR_TASKLETS; t++) s += hist_of[t][b];
        total[b] = s;
    }
    barrier_wait(&bar);

    if (id == 0)
        for (uint32_t off = 0; off < bins * sizeof(uint32_t); off += MRAM_DMA_MAX) {
            uint32_t len = bins * sizeof(uint32_t) - off;
            if (len > MRAM_DMA_MAX) len = MRAM_DMA_MAX;
            mram_write((uint8_t *)total + off, (__mram_ptr void *)(hist_base + off), len);
        }
    PIMSIM_CYCLES_STOP();
    return 0;
}
