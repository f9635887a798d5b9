/*
 * VA host: C = A + B over n int32 elements split across DPUs (see
 * pimsim_chunk in pimsim_host.h). Steps as PrIM VA: push arguments, push A,
 * push B, launch, pull B (= A+B).
 *   -i <n>  elements (per DPU with -x 0, total with -x 1; PrIM default 2621440)
 * Inputs: A[i] = rand(seed,0,i) >> 34, B[i] = rand(seed,1,i) >> 34 (30-bit,
 * so A+B fits int32).
 */
#include <assert.h>
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

/* 64-bit PRNG output shifted to 30 bits: the sum of two stays below 2^31. */
#define VALUE_SHIFT 34

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint64_t n_arg = 2621440; /* PrIM VA default input size */
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
    const uint64_t chunk = pimsim_chunk(n, nr_dpus, sizeof(T));
    printf("pimsim.params workload=va nr_dpus=%u nr_tasklets=%d size=%llu block_size=%u type=int32 chunk=%llu\n",
           nr_dpus, NR_TASKLETS, (unsigned long long)n, BLOCK_SIZE, (unsigned long long)chunk);

    T *A = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *B = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *C = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *ref = pimsim_calloc(n, sizeof(T));
    for (uint64_t k = 0; k < n; k++) {
        A[k] = (T)(pimsim_rand(c.seed, 0, k) >> VALUE_SHIFT);
        B[k] = (T)(pimsim_rand(c.seed, 1, k) >> VALUE_SHIFT);
    }
    dpu_arguments_t *args = pimsim_calloc(nr_dpus, sizeof *args);
    for (i = 0; i < nr_dpus; i++) {
        args[i].size = (uint32_t)(pimsim_va_count(n, chunk, nr_dpus, i, sizeof(T)) * sizeof(T));
        args[i].transfer_size = (uint32_t)(chunk * sizeof(T));
    }

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        for (uint64_t k = 0; k < n; k++) ref[k] = A[k] + B[k];
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, chunk * sizeof(T), DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, B + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, chunk * sizeof(T), chunk * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, C + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, chunk * sizeof(T), chunk * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);

    int ok = memcmp(C, ref, n * sizeof(T)) == 0;
    int rc = pimsim_finish(ok, C, n * sizeof(T), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
