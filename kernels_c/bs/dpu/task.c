/*
 * BS on one DPU (PrIM BS): binary search of this DPU's queries in the sorted
 * array. MRAM: array (input_size int64) at heap+0, queries after it.
 * Tasklet t takes the contiguous slice_per_dpu/NR_TASKLETS queries starting at
 * t*(slice_per_dpu/NR_TASKLETS). Per query, as PrIM: an 8-byte read of the
 * query; reads of the first block and of the block 256 elements (2048 bytes)
 * before the end (results unused); then read the BS_BLOCK_SIZE block at the
 * midpoint of [start, end) and search it (-2: its first element is larger than
 * the key, -1: not in it, else the index); halve the range; stop when found
 * or when the midpoint falls in the first block or past end - BLOCK (one more
 * read and search there, the found index computed from the midpoint as PrIM).
 * Midpoints are rounded down to 8 bytes (PrIM's later BS version; the first
 * one relied on the DMA engine ignoring the low address bits).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
__host dpu_results_t DPU_RESULTS[NR_TASKLETS];
BARRIER_INIT(bar, NR_TASKLETS);

#define ALIGN8(a) ((a) & ~(uint32_t)7)

static T search(const T *block, T key) {
    if (block[0] > key) return -2;
    for (uint32_t i = 0; i < BS_BLOCK_ELEMS; i++)
        if (block[i] == key) return (T)i;
    return -1;
}

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t n = (uint32_t)DPU_INPUT_ARGUMENTS.input_size;
    const uint32_t per = (uint32_t)(DPU_INPUT_ARGUMENTS.slice_per_dpu / NR_TASKLETS);
    uint32_t query_addr = base + n * sizeof(T) + id * per * sizeof(T);
    T *cache = (T *)mem_alloc(BS_BLOCK_SIZE);
    T *aux_first = (T *)mem_alloc(BS_BLOCK_SIZE);
    T *aux_last = (T *)mem_alloc(BS_BLOCK_SIZE);
    T *key_buf = (T *)mem_alloc(8);
    dpu_results_t *result = &DPU_RESULTS[id];

    for (uint32_t q = 0; q < per; q++, query_addr += sizeof(T)) {
        mram_read((__mram_ptr const void *)query_addr, key_buf, 8);
        const T key = key_buf[0];
        uint32_t start = base, end = base + n * sizeof(T);
        mram_read((__mram_ptr const void *)start, aux_first, BS_BLOCK_SIZE);
        mram_read((__mram_ptr const void *)(end - BS_BLOCK_SIZE * sizeof(T)), aux_last, BS_BLOCK_SIZE);
        uint32_t cur = ALIGN8((start + end) / 2);
        for (int done = 0; !done;) {
            mram_read((__mram_ptr const void *)cur, cache, BS_BLOCK_SIZE);
            T f = search(cache, key);
            if (f > -1) {
                result->found = f + (cur - base) / sizeof(T);
                break;
            }
            if (f == -2) {
                end = cur;
                cur = ALIGN8((cur + start) / 2);
            } else {
                start = cur;
                cur = ALIGN8((cur + end) / 2);
            }
            if (cur < base + BS_BLOCK_SIZE) { /* start boundary */
                done = 1;
                mram_read((__mram_ptr const void *)cur, cache, BS_BLOCK_SIZE);
                f = search(cache, key);
                if (f > -1) result->found = f + (cur - base) / sizeof(T);
            }
            if (cur > end - BS_BLOCK_SIZE) { /* end boundary: PrIM indexes from cur */
                done = 1;
                mram_read((__mram_ptr const void *)(end - BS_BLOCK_SIZE), cache, BS_BLOCK_SIZE);
                f = search(cache, key);
                if (f > -1) result->found = f + (cur - base) / sizeof(T);
            }
        }
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
