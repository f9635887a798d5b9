/*
 * SEL host: keep the odd elements of n uint64 values, in order. Partition as
 * PrIM SEL: chunk = divceil(n, D) rounded up to NR_TASKLETS*REGS elements
 * (REGS = BLOCK_SIZE/8), zero padded (zeros are removed). Steps: push
 * arguments, push A, launch, pull DPU_RESULTS and scan the per-DPU counts on
 * the host (inter_dpu), serial dpu_copy_from of each DPU's kept elements
 * (dpu_cpu).
 *   -i <n>  elements (per DPU with -x 0, total with -x 1; PrIM default 3932160)
 * Input: A[i] = rand(seed,0,i). Output (-o): the kept elements, uint64.
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint64_t n_arg = 3932160; /* PrIM SEL default input size */
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
    printf("pimsim.params workload=sel nr_dpus=%u nr_tasklets=%d size=%llu block_size=%u type=uint64 chunk=%llu\n",
           nr_dpus, NR_TASKLETS, (unsigned long long)n, BLOCK_SIZE, (unsigned long long)chunk);

    T *A = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *out = pimsim_calloc(n, sizeof(T));
    T *ref = pimsim_calloc(n, sizeof(T));
    for (uint64_t k = 0; k < n; k++) A[k] = pimsim_rand(c.seed, 0, k);
    dpu_arguments_t args = {(uint32_t)(chunk * sizeof(T)), 0};
    dpu_results_t *res = pimsim_calloc((size_t)nr_dpus * NR_TASKLETS, sizeof *res);
    uint64_t *offset = pimsim_calloc(nr_dpus, sizeof(uint64_t));

    pimsim_timer_t tm = {0};
    uint64_t nref = 0, total = 0;
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        nref = 0;
        for (uint64_t k = 0; k < n; k++)
            if (sel_keep(A[k])) ref[nref++] = A[k];
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args, DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, chunk * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_INTER_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, res + (size_t)i * NR_TASKLETS)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, "DPU_RESULTS", 0, NR_TASKLETS * sizeof(dpu_results_t), DPU_XFER_DEFAULT));
        total = 0;
        for (i = 0; i < nr_dpus; i++) {
            offset[i] = total;
            total += res[(size_t)i * NR_TASKLETS + NR_TASKLETS - 1].t_count;
        }
        ptimer_stop(&tm, PH_INTER_DPU);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) {
            uint32_t cnt = res[(size_t)i * NR_TASKLETS + NR_TASKLETS - 1].t_count;
            if (cnt && offset[i] + cnt <= n)
                DPU_ASSERT(dpu_copy_from(dpu, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)(chunk * sizeof(T)), out + offset[i], cnt * sizeof(T)));
        }
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    printf("pimsim.sel kept=%llu\n", (unsigned long long)total);
    int ok = total == nref && memcmp(out, ref, nref * sizeof(T)) == 0;
    int rc = pimsim_finish(ok, out, (total <= n ? total : n) * sizeof(T), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
