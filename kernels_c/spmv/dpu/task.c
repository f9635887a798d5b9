/*
 * SpMV on one DPU (PrIM SpMV/dpu/task.c): y = A x for the DPU's contiguous CSR rows.
 *
 * MRAM heap (host bump allocator, 8-B rounded pieces): struct DPUParams at 0, the DPU's
 * row pointers (rows + 1, global values: subtract dpuRowPtrsOffset), its nonzeros
 * ({col, value}, 8 B), the whole input vector, the output slice.
 *
 * Tasklet t takes ROUND_UP_TO_MULTIPLE_OF_2(ceil(rows / NR_TASKLETS)) contiguous rows
 * (even, so its row-pointer and output offsets stay 8-B aligned). It reads the params
 * (24 B), walks its row pointers and its nonzeros with two sequential readers (SDK
 * seqread: 512 B read at the 256-B page below the start, and again one page further on at
 * every page crossing), keeps one 64-float input tile (256 B read, re-read whenever
 * col / 64 changes; tile 0 is read up front) and one 64-float output tile, written every
 * 64 rows (256 B) and, at its last row, partially ((rows % 64) x 4 B).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <seqread.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

BARRIER_INIT(my_barrier, NR_TASKLETS);

int main(void) {
    const uint32_t id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&my_barrier);

    const uint32_t heap = (uint32_t)DPU_MRAM_HEAP_POINTER;
    struct DPUParams *p = (struct DPUParams *)mem_alloc(ROUND_UP_TO_MULTIPLE_OF_8(sizeof(struct DPUParams)));
    mram_read((__mram_ptr void const *)heap, p, ROUND_UP_TO_MULTIPLE_OF_8(sizeof(struct DPUParams)));
    const uint32_t rows = p->dpuNumRows;

    /* tasklet rows; unsigned arithmetic as PrIM (rows 0 wraps to a huge share, tasklet 0 gets 0) */
    const uint32_t per = ROUND_UP_TO_MULTIPLE_OF_2((rows - 1) / NR_TASKLETS + 1);
    const uint32_t first = id * per;
    uint32_t my_rows = 0;
    if (first <= rows) my_rows = first + per > rows ? rows - first : per;

    if (my_rows > 0) {
        const uint32_t nz_offset = p->dpuRowPtrsOffset;
        const uint32_t row_ptrs_m = heap + p->dpuRowPtrs_m;
        const uint32_t nonzeros_m = heap + p->dpuNonzeros_m;
        const uint32_t in_m = heap + p->dpuInVector_m;
        const uint32_t out_m = heap + p->dpuOutVector_m + first * (uint32_t)sizeof(float);

        seqreader_t rp_reader;
        uint32_t *rp = seqread_init(seqread_alloc(), (__mram_ptr void *)(row_ptrs_m + first * sizeof(uint32_t)),
                                    &rp_reader);
        uint32_t next_ptr = *rp;

        seqreader_t nz_reader;
        struct Nonzero *nz = seqread_init(
            seqread_alloc(), (__mram_ptr void *)(nonzeros_m + (next_ptr - nz_offset) * sizeof(struct Nonzero)),
            &nz_reader);

        float *in_tile = mem_alloc(SPMV_TILE * sizeof(float));
        mram_read((__mram_ptr void const *)in_m, in_tile, SPMV_TILE * sizeof(float));
        uint32_t in_tile_idx = 0;
        float *out_tile = mem_alloc(SPMV_TILE * sizeof(float));

        for (uint32_t r = 0; r < my_rows; r++) {
            rp = seqread_get(rp, sizeof(uint32_t), &rp_reader);
            const uint32_t row_ptr = next_ptr;
            next_ptr = *rp;
            float acc = 0.0f;
            for (uint32_t k = row_ptr; k < next_ptr; k++) {
                const float v = nz->value;
                const uint32_t col = nz->col;
                if (col / SPMV_TILE != in_tile_idx) {
                    in_tile_idx = col / SPMV_TILE;
                    mram_read((__mram_ptr void const *)(in_m + in_tile_idx * SPMV_TILE * sizeof(float)), in_tile,
                              SPMV_TILE * sizeof(float));
                }
                acc += v * in_tile[col % SPMV_TILE];
                /* the reader moves past the last nonzero too (unused, as PrIM) */
                nz = seqread_get(nz, sizeof(struct Nonzero), &nz_reader);
            }
            const uint32_t slot = r % SPMV_TILE;
            out_tile[slot] = acc;
            const uint32_t tile_m = out_m + (r / SPMV_TILE) * SPMV_TILE * sizeof(float);
            if (slot == SPMV_TILE - 1)
                mram_write(out_tile, (__mram_ptr void *)tile_m, SPMV_TILE * sizeof(float));
            else if (r == my_rows - 1)
                mram_write(out_tile, (__mram_ptr void *)tile_m, (my_rows % SPMV_TILE) * sizeof(float));
        }
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
