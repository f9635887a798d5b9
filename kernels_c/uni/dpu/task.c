/*
 * UNI on one DPU: copy A to B dropping every element equal to its predecessor.
 * MRAM layout: A at heap+0 (size bytes), B at heap+size.
 * Every tasklet processes the same number of full blocks (the host pads the
 * input with its last value). Per round (PrIM UNI): read BLOCK_SIZE of A,
 * unique() the block into a WRAM buffer (the first element is always kept:
 * l_count elements), pass (running count, last kept value, dropped-firsts
 * count) down the tasklet chain with handshakes; a tasklet whose first kept
 * element equals the previous tasklet's last (or, for tasklet 0, the last
 * value of the previous round) drops it (z = 1). It writes l_count elements
 * starting at its buffer element z to the compacted position (PrIM's DMA: the
 * size is l_count*8 even when z = 1, the extra element lands where the next
 * tasklet's output starts). The round ends with a barrier.
 * Unlike PrIM, each tasklet writes before it notifies its successor, so that
 * extra element is always overwritten by the successor's own write (in PrIM
 * the two DMAs race; the DMA sizes and addresses are PrIM's), and the running
 * DPU count is read at the start of the round, before the last tasklet of the
 * round can advance it.
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
static uint32_t msg_count[NR_TASKLETS];  /* kept elements of the previous tasklets (this round) */
static T msg_value[NR_TASKLETS];         /* last kept element of the previous tasklet */
static uint32_t msg_dropped[NR_TASKLETS]; /* dropped firsts among the previous tasklets */
static uint32_t partial_count;            /* output elements of the previous rounds */
static T last_from_last;                  /* last element of the previous round */
BARRIER_INIT(bar, NR_TASKLETS);

static uint32_t unique(T *out, const T *in) {
    uint32_t pos = 0;
    out[pos++] = in[0];
    for (uint32_t j = 1; j < REGS; j++)
        if (in[j] != in[j - 1]) out[pos++] = in[j];
    return pos;
}

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t bytes = DPU_INPUT_ARGUMENTS.size;
    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t b_base = a_base + bytes;
    T *in = (T *)mem_alloc(BLOCK_SIZE);
    T *out = (T *)mem_alloc(BLOCK_SIZE);
    if (id == NR_TASKLETS - 1) {
        partial_count = 0;
        last_from_last = UNI_NO_VALUE;
    }
    barrier_wait(&bar);

    for (uint32_t off = id * BLOCK_SIZE, round = 0; off < bytes; off += NR_TASKLETS * BLOCK_SIZE, round++) {
        const uint32_t base = partial_count;
        mram_read((__mram_ptr const void *)(a_base + off), in, BLOCK_SIZE);
        const uint32_t l_count = unique(out, in);

        uint32_t before = 0, dropped = 0, z;
        if (id != 0) {
            handshake_wait_for(id - 1);
            before = msg_count[id];
            z = msg_value[id] == out[0];
            dropped = msg_dropped[id];
        } else {
            z = last_from_last == out[0];
        }
        mram_write(&out[z], (__mram_ptr void *)(b_base + (base + before - dropped) * sizeof(T)), l_count * sizeof(T));
        if (id < NR_TASKLETS - 1) {
            msg_count[id + 1] = before + l_count;
            msg_value[id + 1] = out[l_count - 1];
            msg_dropped[id + 1] = dropped + z;
            handshake_notify();
        }
        if (id == 0 && round == 0) DPU_RESULTS[0].first = out[0];
        if (id == NR_TASKLETS - 1) {
            last_from_last = out[l_count - 1];
            DPU_RESULTS[id].last = out[l_count - 1];
            DPU_RESULTS[id].t_count = base + before + l_count - dropped - z;
            partial_count = DPU_RESULTS[id].t_count;
        }
        barrier_wait(&bar);
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
