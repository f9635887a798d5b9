/*
 * One MLP layer on one DPU (PrIM Benchmarks/MLP/dpu/task.c; the top-level MLP DPU
 * source is not published): C[r] = sum_j A[r][j] * B[j], int32, no activation (PrIM
 * applies none on the DPU). The loop is PrIM GEMV's:
 * MRAM layout: A (nr_rows rows of n_size elements, packed; max_rows x n_size_pad
 * reserved) | B (n_size_pad) | C (max_rows).
 * Rows go to tasklets in pairs (8 bytes of C), contiguous ranges, the first
 * tasklets taking the leftover pairs (PrIM's split). Per row, as PrIM:
 * for every full block but the last {read BLOCK_SIZE of A, read BLOCK_SIZE of
 * B}, then the last block {read BLOCK_SIZE of A, read BLOCK_SIZE of B}, the
 * last block read in full (bytes past the row are ignored). With odd n_size
 * every other row starts 4 bytes past an 8-byte boundary: PrIM then reads the
 * block from the aligned-down address (the DMA engine ignores the low 3 bits;
 * written out here so the address is legal everywhere), shifts it left by one
 * element and fetches the block's last element with an extra 8-byte read.
 * Per pair: one 8-byte write of C.
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
#define ALIGN_DOWN8(a) ((a) & ~(uint32_t)7)

/* One block of A at `addr` (possibly 4 bytes past an 8-byte boundary) into wa. */
static void read_a_block(uint32_t addr, T *wa, T *aux) {
    mram_read((__mram_ptr const void *)ALIGN_DOWN8(addr), wa, BLOCK_SIZE);
    if (addr & 7) {
        for (uint32_t k = 0; k < ELEMS_PER_BLOCK - 1; k++) wa[k] = wa[k + 1];
        mram_read((__mram_ptr const void *)ALIGN_DOWN8(addr + BLOCK_SIZE), aux, 8);
        wa[ELEMS_PER_BLOCK - 1] = aux[0];
    }
}

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t n_size = DPU_INPUT_ARGUMENTS.n_size;
    const uint32_t n_pad = DPU_INPUT_ARGUMENTS.n_size_pad;
    const uint32_t nr_rows = DPU_INPUT_ARGUMENTS.nr_rows;
    const uint32_t max_rows = DPU_INPUT_ARGUMENTS.max_rows;

    /* pairs of rows, contiguous per tasklet, leftovers to the first tasklets */
    const uint32_t pairs = (nr_rows + ROWS_PER_WRITE - 1) / ROWS_PER_WRITE;
    const uint32_t base_pairs = pairs / NR_TASKLETS, extra = pairs % NR_TASKLETS;
    const uint32_t my_pairs = base_pairs + (id < extra);
    const uint32_t first_pair = id * base_pairs + (id < extra ? id : extra);

    const uint32_t a_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t b_base = a_base + max_rows * n_pad * sizeof(T);
    const uint32_t c_base = b_base + n_pad * sizeof(T);

    T *wa = (T *)mem_alloc(BLOCK_SIZE + 8);
    T *aux = (T *)mem_alloc(8);
    T *wb = (T *)mem_alloc(BLOCK_SIZE);
    T *wc = (T *)mem_alloc(8);
    /* blocks before the last one: PrIM's `for (n = 0; n < n_size - BLOCK/4; n += BLOCK/4)` */
    const uint32_t full = n_size > ELEMS_PER_BLOCK ? (n_size - 1) / ELEMS_PER_BLOCK : 0;
    const uint32_t tail = n_size - full * ELEMS_PER_BLOCK;

    for (uint32_t p = first_pair; p < first_pair + my_pairs; p++) {
        for (uint32_t k = 0; k < ROWS_PER_WRITE; k++) {
            uint32_t row = p * ROWS_PER_WRITE + k;
            wc[k] = 0;
            if (row >= nr_rows) break;
            uint32_t a = a_base + row * n_size * sizeof(T), b = b_base;
            T acc = 0;
            for (uint32_t blk = 0; blk < full; blk++, a += BLOCK_SIZE, b += BLOCK_SIZE) {
                read_a_block(a, wa, aux);
                mram_read((__mram_ptr const void *)b, wb, BLOCK_SIZE);
                for (uint32_t j = 0; j < ELEMS_PER_BLOCK; j++) acc += wa[j] * wb[j];
            }
            read_a_block(a, wa, aux);
            mram_read((__mram_ptr const void *)b, wb, BLOCK_SIZE);
            for (uint32_t j = 0; j < tail; j++) acc += wa[j] * wb[j];
            wc[k] = acc;
        }
        mram_write(wc, (__mram_ptr void *)(c_base + p * 8), 8);
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
