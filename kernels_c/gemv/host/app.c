/*
 * GEMV host: C = A x B, A m x n uint32, rows split across DPUs as PrIM
 * (DPU i gets m/D rows, the first m%D DPUs one more, contiguous). Steps:
 * push arguments, push A (each DPU its rows, max_rows x n_pad), push B
 * (same vector to all, as a parallel push), launch, pull C.
 *   -m <rows> -n... : -m rows (PrIM default 8192), -k cols (PrIM -n, default 1024)
 * (-n is the number of DPUs in all pimsim host programs.)
 * Inputs: A[r][j] = rand(seed,0,r*n+j) % 50, B[j] = rand(seed,1,j) % 50 (value
 * range as PrIM GEMV init_data). Output (-o): C, m uint32.
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

#define VALUE_RANGE 50 /* PrIM GEMV init_data: rand() % 50 */

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint32_t m = 8192, n = 1024; /* PrIM GEMV defaults (-m, -n) */
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "m:k:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'm') m = (uint32_t)strtoul(optarg, NULL, 0);
        else if (opt == 'k') n = (uint32_t)strtoul(optarg, NULL, 0);
        else { fprintf(stderr, "usage: %s [-n dpus] [-m rows] [-k cols] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]); return 1; }
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    const uint32_t n_pad = (uint32_t)round_up(n, ROWS_PER_WRITE);
    dpu_arguments_t *args = pimsim_calloc(nr_dpus, sizeof *args);
    uint32_t *first_row = pimsim_calloc(nr_dpus, sizeof(uint32_t));
    uint32_t max_rows = 0;
    for (i = 0; i < nr_dpus; i++) {
        uint32_t rows = m / nr_dpus + (i < m % nr_dpus);
        first_row[i] = i * (m / nr_dpus) + (i < m % nr_dpus ? i : m % nr_dpus);
        uint32_t rows_pad = (uint32_t)round_up(rows, ROWS_PER_WRITE);
        if (rows_pad > max_rows) max_rows = rows_pad;
        args[i] = (dpu_arguments_t){n, n_pad, rows, 0};
    }
    if (max_rows == 0) max_rows = ROWS_PER_WRITE;
    for (i = 0; i < nr_dpus; i++) args[i].max_rows = max_rows;
    printf("pimsim.params workload=gemv nr_dpus=%u nr_tasklets=%d size=%u m=%u n=%u block_size=%u type=uint32 max_rows=%u\n",
           nr_dpus, NR_TASKLETS, m, m, n, BLOCK_SIZE, max_rows);

    /* A packed (m x n, no row padding) as PrIM; DPU i gets max_rows x n_pad elements
     * starting at its first row, so the host array is padded at the end */
    T *A = pimsim_calloc((size_t)m * n + (size_t)max_rows * n_pad, sizeof(T));
    T *B = pimsim_calloc(n_pad, sizeof(T));
    T *Cd = pimsim_calloc((size_t)nr_dpus * max_rows, sizeof(T));
    T *C = pimsim_calloc(m, sizeof(T));
    T *ref = pimsim_calloc(m, sizeof(T));
    for (uint64_t k = 0; k < (uint64_t)m * n; k++) A[k] = (T)(pimsim_rand(c.seed, 0, k) % VALUE_RANGE);
    for (uint32_t j = 0; j < n; j++) B[j] = (T)(pimsim_rand(c.seed, 1, j) % VALUE_RANGE);

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        for (i = 0; i < nr_dpus; i++)
            for (uint32_t r = 0; r < args[i].nr_rows; r++) {
                T acc = 0;
                const T *row = A + (size_t)(first_row[i] + r) * n;
                for (uint32_t j = 0; j < n; j++) acc += row[j] * B[j];
                ref[first_row[i] + r] = acc;
            }
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A + (size_t)first_row[i] * n)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, (size_t)max_rows * n_pad * sizeof(T), DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, B)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)((size_t)max_rows * n_pad * sizeof(T)), n_pad * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, Cd + (size_t)i * max_rows)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME,
                                 (uint32_t)(((size_t)max_rows * n_pad + n_pad) * sizeof(T)), max_rows * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    for (i = 0; i < nr_dpus; i++) memcpy(C + first_row[i], Cd + (size_t)i * max_rows, args[i].nr_rows * sizeof(T));
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    int rc = pimsim_finish(memcmp(C, ref, m * sizeof(T)) == 0, C, m * sizeof(T), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
