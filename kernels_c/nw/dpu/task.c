/*
 * NW on one DPU (PrIM NW): score the nblocks NW_BL x NW_BL blocks this DPU got for
 * one block anti-diagonal. MRAM: active_blocks itemset slots of (BL+1) x (BL+2)
 * int32 (row 0: the block's top boundary incl. the corner, rows 1..BL: the left
 * boundary pair then the block's cells), then active_blocks reference slots of
 * BL x BL. Per block, a wavefront over the BL_IN x BL_IN sub-blocks: REP+1
 * top-left diagonals (0..REP sub-blocks), then REP-1 bottom-right ones
 * (REP = BL/BL_IN), each split into contiguous chunks over the tasklets (the first
 * k % T one more), a barrier after every diagonal. Per sub-block: read its top
 * row ((BL_IN+2) x 4 B), BL_IN left pairs (8 B), BL_IN reference rows (BL_IN x 4 B);
 * BL_IN^2 cells max(nw + ref, w - penalty, n - penalty); write BL_IN rows of
 * (BL_IN+2) x 4 B back (as PrIM, the last int of each row is the cache's stale
 * column BL_IN+1: it lands on the next sub-block's first column, computed later,
 * or on the slot's padding column BL+1).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

#define W (NW_BL + 2)         /* itemset row, int32 */
#define BI NW_BL_IN

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
BARRIER_INIT(bar, NR_TASKLETS);

static void sub_block(uint32_t items, uint32_t ref, uint32_t x, uint32_t y, int32_t pen, int32_t *ci, int32_t *cr) {
    uint32_t a = items + x * W * BI * 4 + y * BI * 4;
    mram_read((__mram_ptr const void *)a, ci, (BI + 2) * 4);
    for (uint32_t i = 1; i <= BI; i++) mram_read((__mram_ptr const void *)(a + i * W * 4), ci + i * (BI + 2), 8);
    uint32_t r = ref + x * NW_BL * BI * 4 + y * BI * 4;
    for (uint32_t i = 0; i < BI; i++) mram_read((__mram_ptr const void *)(r + i * NW_BL * 4), cr + i * BI, BI * 4);
    for (uint32_t i = 1; i <= BI; i++)
        for (uint32_t j = 1; j <= BI; j++)
            ci[i * (BI + 2) + j] = maximum(ci[(i - 1) * (BI + 2) + j - 1] + cr[(i - 1) * BI + j - 1],
                                           ci[i * (BI + 2) + j - 1] - pen, ci[(i - 1) * (BI + 2) + j] - pen);
    for (uint32_t i = 1; i <= BI; i++) mram_write(ci + i * (BI + 2), (__mram_ptr void *)(a + i * W * 4), (BI + 2) * 4);
}

/* this tasklet's contiguous chunk of k sub-blocks: [*start, *start + return) */
static uint32_t chunk(uint32_t k, uint32_t id, uint32_t *start) {
    uint32_t c = k / NR_TASKLETS, mod = k % NR_TASKLETS;
    if (id < mod) c++;
    *start = mod > 0 ? (id < mod ? id * c : mod * (c + 1) + (id - mod) * c) : id * c;
    return c;
}

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);
    const uint32_t nblocks = DPU_INPUT_ARGUMENTS.nblocks, active = DPU_INPUT_ARGUMENTS.active_blocks;
    const int32_t pen = (int32_t)DPU_INPUT_ARGUMENTS.penalty;
    uint32_t items = (uint32_t)DPU_MRAM_HEAP_POINTER;
    uint32_t ref = items + (nblocks != active ? active : nblocks) * (NW_BL + 1) * W * 4;
    int32_t *ci = (int32_t *)mem_alloc((BI + 1) * (BI + 2) * 4);
    int32_t *cr = (int32_t *)mem_alloc(BI * BI * 4);
    const uint32_t rep = NW_BL / BI;
    for (uint32_t b = 0; b < nblocks; b++) {
        for (uint32_t blk = 0; blk <= rep; blk++) { /* top-left */
            uint32_t start, c = chunk(blk, id, &start);
            for (uint32_t k = 0; k < c; k++) {
                uint32_t x = start + k;
                sub_block(items, ref, x, blk - 1 - x, pen, ci, cr);
            }
            barrier_wait(&bar);
        }
        for (uint32_t blk = 2; blk <= rep; blk++) { /* bottom-right */
            uint32_t start, c = chunk(rep - blk + 1, id, &start);
            for (uint32_t k = 0; k < c; k++) {
                uint32_t x = blk - 1 + start + k;
                sub_block(items, ref, x, rep + blk - 2 - x, pen, ci, cr);
            }
            barrier_wait(&bar);
        }
        items += (NW_BL + 1) * W * 4;
        ref += NW_BL * NW_BL * 4;
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
