/*
 * HST-S host: histogram of n pixels (DEPTH-bit values) into -b bins. Pixels
 * split across DPUs with pimsim_chunk; each DPU builds a full histogram.
 * Steps as PrIM HST-S: push arguments, push pixels, launch, pull every DPU's
 * histogram (dpu_cpu), add them on the host (inter_dpu).
 *   -i <n>  pixels (per DPU with -x 0, total with -x 1; PrIM default 1536*1024)
 *   -b <bins>  (PrIM default 256; must be even)
 * Input: pixel[i] = rand(seed,0,i) >> (64-DEPTH). Output (-o): bins x uint32.
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

#ifndef HST_WORKLOAD
#define HST_WORKLOAD "hst-s"
#endif

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint64_t n_arg = 1536 * 1024; /* PrIM HST default input size */
    uint32_t bins = 256;          /* PrIM HST default bins */
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "i:b:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'i') n_arg = strtoull(optarg, NULL, 0);
        else if (opt == 'b') bins = (uint32_t)strtoul(optarg, NULL, 0);
        else { fprintf(stderr, "usage: %s [-n dpus] [-i pixels] [-b bins] [-x 0|1] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]); return 1; }
    }
    if (bins == 0 || bins % 2 || bins > (1u << DEPTH)) {
        fprintf(stderr, "-b %u: bins must be even and in 2..%u\n", bins, 1u << DEPTH);
        return 1;
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    const uint64_t n = c.exp == 0 ? n_arg * nr_dpus : n_arg;
    const uint64_t chunk = pimsim_chunk(n, nr_dpus, sizeof(T));
    printf("pimsim.params workload=" HST_WORKLOAD " nr_dpus=%u nr_tasklets=%d size=%llu bins=%u block_size=%u type=uint32 chunk=%llu\n",
           nr_dpus, NR_TASKLETS, (unsigned long long)n, bins, BLOCK_SIZE, (unsigned long long)chunk);

    T *A = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    for (uint64_t k = 0; k < n; k++) A[k] = (T)(pimsim_rand(c.seed, 0, k) >> (64 - DEPTH));
    dpu_arguments_t *args = pimsim_calloc(nr_dpus, sizeof *args);
    for (i = 0; i < nr_dpus; i++)
        args[i] = (dpu_arguments_t){(uint32_t)(pimsim_count(n, chunk, i) * sizeof(T)), (uint32_t)(chunk * sizeof(T)), bins, 0};
    uint32_t *hd = pimsim_calloc((size_t)nr_dpus * bins, sizeof(uint32_t));
    uint32_t *hist = pimsim_calloc(bins, sizeof(uint32_t));
    uint32_t *ref = pimsim_calloc(bins, sizeof(uint32_t));

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        memset(ref, 0, bins * sizeof(uint32_t));
        for (uint64_t k = 0; k < n; k++) ref[(A[k] * bins) >> DEPTH]++;
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A + chunk * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, chunk * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, hd + (size_t)i * bins)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)(chunk * sizeof(T)), bins * sizeof(uint32_t), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_DPU_CPU);

        ptimer_start(&tm, PH_INTER_DPU);
        memcpy(hist, hd, bins * sizeof(uint32_t));
        for (i = 1; i < nr_dpus; i++)
            for (uint32_t b = 0; b < bins; b++) hist[b] += hd[(size_t)i * bins + b];
        ptimer_stop(&tm, PH_INTER_DPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    int rc = pimsim_finish(memcmp(hist, ref, bins * sizeof(uint32_t)) == 0, hist, bins * sizeof(uint32_t), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
