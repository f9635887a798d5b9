/*
 * NW host (PrIM NW/host/app.c, DYNAMIC): Needleman-Wunsch scores of two length-n
 * sequences, computed as NW_BL x NW_BL blocks along block anti-diagonals.
 *   -i <n>  sequence length (PrIM -n, default 256), a multiple of NW_BL
 *   -p <p>  gap penalty (PrIM -p, default 1)
 * The (n+1) x (n+1) score matrix is kept with row stride n+2, as PrIM. nb = n/BL;
 * for each block anti-diagonal (top-left blk = 1..nb, then bottom-right blk = 2..nb:
 * 2nb-1 launches) with k blocks, min(k, D) DPUs take contiguous runs of the blocks
 * (the first k % d one more). PrIM re-allocates the DPU set to min(k, D) DPUs
 * (untimed); here all D stay allocated and the others get nblocks = 0 and no
 * transfers (the shim skips DPUs without a prepared buffer), as the Python workload.
 * Per diagonal: push the arguments; itemsets row by row, per block slot BL+1
 * push_xfers: the top row ((BL+2) x 4 B) then BL left pairs (8 B), DPUs without that
 * slot get a dummy buffer (PrIM's timer 1 "Inter-DPU" when nb > 1, else its timer 2
 * "CPU-DPU"); reference: per slot BL push_xfers of BL x 4 B (cpu_dpu); launch;
 * retrieve rows 1..BL of every slot, (BL+2) x 4 B each (dpu_cpu). Verified against
 * the full dynamic programme on the host.
 * Reference scores: r(seed,0,i*n+j) % 16 - 4, BLOSUM62's range (PrIM means
 * blosum62[seq1[i]][seq2[j]] but indexes a zeroed array, so its reference is all 4).
 * Output (-o): the score matrix, (n+1) x (n+1) int32.
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

#define W (NW_BL + 2)

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    uint32_t n = 256, penalty = 1;
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "i:p:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'i') n = (uint32_t)strtoul(optarg, NULL, 0);
        else if (opt == 'p') penalty = (uint32_t)strtoul(optarg, NULL, 0);
        else { fprintf(stderr, "usage: %s [-n dpus] [-i n] [-p penalty] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]); return 1; }
    }
    if (n == 0 || n % NW_BL) {
        fprintf(stderr, "NW: the sequence length (-i %u) must be a positive multiple of NW_BL = %d\n", n, NW_BL);
        return 1;
    }
    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));
    const uint32_t nb = n / NW_BL, stride = n + 2;
    const uint32_t slot_bytes = (NW_BL + 1) * W * 4, ref_slot_bytes = NW_BL * NW_BL * 4;
    printf("pimsim.params workload=nw nr_dpus=%u nr_tasklets=%d size=%u bl=%d bl_in=%d penalty=%u type=int32\n",
           nr_dpus, NR_TASKLETS, n, NW_BL, NW_BL_IN, penalty);

    int32_t *ref = pimsim_calloc((size_t)n * n, sizeof(int32_t));
    for (uint64_t k = 0; k < (uint64_t)n * n; k++) ref[k] = (int32_t)(pimsim_rand(c.seed, 0, k) % 16) - 4;
    int32_t *items = pimsim_calloc((size_t)stride * stride, sizeof(int32_t));
    int32_t *host = pimsim_calloc((size_t)(n + 1) * (n + 1), sizeof(int32_t));
    int32_t *out = pimsim_calloc((size_t)(n + 1) * (n + 1), sizeof(int32_t));
    int32_t *dummy = pimsim_calloc((size_t)nr_dpus * W, sizeof(int32_t));
    dpu_arguments_t *args = pimsim_calloc(nr_dpus, sizeof *args);
    int32_t **ptr = pimsim_calloc(nr_dpus, sizeof *ptr);

    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        memset(items, 0, (size_t)stride * stride * sizeof(int32_t));
        for (uint32_t k = 1; k <= n; k++) items[(size_t)k * stride] = items[k] = -(int32_t)(k * penalty);

        ptimer_start(&tm, PH_CPU); /* the whole matrix on the host */
        for (uint32_t k = 0; k <= n; k++) host[k] = host[(size_t)k * (n + 1)] = -(int32_t)(k * penalty);
        for (uint32_t r = 1; r <= n; r++)
            for (uint32_t q = 1; q <= n; q++)
                host[(size_t)r * (n + 1) + q] = maximum(host[(size_t)(r - 1) * (n + 1) + q - 1] + ref[(size_t)(r - 1) * n + q - 1],
                                                        host[(size_t)r * (n + 1) + q - 1] - (int32_t)penalty,
                                                        host[(size_t)(r - 1) * (n + 1) + q] - (int32_t)penalty);
        ptimer_stop(&tm, PH_CPU);

        for (uint32_t diag = 0; diag < 2 * nb - 1; diag++) {
            /* blocks (row by, column bx) of this diagonal: index x -> bx = first_x + x */
            const uint32_t k = diag < nb ? diag + 1 : 2 * nb - 1 - diag;
            const uint32_t first_x = diag < nb ? 0 : diag - nb + 1;
            const uint32_t d = k < nr_dpus ? k : nr_dpus;
            const uint32_t chunks = k / d, rest = k % d, active = chunks + (rest != 0);
            for (i = 0; i < nr_dpus; i++)
                args[i] = (dpu_arguments_t){i < d ? chunks + (i < rest) : 0, i < d ? active : 0, penalty, 0};
            DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, &args[i])); }
            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, "DPU_INPUT_ARGUMENTS", 0, sizeof args[0], DPU_XFER_DEFAULT));

            /* block slot `s` of DPU `i`: its (row, column) or none */
#define BLOCK_OF(i, s, by, bx) ({                                                              \
        uint32_t _prev = (i) < rest ? (i) * (chunks + 1) : rest * (chunks + 1) + ((i) - rest) * chunks; \
        int _ok = (s) < args[i].nblocks;                                                       \
        (bx) = first_x + _prev + (s); (by) = diag - (bx); _ok; })
            for (int pass = 0; pass < 3; pass++) { /* itemsets, reference, retrieval */
                int ph = pass == 0 ? (nb > 1 ? PH_INTER_DPU : PH_CPU_DPU) : pass == 1 ? PH_CPU_DPU : -1;
                if (pass == 2) {
                    ptimer_start(&tm, PH_DPU_KERNEL);
                    DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
                    ptimer_stop(&tm, PH_DPU_KERNEL);
                    ph = PH_DPU_CPU;
                }
                ptimer_start(&tm, ph);
                const uint32_t rows = pass == 1 ? NW_BL : NW_BL + 1;
                for (uint32_t s = 0; s < active; s++)
                    for (uint32_t r = pass == 2 ? 1 : 0; r < rows; r++) {
                        uint32_t by, bx;
                        for (i = 0; i < d; i++) {
                            if (!BLOCK_OF(i, s, by, bx)) ptr[i] = dummy;
                            else if (pass == 1) ptr[i] = ref + (size_t)(by * NW_BL + r) * n + bx * NW_BL;
                            else ptr[i] = items + (size_t)(by * NW_BL + r) * stride + bx * NW_BL;
                        }
                        DPU_FOREACH(set, dpu, i) {
                            if (i < d) DPU_ASSERT(dpu_prepare_xfer(dpu, ptr[i]));
                        }
                        if (pass == 0)
                            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME, s * slot_bytes + r * W * 4,
                                                     r == 0 ? W * 4 : 8, DPU_XFER_DEFAULT));
                        else if (pass == 1)
                            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, DPU_MRAM_HEAP_POINTER_NAME,
                                                     active * slot_bytes + s * ref_slot_bytes + r * NW_BL * 4, NW_BL * 4,
                                                     DPU_XFER_DEFAULT));
                        else
                            DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, DPU_MRAM_HEAP_POINTER_NAME, s * slot_bytes + r * W * 4,
                                                     W * 4, DPU_XFER_DEFAULT));
                    }
                ptimer_stop(&tm, ph);
            }
        }
    }
    for (uint32_t r = 0; r <= n; r++) memcpy(out + (size_t)r * (n + 1), items + (size_t)r * stride, (n + 1) * sizeof(int32_t));
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    size_t bytes = (size_t)(n + 1) * (n + 1) * sizeof(int32_t);
    int rc = pimsim_finish(memcmp(out, host, bytes) == 0, out, bytes, c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
