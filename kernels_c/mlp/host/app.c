/*
 * MLP host (PrIM MLP/host/app.c): three fully connected int32 layers, one DPU launch
 * each, activations through the host.
 *   -m <rows>  rows of every weight matrix (PrIM -m, default 8192)
 *   -k <cols>  columns (PrIM -n, default 1024); layers 1 and 2 read the previous
 *              layer's first n outputs, so n <= m
 *   -g prim|rand  inputs: PrIM's init_data (default; weight i of layer l = (l+i) % 2
 *              when i % 100 >= 98, else 0; input j = j % 2 when j % 50 >= 48, else 0),
 *              or weights and input rand(seed, 1+l / 0, i) % 2
 * Rows split over DPUs as GEMV (m/D each, the first m%D one more, padded to even,
 * max_rows the largest). CPU-DPU: push the arguments, the layer-0 weights
 * (max_rows x n_pad per DPU from its first row) and the input vector; DPU kernel:
 * launch. Inter-DPU, before layers 1 and 2: pull C (max_rows x 4 B per DPU), gather
 * the valid rows on the host, push the first n_pad of them to every DPU, push the
 * next layer's weights; then launch. DPU-CPU: pull C. Verified against PrIM's
 * mlp_host (ReLU after each layer; the DPUs apply none, equal for inputs >= 0).
 * Output (-o): the last layer's C, m int32.
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
    uint32_t m = 8192, n = 1024; /* PrIM MLP defaults (-m, -n) */
    int rand_inputs = 0;
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "m:k:g:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'm') m = (uint32_t)strtoul(optarg, NULL, 0);
        else if (opt == 'k') n = (uint32_t)strtoul(optarg, NULL, 0);
        else if (opt == 'g') rand_inputs = strcmp(optarg, "rand") == 0;
        else { fprintf(stderr, "usage: %s [-n dpus] [-m rows] [-k cols] [-g prim|rand] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]); return 1; }
    }
    if (n == 0 || n > m) {
        fprintf(stderr, "MLP: need 1 <= n <= m (got m=%u n=%u): layers 1 and 2 read the previous layer's first n outputs\n", m, n);
        return 1;
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
    printf("pimsim.params workload=mlp nr_dpus=%u nr_tasklets=%d size=%u m=%u n=%u block_size=%u type=int32 max_rows=%u layers=%d\n",
           nr_dpus, NR_TASKLETS, m, m, n, BLOCK_SIZE, max_rows, NUM_LAYERS);

    /* weights packed (m x n) as PrIM; each DPU reads max_rows x n_pad from its first row */
    const size_t a_len = (size_t)m * n + (size_t)max_rows * n_pad;
    T *A[NUM_LAYERS];
    for (int l = 0; l < NUM_LAYERS; l++) {
        A[l] = pimsim_calloc(a_len, sizeof(T));
        for (uint64_t k = 0; k < (uint64_t)m * n; k++)
            A[l][k] = rand_inputs ? (T)(pimsim_rand(c.seed, 1 + l, k) % 2) : (k % 100 < 98 ? 0 : (T)((l + k) % 2));
    }
    T *B = pimsim_calloc(n_pad, sizeof(T));
    for (uint32_t j = 0; j < n; j++) B[j] = rand_inputs ? (T)(pimsim_rand(c.seed, 0, j) % 2) : (j % 50 < 48 ? 0 : (T)(j % 2));
    T *Cd = pimsim_calloc((size_t)nr_dpus * max_rows, sizeof(T));
    T *Bt = pimsim_calloc((size_t)nr_dpus * max_rows + n_pad, sizeof(T));
    T *C = pimsim_calloc(m, sizeof(T)), *ref = pimsim_calloc(m, sizeof(T)), *x = pimsim_calloc(m, sizeof(T));
    const uint32_t b_off = max_rows * n_pad * sizeof(T), c_off = b_off + n_pad * sizeof(T);

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU); /* PrIM's mlp_host, ReLU after every layer */
        memcpy(x, B, n * sizeof(T));
        for (int l = 0; l < NUM_LAYERS; l++) {
            for (uint32_t r = 0; r < m; r++) {
                T acc = 0;
                for (uint32_t j = 0; j < n; j++) acc += A[l][(size_t)r * n + j] * x[j];
                ref[r] = acc > 0 ? acc : 0;
            }
            memcpy(x, ref, n * sizeof(T));
        }
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A[0] + (size_t)first_row[i] * n)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, b_off, DPU_XFER_DEFAULT));
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, B)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, b_off, n_pad * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        for (int l = 1; l < NUM_LAYERS; l++) {
            ptimer_start(&tm, PH_INTER_DPU);
            DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, Cd + (size_t)i * max_rows)); }
            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, c_off, max_rows * sizeof(T), DPU_XFER_DEFAULT));
            size_t k = 0;
            for (i = 0; i < nr_dpus; i++)
                for (uint32_t r = 0; r < args[i].nr_rows; r++) Bt[k++] = Cd[(size_t)i * max_rows + r];
            DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, Bt)); }
            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, b_off, n_pad * sizeof(T), DPU_XFER_DEFAULT));
            DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, A[l] + (size_t)first_row[i] * n)); }
            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, 0, b_off, DPU_XFER_DEFAULT));
            ptimer_stop(&tm, PH_INTER_DPU);

            ptimer_start(&tm, PH_DPU_KERNEL);
            DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
            ptimer_stop(&tm, PH_DPU_KERNEL);
        }

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, Cd + (size_t)i * max_rows)); }
        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, c_off, max_rows * sizeof(T), DPU_XFER_DEFAULT));
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    for (i = 0; i < nr_dpus; i++) memcpy(C + first_row[i], Cd + (size_t)i * max_rows, args[i].nr_rows * sizeof(T));
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    int rc = pimsim_finish(memcmp(C, ref, m * sizeof(T)) == 0, C, m * sizeof(T), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
