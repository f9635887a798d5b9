/*
 * GEMV on one DPU: C[r] = sum_j A[r][j] * B[j] for the DPU's rows.
 * MRAM layout: A (max_rows x n_size_pad, row-major) | B (n_size_pad) | C (max_rows).
 * Rows go to tasklets in pairs (8 bytes of C), contiguous ranges, the first
 * (pairs % NR_TASKLETS) tasklets taking one extra pair (PrIM's split).
 * Per row: ceil(n_size / (BLOCK_SIZE/4)) iterations of {read BLOCK_SIZE of A,
 * read BLOCK_SIZE of B, multiply-add}; per pair: one 8-byte write of C.
 * Like PrIM, the last block of a row is read in full (bytes past the row are
 * ignored). Unlike PrIM, rows are padded to an even length in MRAM so every
 * row starts 8-byte aligned (PrIM reads misaligned rows and shifts them).
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
BARRIER_INIT(bar, NR_TASKLETS);

#define ELEMS_PER_BLOCK (BLOCK_SIZE / sizeof(T))

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t n_size = DPU_INPUT_ARGUMENTS.n_size;
    const uint32_t stride = DPU_INPUT_ARGUMENTS.n_size_pad;
    const uint32_t nr_rows = DPU_INPUT_ARGUMENTS.nr_rows;
    const uint32_t max_rows = DPU_INPUT_ARGUMENTS.max_rows;

    const uint32_t pairs = (nr_rows + ROWS_PER_WRITE - 1) / ROWS_PER_WRITE;
    const uint32_t base_pairs = pairs / NR_TASKLETS, extra = pairs % NR_TASKLETS;
    const uint32_t my_pairs = base_pairs + (id < extra);
    const uint32_t first_pair = id * base_pairs + (id < extra ? id : extra);

    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t b_base = a_base + max_rows * stride * sizeof(T);
    const uint32_t c_base = b_base + stride * sizeof(T);

    T *wa = (T *)mem_alloc(BLOCK_SIZE);
    T *wb = (T *)mem_alloc(BLOCK_SIZE);
    T *wc = (T *)mem_alloc(8);

    for (uint32_t p = first_pair; p < first_pair + my_pairs; p++) {
        for (uint32_t k = 0; k < ROWS_PER_WRITE; k++) {
            uint32_t row = p * ROWS_PER_WRITE + k;
            wc[k] = 0;
            if (row >= nr_rows) continue;
            uint32_t a_row = a_base + row * stride * sizeof(T);
            T acc = 0;
            for (uint32_t j0 = 0; j0 < n_size; j0 += ELEMS_PER_BLOCK) {
                mram_read((__mram_ptr const void *)(a_row + j0 * sizeof(T)), wa, BLOCK_SIZE);
                mram_read((__mram_ptr const void *)(b_base + j0 * sizeof(T)), wb, BLOCK_SIZE);
                uint32_t m = n_size - j0 < ELEMS_PER_BLOCK ? n_size - j0 : ELEMS_PER_BLOCK;
                for (uint32_t j = 0; j < m; j++) acc += wa[j] * wb[j];
            }
            wc[k] = acc;
        }
        mram_write(wc, (__mram_ptr void *)(c_base + p * 8), 8);
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
