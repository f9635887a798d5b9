/*
 * HST-L on one DPU (PrIM HST-L): histogram of the DPU's pixels into NR_HISTO
 * WRAM histograms shared by the tasklets. MRAM: pixels at heap+0, the
 * histogram at heap+transfer_size.
 * Tasklets 0..NR_HISTO-1 allocate the histograms; the NR_TASKLETS/NR_HISTO
 * users of each zero it (bins interleaved) between two waits on that
 * histogram's barrier. Blocks are read block-cyclically as HST-S (the last one
 * clipped, its DMA rounded up to 8 bytes); per pixel: bin = (d*bins) >> DEPTH,
 * mutex_lock(histogram's mutex), histo[bin] += 1, mutex_unlock. Barrier;
 * bins interleaved over all tasklets sum the NR_HISTO histograms into
 * histogram 0; barrier; tasklet 0 writes it in DMAs of at most 2048 bytes
 * (PrIM drops a remainder past the last full 2048 bytes; written here, as HST-S).
 * PrIM's mutex_id_t array is never initialised; here each histogram has its
 * own mutex, as the Python kernel models.
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <mutex.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

#if NR_TASKLETS % NR_HISTO
#error "NR_HISTO must divide NR_TASKLETS"
#endif
#define USERS (NR_TASKLETS / NR_HISTO)

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
static uint32_t *histos[NR_HISTO];
BARRIER_INIT(bar, NR_TASKLETS);
BARRIER_INIT(hbar0, USERS);
MUTEX_INIT(hmut0);
#if NR_HISTO >= 2
BARRIER_INIT(hbar1, USERS);
MUTEX_INIT(hmut1);
#endif
#if NR_HISTO >= 4
BARRIER_INIT(hbar2, USERS);
BARRIER_INIT(hbar3, USERS);
MUTEX_INIT(hmut2);
MUTEX_INIT(hmut3);
#endif
#if NR_HISTO >= 8
BARRIER_INIT(hbar4, USERS);
BARRIER_INIT(hbar5, USERS);
BARRIER_INIT(hbar6, USERS);
BARRIER_INIT(hbar7, USERS);
MUTEX_INIT(hmut4);
MUTEX_INIT(hmut5);
MUTEX_INIT(hmut6);
MUTEX_INIT(hmut7);
#endif

static barrier_t *histo_barrier(unsigned h) {
    barrier_t *b[] = {&hbar0,
#if NR_HISTO >= 2
                      &hbar1,
#endif
#if NR_HISTO >= 4
                      &hbar2, &hbar3,
#endif
#if NR_HISTO >= 8
                      &hbar4, &hbar5, &hbar6, &hbar7,
#endif
    };
    return b[h];
}

static mutex_id_t histo_mutex(unsigned h) {
    mutex_id_t m[] = {hmut0,
#if NR_HISTO >= 2
                      hmut1,
#endif
#if NR_HISTO >= 4
                      hmut2, hmut3,
#endif
#if NR_HISTO >= 8
                      hmut4, hmut5, hmut6, hmut7,
#endif
    };
    return m[h];
}

int main(void) {
    const unsigned id = me();
    const unsigned my_h = id & (NR_HISTO - 1);
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t bins = DPU_INPUT_ARGUMENTS.bins;
    const uint32_t in_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t hist_base = in_base + DPU_INPUT_ARGUMENTS.transfer_size;
    T *buf = (T *)mem_alloc(BLOCK_SIZE);
    if (id < NR_HISTO) histos[id] = (uint32_t *)mem_alloc(bins * sizeof(uint32_t));
    barrier_t *hb = histo_barrier(my_h);
    mutex_id_t hm = histo_mutex(my_h);
    barrier_wait(hb);
    uint32_t *hist = histos[my_h];
    for (uint32_t b = id / NR_HISTO; b < bins; b += USERS) hist[b] = 0;
    barrier_wait(hb);

    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE) {
        uint32_t len = bytes - off < BLOCK_SIZE ? bytes - off : BLOCK_SIZE;
        mram_read((__mram_ptr const void *)(in_base + off), buf, (len + 7) & ~7u);
        for (uint32_t k = 0; k < len / sizeof(T); k++) {
            uint32_t bin = (buf[k] * bins) >> DEPTH;
            mutex_lock(hm);
            hist[bin] += 1;
            mutex_unlock(hm);
        }
    }
    barrier_wait(&bar);

    uint32_t *total = histos[0];
    for (uint32_t b = id; b < bins; b += NR_TASKLETS) {
        uint32_t s = 0;
        for (unsigned h = 0; h < NR_HISTO; h++) s += histos[h][b];
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
