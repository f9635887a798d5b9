/*
 * SEL on one DPU: copy the kept (odd) elements of A, in order, to B.
 * MRAM layout: A at heap+0 (size bytes), B at heap+size.
 * Every tasklet processes the same number of full blocks (the host pads the
 * input to NR_TASKLETS*BLOCK_SIZE with zeros, which are removed). Per block:
 * read BLOCK_SIZE of A, select into a WRAM buffer, pass the running count down
 * the tasklet chain with handshakes (PrIM), barrier, write the kept elements
 * (one DMA of count*8 bytes; skipped when nothing is kept - a 0-byte DMA is
 * illegal).
 * Unlike PrIM, the DPU-wide offset is double-buffered by block round so no
 * tasklet can see the next round's offset early (a race in the original).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <handshake.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
__host dpu_results_t DPU_RESULTS[NR_TASKLETS];
static uint32_t chain[NR_TASKLETS];
static uint32_t round_base[2];
BARRIER_INIT(bar, NR_TASKLETS);

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    if (id == NR_TASKLETS - 1) round_base[0] = 0;
    barrier_wait(&bar);

    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t b_base = a_base + bytes;
    T *in = (T *)mem_alloc(BLOCK_SIZE);
    T *out = (T *)mem_alloc(BLOCK_SIZE);

    unsigned round = 0;
    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE, round++) {
        mram_read((__mram_ptr const void *)(a_base + off), in, BLOCK_SIZE);
        uint32_t kept = 0;
        for (uint32_t k = 0; k < REGS; k++)
            if (sel_keep(in[k])) out[kept++] = in[k];

        /* exclusive prefix of kept counts along tasklets 0..NR_TASKLETS-1 */
        uint32_t before = 0;
        if (id > 0) {
            handshake_wait_for(id - 1);
            before = chain[id];
        }
        if (id < NR_TASKLETS - 1) {
            chain[id + 1] = before + kept;
            handshake_notify();
        } else {
            round_base[(round + 1) & 1] = round_base[round & 1] + before + kept;
        }
        barrier_wait(&bar);

        uint32_t dst = round_base[round & 1] + before;
        if (kept) mram_write(out, (__mram_ptr void *)(b_base + dst * sizeof(T)), kept * sizeof(T));
        if (id == NR_TASKLETS - 1) DPU_RESULTS[id].t_count = dst + kept;
    }
    if (bytes == 0 && id == NR_TASKLETS - 1) DPU_RESULTS[id].t_count = 0;
    PIMSIM_CYCLES_STOP();
    return 0;
}
