/*
 * TS on one DPU (PrIM TS, STREAMP): the z-normalised distance of the query to
 * every subsequence starting in this DPU's slice, keeping each tasklet's minimum.
 * MRAM: query (m) | series slice (slice + m) | means (slice + m) | sigmas (slice + m).
 * Tasklet t owns the start positions [t*slice/T, t*slice/T + slice/T - 1),
 * clipped at slice - m (PrIM's bounds, off by one at the end as PrIM). Per group
 * of DOTPIP positions: zero DOTPIP dot products; per query block (m/DOTPIP):
 * read the series block, the next series block and the query block, DOTPIP x
 * DOTPIP multiply-accumulates; then read the mean and sigma blocks and turn every
 * dot product into a distance (int32, one division), keeping the minimum.
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

__host dpu_arguments_t DPU_INPUT_ARGUMENTS;
__host dpu_result_t DPU_RESULTS[NR_TASKLETS];
BARRIER_INIT(bar, NR_TASKLETS);

/* int32 division. Past the series the host leaves sigma = 0 (PrIM too): the DPU's
 * division routine then returns a value, x86 would trap, so under the gcc shim a
 * zero divisor gives -1 (the all-ones quotient of the DPU's div_step sequence, as
 * pimsim/kernels/ts.py models it). */
static inline T ts_div(T a, T b) {
#ifdef PIMSIM_SHIM_DEFS_H
    if (b == 0) return -1;
#endif
    return a / b;
}

static void dot_product(const T *a, const T *a_aux, const T *q, T *res) {
    for (uint32_t i = 0; i < DOTPIP; i++)
        for (uint32_t j = 0; j < DOTPIP; j++) {
            if (j + i > DOTPIP - 1) res[j] += a_aux[j + i - DOTPIP] * q[i];
            else res[j] += a[j + i] * q[i];
        }
}

int main(void) {
    const unsigned id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&bar);

    const uint32_t m = DPU_INPUT_ARGUMENTS.query_length;
    const T qmean = DPU_INPUT_ARGUMENTS.query_mean;
    const T qstd = DPU_INPUT_ARGUMENTS.query_std;
    const uint32_t slice = DPU_INPUT_ARGUMENTS.slice_per_dpu;

    uint32_t start = id * (slice / NR_TASKLETS);
    uint32_t end = start + slice / NR_TASKLETS - 1;
    if (end > slice - m) end = slice - m;

    const uint32_t q_base = (uint32_t)DPU_MRAM_HEAP_POINTER;
    const uint32_t ts_base = q_base + m * sizeof(T) + start * sizeof(T);
    uint32_t mean_addr = ts_base + (slice + m) * sizeof(T);
    uint32_t sigma_addr = mean_addr + (slice + m) * sizeof(T);

    T *c_ts = (T *)mem_alloc(TS_BLOCK_SIZE);
    T *c_ts_aux = (T *)mem_alloc(TS_BLOCK_SIZE);
    T *c_q = (T *)mem_alloc(TS_BLOCK_SIZE);
    T *c_mean = (T *)mem_alloc(TS_BLOCK_SIZE);
    T *c_sigma = (T *)mem_alloc(TS_BLOCK_SIZE);
    T *c_dot = (T *)mem_alloc(TS_BLOCK_SIZE);

    T min_distance = T_MAX;
    uint32_t min_index = 0;
    for (uint32_t i = start; i < end; i += DOTPIP) {
        for (uint32_t d = 0; d < DOTPIP; d++) c_dot[d] = 0;
        uint32_t a_ts = ts_base + (i - start) * sizeof(T), a_q = q_base;
        for (uint32_t j = 0; j < m / DOTPIP; j++, a_ts += TS_BLOCK_SIZE, a_q += TS_BLOCK_SIZE) {
            mram_read((__mram_ptr const void *)a_ts, c_ts, TS_BLOCK_SIZE);
            mram_read((__mram_ptr const void *)(a_ts + TS_BLOCK_SIZE), c_ts_aux, TS_BLOCK_SIZE);
            mram_read((__mram_ptr const void *)a_q, c_q, TS_BLOCK_SIZE);
            dot_product(c_ts, c_ts_aux, c_q, c_dot);
        }
        mram_read((__mram_ptr const void *)mean_addr, c_mean, TS_BLOCK_SIZE);
        mram_read((__mram_ptr const void *)sigma_addr, c_sigma, TS_BLOCK_SIZE);
        mean_addr += TS_BLOCK_SIZE;
        sigma_addr += TS_BLOCK_SIZE;
        for (uint32_t k = 0; k < DOTPIP; k++) {
            T num = (T)((uint32_t)c_dot[k] - (uint32_t)((T)m * c_mean[k] * qmean));
            T distance = 2 * ((T)m - ts_div(num, c_sigma[k] * qstd));
            if (distance < min_distance) {
                min_distance = distance;
                min_index = i + k;
            }
        }
    }
    DPU_RESULTS[id].minValue = min_distance;
    DPU_RESULTS[id].minIndex = min_index;
    PIMSIM_CYCLES_STOP();
    return 0;
}
