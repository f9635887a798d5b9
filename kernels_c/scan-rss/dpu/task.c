/*
 * SCAN-RSS (reduce-scan-scan, PrIM) on one DPU. MRAM: A at heap+0, B at heap+size.
 * kernel 0 (reduce): per block (tasklet t: blocks t, t+NR_TASKLETS, ...) read
 *   BLOCK_SIZE of A and sum; barrier; tasklet 0 adds the tasklet sums into
 *   DPU_RESULTS[0].
 * kernel 1 (scan): as SCAN-SSA's scan pass, starting from t_count (sum of the
 *   previous DPUs): read A block, local scan, handshake chain, barrier, add,
 *   write B block.
 * The DPU-wide offset is double-buffered by round (see sel/dpu/task.c).
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
static T chain[NR_TASKLETS];
static T round_base[2];
BARRIER_INIT(bar, NR_TASKLETS);

static int reduce_pass(void) {
    const unsigned id = me();
    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    T *in = (T *)mem_alloc(BLOCK_SIZE);
    T sum = 0;
    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE) {
        mram_read((__mram_ptr const void *)(a_base + off), in, BLOCK_SIZE);
        for (uint32_t k = 0; k < REGS; k++) sum += in[k];
    }
    chain[id] = sum;
    barrier_wait(&bar);
    if (id == 0) {
        for (unsigned t = 1; t < NR_TASKLETS; t++) sum += chain[t];
        DPU_RESULTS[0].t_count = sum;
    }
    return 0;
}

static int scan_pass(void) {
    const unsigned id = me();
    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER, b_base = a_base + bytes;
    T *in = (T *)mem_alloc(BLOCK_SIZE);
    T *out = (T *)mem_alloc(BLOCK_SIZE);
    if (id == NR_TASKLETS - 1) round_base[0] = DPU_INPUT_ARGUMENTS.t_count;
    barrier_wait(&bar);
    unsigned round = 0;
    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE, round++) {
        mram_read((__mram_ptr const void *)(a_base + off), in, BLOCK_SIZE);
        T run = 0;
        for (uint32_t k = 0; k < REGS; k++) out[k] = run += in[k];
        T before = 0;
        if (id > 0) {
            handshake_wait_for(id - 1);
            before = chain[id];
        }
        if (id < NR_TASKLETS - 1) {
            chain[id + 1] = before + run;
            handshake_notify();
        } else {
            round_base[(round + 1) & 1] = round_base[round & 1] + before + run;
        }
        barrier_wait(&bar);
        T add = round_base[round & 1] + before;
        for (uint32_t k = 0; k < REGS; k++) out[k] += add;
        mram_write(out, (__mram_ptr void *)(b_base + off), BLOCK_SIZE);
        /* the DPU's running total, as PrIM's main_kernel2 (the host does not need it) */
        if (id == NR_TASKLETS - 1) DPU_RESULTS[id].t_count = add + run;
    }
    if (bytes == 0 && id == NR_TASKLETS - 1) DPU_RESULTS[id].t_count = DPU_INPUT_ARGUMENTS.t_count;
    return 0;
}

int main(void) {
    if (me() == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);
    int rc = DPU_INPUT_ARGUMENTS.kernel == 0 ? reduce_pass() : scan_pass();
    PIMSIM_CYCLES_STOP();
    return rc;
}
