/*
 * TS host (PrIM TS/host/app.c): the best match (STREAMP matrix profile) of one
 * query in a time series, int32.
 *   -i <n>  series length (PrIM -n; default 65536; total with -x 1, per DPU with -x 0)
 *   -m <m>  query length (PrIM -m, default 256), a multiple of DOTPIP
 * ts_size = n rounded up to a multiple of D x NR_TASKLETS x m (PrIM); series and
 * query are i % 127 (PrIM create_test_file); the host precomputes each
 * subsequence's mean and sigma as PrIM's compute_ts_statistics (whose sigma is the
 * root mean square: it subtracts AMean before AMean is filled), the query's mean
 * and standard deviation in double, truncated to int32. Steps: arguments with a
 * serial dpu_copy_to per DPU; query to every DPU; each DPU's slice + m of series,
 * means and sigmas (3 push_xfers); launch; pull every tasklet's result
 * (push_xfer) and keep the smallest positive minimum (PrIM). Verified as PrIM:
 * equal to the host STREAMP over ts_size - m - 1 positions.
 * Output (-o): DPU_RESULTS of every DPU, D x NR_TASKLETS x {minValue, minIndex,
 * maxValue, maxIndex} (int32, uint32, int32, uint32; minIndex local to the DPU).
 */
#include <dpu.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

/* PrIM's host STREAMP over `profile` start positions; returns the minimum distance */
static T host_streamp(const T *ts, const T *mean, const T *sigma, uint64_t profile, const T *q, uint32_t m,
                      T qmean, T qstd) {
    T best = T_MAX;
    for (uint64_t s = 0; s < profile; s++) {
        T dot = 0;
        for (uint32_t j = 0; j < m; j++) dot += ts[s + j] * q[j];
        T den = sigma[s] * qstd;
        T num = (T)((uint32_t)dot - (uint32_t)((T)m * mean[s] * qmean));
        T d = 2 * ((T)m - (den == 0 ? -1 : num / den)); /* sigma is > 0 inside the profile */
        if (d < best) best = d;
    }
    return best;
}

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint64_t n = 65536;
    uint32_t m = 256; /* PrIM TS params.h defaults */
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "i:m:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'i') n = strtoull(optarg, NULL, 0);
        else if (opt == 'm') m = (uint32_t)strtoul(optarg, NULL, 0);
        else { fprintf(stderr, "usage: %s [-n dpus] [-i series] [-m query] [-x 0|1] [-w W] [-e E] [-o out]\n", argv[0]); return 1; }
    }
    if (m == 0 || m % DOTPIP) {
        fprintf(stderr, "TS: the query length (-m %u) must be a positive multiple of %u\n", m, (unsigned)DOTPIP);
        return 1;
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    uint64_t ts_size = c.exp == 0 ? n * nr_dpus : n;
    const uint64_t unit = (uint64_t)nr_dpus * NR_TASKLETS * m;
    if (ts_size % unit) ts_size += unit - ts_size % unit;
    const uint32_t slice = (uint32_t)(ts_size / nr_dpus);
    printf("pimsim.params workload=ts nr_dpus=%u nr_tasklets=%d size=%llu m=%u block_size=%u type=int32 slice=%u\n",
           nr_dpus, NR_TASKLETS, (unsigned long long)ts_size, m, TS_BLOCK_SIZE, slice);

    /* the last DPU's slice + m runs past the series: zeros there (PrIM's static arrays) */
    const uint64_t total = ts_size + m;
    T *ts = pimsim_calloc(total, sizeof(T)), *mean = pimsim_calloc(total, sizeof(T));
    T *sigma = pimsim_calloc(total, sizeof(T)), *q = pimsim_calloc(m, sizeof(T));
    for (uint64_t k = 0; k < ts_size; k++) ts[k] = (T)(k % MAX_DATA_VAL);
    for (uint32_t k = 0; k < m; k++) q[k] = (T)(k % MAX_DATA_VAL);

    /* PrIM compute_ts_statistics(ts_size, ts_size - m, m) */
    const uint64_t profile = ts_size - m;
    double *cs = pimsim_calloc(ts_size + 1, sizeof(double)), *cs2 = pimsim_calloc(ts_size + 1, sizeof(double));
    for (uint64_t k = 0; k < ts_size; k++) {
        cs[k + 1] = cs[k] + ts[k];
        cs2[k + 1] = cs2[k] + (double)ts[k] * ts[k];
    }
    for (uint64_t k = 0; k < profile; k++) {
        double sum = cs[k + m] - cs[k], sq = cs2[k + m] - cs2[k];
        mean[k] = (T)(sum / m);
        sigma[k] = (T)sqrt(sq / m); /* PrIM subtracts AMean[k]^2 while AMean is still 0 */
    }
    free(cs);
    free(cs2);
    double qm = 0, qv = 0;
    for (uint32_t k = 0; k < m; k++) qm += q[k];
    qm /= m;
    for (uint32_t k = 0; k < m; k++) qv += (q[k] - qm) * (q[k] - qm);
    qv /= m;
    const T qmean = (T)qm, qstd = (T)sqrt(qv);

    dpu_arguments_t args = {(uint32_t)ts_size, m, qmean, qstd, slice, 0, 0};
    dpu_result_t *res = pimsim_calloc((size_t)nr_dpus * NR_TASKLETS, sizeof(dpu_result_t));
    T best = T_MAX, host_best = T_MAX;
    uint64_t best_idx = 0;
    const size_t part = ((size_t)slice + m) * sizeof(T);

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_copy_to(dpu, "DPU_INPUT_ARGUMENTS", 0, &args, sizeof args)); }
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, q)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, m * sizeof(T), DPU_XFER_DEFAULT));
        const T *arrays[3] = {ts, mean, sigma};
        for (int a = 0; a < 3; a++) {
            DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, (void *)(arrays[a] + (size_t)slice * i))); }
            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME,
                                     (uint32_t)(m * sizeof(T) + a * part), part, DPU_XFER_DEFAULT));
        }
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, res + (size_t)i * NR_TASKLETS)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, "DPU_RESULTS", 0, NR_TASKLETS * sizeof(dpu_result_t),
                                 DPU_XFER_DEFAULT));
        best = T_MAX;
        best_idx = 0;
        for (i = 0; i < nr_dpus; i++)
            for (unsigned t = 0; t < NR_TASKLETS; t++) {
                const dpu_result_t *r = &res[(size_t)i * NR_TASKLETS + t];
                if (r->minValue < best && r->minValue > 0) {
                    best = r->minValue;
                    best_idx = r->minIndex + (uint64_t)i * slice;
                }
            }
        ptimer_stop(&tm, PH_DPU_CPU);

        ptimer_start(&tm, PH_CPU);
        host_best = host_streamp(ts, mean, sigma, ts_size - m - 1, q, m, qmean, qstd);
        ptimer_stop(&tm, PH_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    printf("pimsim.ts min_value=%d min_index=%llu host_min=%d query_mean=%d query_std=%d\n", best,
           (unsigned long long)best_idx, host_best, qmean, qstd);
    int rc = pimsim_finish(best == host_best, res, (size_t)nr_dpus * NR_TASKLETS * sizeof(dpu_result_t), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
