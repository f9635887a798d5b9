/*
 * UNI host: drop consecutive duplicates of n int64 values. Partition as PrIM
 * UNI: chunk = divceil(n, D) rounded up to NR_TASKLETS*REGS elements (REGS =
 * BLOCK_SIZE/8), the input padded with its last value. Steps: push arguments,
 * push A, launch; inter_dpu: pull DPU_RESULTS, drop DPU i's first output when
 * it equals DPU i-1's last, scan the counts; dpu_cpu: serial dpu_copy_from of
 * each DPU's output.
 *   -i <n>      elements (per DPU with -x 0, total with -x 1; PrIM default 3932160)
 *   -g prim|rand  input: PrIM's A[i] = i (even i) / i+1 (odd i) (default, what
 *               pimsim models), or rand(seed,0,i) % 3 (runs of random length)
 * Output (-o): the unique elements, int64.
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
    uint64_t n_arg = 3932160; /* PrIM UNI default input size */
    int prim_input = 1;
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "i:g:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'i') n_arg = strtoull(optarg, NULL, 0);
        else if (opt == 'g' && (!strcmp(optarg, "prim") || !strcmp(optarg, "rand"))) prim_input = !strcmp(optarg, "prim");
        else { fprintf(stderr, "usage: %s [-n dpus] [-i elements] [-g prim|rand] [-x 0|1] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]); return 1; }
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    const uint64_t n = c.exp == 0 ? n_arg * nr_dpus : n_arg;
    if (n == 0) { fprintf(stderr, "uni: -i must be >= 1\n"); return 1; }
    const uint64_t chunk = round_up(divceil(n, (uint64_t)nr_dpus), (uint64_t)NR_TASKLETS * REGS);
    printf("pimsim.params workload=uni nr_dpus=%u nr_tasklets=%d size=%llu block_size=%u type=int64 chunk=%llu input=%s\n",
           nr_dpus, NR_TASKLETS, (unsigned long long)n, BLOCK_SIZE, (unsigned long long)chunk, prim_input ? "prim" : "rand");

    T *A = pimsim_calloc(nr_dpus * chunk, sizeof(T));
    T *out = pimsim_calloc(nr_dpus * chunk + 1, sizeof(T));
    T *ref = pimsim_calloc(n, sizeof(T));
    for (uint64_t k = 0; k < n; k++)
        A[k] = prim_input ? (T)(k % 2 == 0 ? k : k + 1) : (T)(pimsim_rand(c.seed, 0, k) % 3);
    for (uint64_t k = n; k < nr_dpus * chunk; k++) A[k] = A[n - 1];
    dpu_arguments_t args = {(uint32_t)(chunk * sizeof(T)), 0};
    dpu_results_t *res = pimsim_calloc((size_t)nr_dpus * NR_TASKLETS, sizeof *res);
    uint64_t *pos = pimsim_calloc(nr_dpus, sizeof(uint64_t));

    pimsim_timer_t tm = {0};
    uint64_t nref = 0, total = 0;
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        nref = 0;
        ref[nref++] = A[0];
        for (uint64_t k = 1; k < n; k++)
            if (A[k] != A[k - 1]) ref[nref++] = A[k];
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
            const dpu_results_t *first = &res[(size_t)i * NR_TASKLETS], *last = first + NR_TASKLETS - 1;
            int drop = i > 0 && first->first == res[(size_t)(i - 1) * NR_TASKLETS + NR_TASKLETS - 1].last;
            pos[i] = total - drop; /* a dropped first element overwrites the equal one before it */
            total += last->t_count - drop;
        }
        ptimer_stop(&tm, PH_INTER_DPU);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) {
            uint32_t cnt = res[(size_t)i * NR_TASKLETS + NR_TASKLETS - 1].t_count;
            if (cnt && pos[i] + cnt <= nr_dpus * chunk + 1)
                DPU_ASSERT(dpu_copy_from(dpu, DPU_MRAM_HEAP_POINTER_NAME, (uint32_t)(chunk * sizeof(T)), out + pos[i], cnt * sizeof(T)));
        }
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    printf("pimsim.uni unique=%llu\n", (unsigned long long)total);
    int ok = total == nref && memcmp(out, ref, nref * sizeof(T)) == 0;
    int rc = pimsim_finish(ok, out, (total <= n ? total : n) * sizeof(T), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
