/*
 * SCAN-SSA / SCAN-RSS host (this file is also scan-rss/host/app.c's body, with
 * SCAN_RSS defined): inclusive prefix sum of n int64 values. Partition as PrIM
 * SCAN: chunk = divceil(n, D) rounded up to NR_TASKLETS*REGS elements, zero
 * padded. Steps:
 *   CPU->DPU:  push arguments (kernel 0, t_count 0), push A
 *   kernel 0:  SSA: local scan       | RSS: local reduce
 *   inter-DPU: pull DPU_RESULTS, exclusive scan of the DPU totals on the host,
 *              push arguments (kernel 1, t_count = sum of previous DPUs)
 *   kernel 1:  SSA: add offset       | RSS: scan from the offset
 *   DPU->CPU:  pull B
 * dpu_kernel is the sum of both launches.
 *   -i <n>  elements (per DPU with -x 0, total with -x 1; PrIM default 3932160)
 * Input: A[i] = rand(seed,0,i) >> 32. Output (-o): the n prefix sums, int64.
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

#ifdef SCAN_RSS
#define WORKLOAD "scan-rss"
#define TOTAL_TASKLET 0 /* reduce pass: tasklet 0 holds the DPU total */
#else
#define WORKLOAD "scan-ssa"
#define TOTAL_TASKLET (NR_TASKLETS - 1) /* scan pass: the last tasklet holds it */
#endif
#define VALUE_SHIFT 32 /* keep 32 of the 64 random bits: no int64 overflow */

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint64_t n_arg = 3932160; /* PrIM SCAN default input size */
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "i:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'i') n_arg = strtoull(optarg, NULL, 0);
        else { fprintf(stderr, "usage: %s [-n dpus] [-i elements] [-x 0|1] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]); return 1; }
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    const uint64_t n = c.exp == 0 ? n_arg * nr_dpus : n_arg;
    const uint64_t chunk = round_up(divceil(n, (uint64_t)nr_dpus), (uint64_t)NR_TASKLETS * REGS);
    printf("pimsim.params workload=%s nr_dpus=%u nr_tasklets=%d size=%llu block_size=%u type=int64 chunk=%llu\n",
           WORKLOAD, nr_dpus, NR_TASKLETS, (unsigned long long)n, BLOCK_SIZE, (unsigned long long)chunk);

    T *A = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *B = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *ref = pimsim_calloc(n, sizeof(T));
    for (uint64_t k = 0; k < n; k++) A[k] = (T)(pimsim_rand(c.seed, 0, k) >> VALUE_SHIFT);
    dpu_arguments_t *args = pimsim_calloc(nr_dpus, sizeof *args);
    dpu_results_t *res = pimsim_calloc((size_t)nr_dpus * NR_TASKLETS, sizeof *res);

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        T run = 0;
        for (uint64_t k = 0; k < n; k++) ref[k] = run += A[k];
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        for (i = 0; i < nr_dpus; i++) args[i] = (dpu_arguments_t){(uint32_t)(chunk * sizeof(T)), 0, 0};
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, chunk * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_INTER_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, res + (size_t)i * NR_TASKLETS)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, "DPU_RESULTS", 0, NR_TASKLETS * sizeof(dpu_results_t), DPU_XFER_DEFAULT));
        T acc = 0;
        for (i = 0; i < nr_dpus; i++) {
            args[i].kernel = 1;
            args[i].t_count = acc;
            acc += res[(size_t)i * NR_TASKLETS + TOTAL_TASKLET].t_count;
        }
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_INTER_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, B + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)(chunk * sizeof(T)), chunk * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    int rc = pimsim_finish(memcmp(B, ref, n * sizeof(T)) == 0, B, n * sizeof(T), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
