/*
 * RED on one DPU: sum of the DPU's slice.
 * Tasklet t reads blocks t, t+NR_TASKLETS, ... (BLOCK_SIZE bytes, last one
 * shorter) and sums them; the NR_TASKLETS partial sums are then combined:
 *   default        barrier, then tasklet 0 adds them (PrIM "SINGLE" version);
 *   -DRED_TREE     tree with handshakes: at step s tasklet t (t % 2s == 0)
 *                  waits for t+s and adds its sum (PrIM TREE version).
 * DPU_RESULTS[0].t_count holds the DPU total.
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
static T partial[NR_TASKLETS];
BARRIER_INIT(bar, NR_TASKLETS);

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    T *buf = (T *)mem_alloc(BLOCK_SIZE);
    T sum = 0;
    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE) {
        uint32_t len = bytes - off < BLOCK_SIZE ? bytes - off : BLOCK_SIZE;
        mram_read((__mram_ptr const void *)(base + off), buf, len);
        for (uint32_t k = 0; k < len / sizeof(T); k++) sum += buf[k];
    }
    partial[id] = sum;

#ifdef RED_TREE
    for (unsigned step = 1; step < NR_TASKLETS; step <<= 1) {
        if ((id & (2 * step - 1)) == 0) {
            if (id + step < NR_TASKLETS) {
                handshake_wait_for(id + step);
                partial[id] += partial[id + step];
            }
        } else if ((id & (step - 1)) == 0) {
            handshake_notify();
            break; /* this tasklet's sum has been taken */
        }
    }
#else
    barrier_wait(&bar);
    if (id == 0)
        for (unsigned t = 1; t < NR_TASKLETS; t++) partial[0] += partial[t];
#endif
    if (id == 0) DPU_RESULTS[0].t_count = partial[0];
    PIMSIM_CYCLES_STOP();
    return 0;
}
