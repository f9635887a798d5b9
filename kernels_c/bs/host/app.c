/*
 * BS host (PrIM BS): binary search of Q int64 queries in a sorted array of
 * input_size elements. As PrIM: array[i] = i + 1, queries 0, 1, ..., Q-1 with
 * Q rounded up to a multiple of D*NR_TASKLETS; every DPU gets the whole array
 * (one push of the same buffer) and Q/D contiguous queries. Steps: push
 * arguments, push the array, push the queries, launch; dpu_cpu: pull
 * DPU_RESULTS and take the maximum found index (PrIM's result).
 * Verification: every tasklet's found index must equal a host replay of the
 * DPU search (status). PrIM's own check (maximum == host binary search) is
 * printed as prim_check: it fails for many sizes because PrIM's DPU code
 * computes the index of a key found in the end-boundary block from the
 * midpoint instead of that block's address, a bug the kernel keeps so that
 * its DMAs are PrIM's.
 *   -a <elements>  sorted array (PrIM INPUT_SIZE, default 2048576; >= 256)
 *   -i <queries>   queries (PrIM -i; default 262144, PrIM's run script)
 * (-x is accepted and ignored: PrIM BS has no weak-scaling mode.)
 * Output (-o): DPU_RESULTS of every DPU, int64[D * NR_TASKLETS] (0 where a
 * tasklet found nothing).
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

/* PrIM BS host binarySearch(): the result of the last query found */
static int64_t host_search(const T *a, const T *q, int64_t r_init, uint64_t nq) {
    int64_t result = -1;
    for (uint64_t k = 0; k < nq; k++) {
        int64_t l = 0, r = r_init;
        while (l <= r) {
            int64_t m = l + (r - l) / 2;
            if (a[m] == q[k]) result = m;
            if (a[m] < q[k]) l = m + 1;
            else r = m - 1;
        }
    }
    return result;
}

/* The DPU's search of one key (dpu/task.c, byte offsets from the array start):
 * the found index, or -1. */
static int64_t dpu_search_block(const T *a, uint64_t off, T key) {
    const T *b = a + off / sizeof(T);
    if (b[0] > key) return -2;
    for (uint32_t i = 0; i < BS_BLOCK_ELEMS; i++)
        if (b[i] == key) return i;
    return -1;
}
static int64_t dpu_search(const T *a, uint64_t n, T key) {
    uint64_t start = 0, end = n * sizeof(T), cur = ((start + end) / 2) & ~7ull;
    int64_t found = -1;
    for (;;) {
        int64_t f = dpu_search_block(a, cur, key);
        if (f > -1) return f + (int64_t)(cur / sizeof(T));
        if (f == -2) { end = cur; cur = ((cur + start) / 2) & ~7ull; }
        else { start = cur; cur = ((cur + end) / 2) & ~7ull; }
        int done = 0;
        if (cur < BS_BLOCK_SIZE) {
            done = 1;
            f = dpu_search_block(a, cur, key);
            if (f > -1) found = f + (int64_t)(cur / sizeof(T));
        }
        if (cur > end - BS_BLOCK_SIZE) {
            done = 1;
            f = dpu_search_block(a, end - BS_BLOCK_SIZE, key);
            if (f > -1) found = f + (int64_t)(cur / sizeof(T));
        }
        if (done) return found;
    }
}

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint64_t n = BS_INPUT_SIZE, nq = 262144;
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "a:i:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'a') n = strtoull(optarg, NULL, 0);
        else if (opt == 'i') nq = strtoull(optarg, NULL, 0);
        else { fprintf(stderr, "usage: %s [-n dpus] [-a array] [-i queries] [-w W] [-e E] [-o out]\n", argv[0]); return 1; }
    }
    if (n < BS_BLOCK_SIZE) { /* PrIM reads BLOCK_SIZE*sizeof(T) bytes before the end */
        fprintf(stderr, "bs: -a %llu: the array needs >= %u elements (PrIM reads the block 2048 bytes before its end)\n",
                (unsigned long long)n, (unsigned)BS_BLOCK_SIZE);
        return 1;
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    const uint64_t unit = (uint64_t)nr_dpus * NR_TASKLETS;
    if (nq == 0) nq = unit;
    if (nq % unit) nq += unit - nq % unit;
    const uint64_t per = nq / nr_dpus;
    printf("pimsim.params workload=bs nr_dpus=%u nr_tasklets=%d size=%llu queries=%llu block_size=%u type=int64 slice_per_dpu=%llu\n",
           nr_dpus, NR_TASKLETS, (unsigned long long)n, (unsigned long long)nq, BS_BLOCK_SIZE, (unsigned long long)per);

    T *array = pimsim_calloc(n + BS_BLOCK_ELEMS, sizeof(T)); /* blocks may run past the end */
    T *queries = pimsim_calloc(nq, sizeof(T));
    for (uint64_t k = 0; k < n; k++) array[k] = (T)(k + 1);
    for (uint64_t k = 0; k < nq; k++) queries[k] = (T)k;
    dpu_arguments_t args = {n, per, 0, 0};
    dpu_results_t *res = pimsim_calloc(unit, sizeof *res);

    pimsim_timer_t tm = {0};
    int64_t ref = -1, found = -1;
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        ref = host_search(array, queries, (int64_t)n - 1, nq);
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args, DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, array)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, n * sizeof(T), DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, queries + per * i)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)(n * sizeof(T)), per * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, res + (size_t)i * NR_TASKLETS)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, "DPU_RESULTS", 0, NR_TASKLETS * sizeof(dpu_results_t), DPU_XFER_DEFAULT));
        found = -1;
        for (uint64_t k = 0; k < unit; k++)
            if (res[k].found > found) found = res[k].found;
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    /* replay: each tasklet keeps the index of its last query found (0 if none) */
    int ok = 1;
    const uint64_t per_tasklet = per / NR_TASKLETS;
    for (uint64_t k = 0; k < unit; k++) {
        int64_t want = 0;
        for (uint64_t j = 0; j < per_tasklet; j++) {
            int64_t f = dpu_search(array, n, queries[k * per_tasklet + j]);
            if (f > -1) want = f;
        }
        if (res[k].found != want) ok = 0;
    }
    printf("pimsim.bs found=%lld host=%lld prim_check=%s\n", (long long)found, (long long)ref,
           found == ref ? "OK" : "FAIL");
    int rc = pimsim_finish(ok, res, unit * sizeof(dpu_results_t), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
