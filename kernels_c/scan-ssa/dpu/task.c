/*
 * SCAN-SSA (scan-scan-add, PrIM) on one DPU. MRAM: A at heap+0, B at heap+size.
 * kernel 0 (scan): per block (tasklet t: blocks t, t+NR_TASKLETS, ...): read
 *   BLOCK_SIZE of A, local inclusive scan, chain the block totals through the
 *   tasklets with handshakes, barrier, add the offset, write BLOCK_SIZE of B.
 *   The last tasklet's running total is the DPU total (DPU_RESULTS[NR_TASKLETS-1]).
 * kernel 1 (add): per block read BLOCK_SIZE of B, add t_count (sum of the
 *   previous DPUs), write it back.
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
        if (id == NR_TASKLETS - 1) DPU_RESULTS[id].t_count = add + run;
    }
    if (bytes == 0 && id == NR_TASKLETS - 1) DPU_RESULTS[id].t_count = DPU_INPUT_ARGUMENTS.t_count;
    return 0;
}

static int add_pass(void) {
    const unsigned id = me();
    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t b_base = (uint32_t)DPU_MRAM_HEAP_POINTER + bytes;
    const T add = DPU_INPUT_ARGUMENTS.t_count;
    T *buf = (T *)mem_alloc(BLOCK_SIZE);
    for (uint32_t off = id * BLOCK_SIZE; off < bytes; off += NR_TASKLETS * BLOCK_SIZE) {
        mram_read((__mram_ptr const void *)(b_base + off), buf, BLOCK_SIZE);
        for (uint32_t k = 0; k < REGS; k++) buf[k] += add;
        mram_write(buf, (__mram_ptr void *)(b_base + off), BLOCK_SIZE);
    }
    return 0;
}

int main(void) {
    if (me() == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);
    int rc = DPU_INPUT_ARGUMENTS.kernel == 0 ? scan_pass() : add_pass();
    PIMSIM_CYCLES_STOP();
    return rc;
}
