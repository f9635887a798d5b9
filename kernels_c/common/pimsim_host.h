/*
 * Helpers shared by the pimsim host programs (kernels_c/<name>/host/app.c):
 * phase timers, a counter-based PRNG the Python tests can reproduce, the
 * machine-readable report and the optional raw output dump.
 *
 * Report lines on stdout (one record per line, space-separated key=value):
 *   pimsim.params workload=<w> nr_dpus=<d> nr_tasklets=<t> size=<n> ...
 *   pimsim.time_ms cpu_dpu=<ms> dpu_kernel=<ms> inter_dpu=<ms> dpu_cpu=<ms> cpu=<ms> reps=<r>
 *   pimsim.cycles dpu=<i> cycles=<c>        (per DPU, max over tasklets, last rep)
 *   pimsim.result status=OK|FAIL checksum=<fnv1a64 hex of the output bytes> bytes=<n>
 * Times are means over the timed repetitions (-e) after -w warm-ups.
 */
#ifndef PIMSIM_HOST_H
#define PIMSIM_HOST_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dpu.h>

#define divceil(n, m) (((n) + (m) - 1) / (m))
#define round_up(n, m) (divceil((n), (m)) * (m))

/* ---- phase timers ---- */
enum { PH_CPU_DPU, PH_DPU_KERNEL, PH_INTER_DPU, PH_DPU_CPU, PH_CPU, PH_COUNT };
typedef struct {
    double total_ms[PH_COUNT];
    struct timespec t0[PH_COUNT];
    int timing; /* only timed repetitions accumulate */
} pimsim_timer_t;

static inline void ptimer_start(pimsim_timer_t *t, int ph) { clock_gettime(CLOCK_MONOTONIC, &t->t0[ph]); }
static inline void ptimer_stop(pimsim_timer_t *t, int ph) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (t->timing)
        t->total_ms[ph] += (t1.tv_sec - t->t0[ph].tv_sec) * 1e3 + (t1.tv_nsec - t->t0[ph].tv_nsec) * 1e-6;
}

static inline void pimsim_print_times(const pimsim_timer_t *t, int reps) {
    double r = reps > 0 ? reps : 1;
    printf("pimsim.time_ms cpu_dpu=%.6f dpu_kernel=%.6f inter_dpu=%.6f dpu_cpu=%.6f cpu=%.6f reps=%d\n",
           t->total_ms[PH_CPU_DPU] / r, t->total_ms[PH_DPU_KERNEL] / r, t->total_ms[PH_INTER_DPU] / r,
           t->total_ms[PH_DPU_CPU] / r, t->total_ms[PH_CPU] / r, reps);
}

/* ---- PRNG: SplitMix64 finaliser over a counter (Steele, Lea, Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014; constants
 * as in Vigna's splitmix64.c). value(seed, stream, i) is pure, so Python
 * reproduces it with numpy uint64 arithmetic (tests/test_kernels_c.py). ---- */
#define PIMSIM_GOLDEN 0x9E3779B97F4A7C15ull
static inline uint64_t pimsim_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* i-th value of stream `stream` under `seed` */
static inline uint64_t pimsim_rand(uint64_t seed, uint64_t stream, uint64_t i) {
    uint64_t key = pimsim_mix64(seed * PIMSIM_GOLDEN + stream);
    return pimsim_mix64(key + (i + 1) * PIMSIM_GOLDEN);
}

/* ---- output checksum: FNV-1a 64 (Fowler/Noll/Vo; offset basis and prime
 * from the FNV reference) over the output bytes ---- */
static inline uint64_t pimsim_fnv1a64(const void *data, size_t n) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
    return h;
}

/* Prints the result line and writes the raw output to `path` when given. */
static inline int pimsim_finish(int ok, const void *out, size_t nbytes, const char *path) {
    printf("pimsim.result status=%s checksum=%016llx bytes=%zu\n", ok ? "OK" : "FAIL",
           (unsigned long long)pimsim_fnv1a64(out, nbytes), nbytes);
    if (path) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(out, 1, nbytes, f) != nbytes) {
            fprintf(stderr, "cannot write output file %s\n", path);
            return 1;
        }
        fclose(f);
    }
    fflush(stdout);
    return ok ? 0 : 1;
}

/* ---- common command-line options ----
 *   -n <dpus>   number of DPUs (default: NR_DPUS if defined, else 1)
 *   -w <w>      untimed warm-up repetitions (default 1, as PrIM)
 *   -e <e>      timed repetitions (default 3, as PrIM)
 *   -x <0|1>    0: -i is per DPU (weak scaling, PrIM default); 1: -i is total (strong)
 *   -s <seed>   input seed (default 1)
 *   -o <file>   write the raw output bytes to <file>
 * Kernel-specific options are parsed by the kernel (see its usage text). */
#ifndef NR_DPUS
#define NR_DPUS 1
#endif
typedef struct {
    unsigned nr_dpus;
    int n_warmup, n_reps, exp;
    uint64_t seed;
    const char *out_path;
} pimsim_common_t;

static inline pimsim_common_t pimsim_common_defaults(void) {
    pimsim_common_t c = {NR_DPUS, 1, 3, 0, 1, NULL};
    return c;
}

/* Handles a common option; returns 1 if `opt` was one. */
static inline int pimsim_common_opt(pimsim_common_t *c, int opt, const char *arg) {
    switch (opt) {
    case 'n': c->nr_dpus = (unsigned)strtoul(arg, NULL, 0); return 1;
    case 'w': c->n_warmup = atoi(arg); return 1;
    case 'e': c->n_reps = atoi(arg); return 1;
    case 'x': c->exp = atoi(arg); return 1;
    case 's': c->seed = strtoull(arg, NULL, 0); return 1;
    case 'o': c->out_path = arg; return 1;
    }
    return 0;
}
#define PIMSIM_COMMON_OPTS "n:w:e:x:s:o:"

static inline void *pimsim_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) { fprintf(stderr, "out of host memory (%zu x %zu bytes)\n", n, size); exit(1); }
    return p;
}


/* ---- per-DPU cycle counters ---- */
/* Reads DPU_CYCLES of every DPU and prints one pimsim.cycles line per DPU
 * (max over tasklets). Not timed: call it outside the timed phases. */
static inline void pimsim_report_cycles(struct dpu_set_t set, unsigned nr_dpus, unsigned nr_tasklets) {
    struct dpu_set_t dpu;
    unsigned i;
    uint64_t *c = (uint64_t *)pimsim_calloc((size_t)nr_dpus * nr_tasklets, sizeof(uint64_t));
    DPU_FOREACH(set, dpu, i) { DPU_ASSERT(dpu_prepare_xfer(dpu, c + (size_t)i * nr_tasklets)); }
    DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, "DPU_CYCLES", 0, nr_tasklets * sizeof(uint64_t),
                             DPU_XFER_DEFAULT));
    for (i = 0; i < nr_dpus; i++) {
        uint64_t m = 0;
        for (unsigned t = 0; t < nr_tasklets; t++)
            if (c[(size_t)i * nr_tasklets + t] > m) m = c[(size_t)i * nr_tasklets + t];
        printf("pimsim.cycles dpu=%u cycles=%llu\n", i, (unsigned long long)m);
    }
    free(c);
}

/* ---- 1-D partition used by the streaming kernels (VA, RED, HST) ----
 * PrIM's host sizing (VA/host/app.c, support/common.h), n elements of
 * `elem_bytes` each over nr_dpus DPUs:
 *   align8(x) = x if x*elem_bytes is a multiple of 8, else (x/8)*8 + 8 (PrIM roundup)
 *   chunk     = align8(divceil(n, nr_dpus)): elements pushed to every DPU (parallel
 *               push needs equal sizes; the host pads the input to nr_dpus*chunk)
 *   count_i   = clamp(n - i*chunk, 0, chunk): elements DPU i really owns (RED, HST)
 * VA gives DPU i < D-1 `chunk` elements and the last DPU align8(n) - (D-1)*chunk,
 * which can exceed chunk (PrIM reads a few elements past its A slot; they land in
 * B elements that are not retrieved); DPUs past the data get 0 where PrIM would
 * compute a negative size (pimsim_va_count). */
static inline uint64_t pimsim_align8(uint64_t x, unsigned elem_bytes) {
    return (x * elem_bytes) % 8 ? (x / 8) * 8 + 8 : x;
}
static inline uint64_t pimsim_chunk(uint64_t n, unsigned nr_dpus, unsigned elem_bytes) {
    return pimsim_align8(divceil(n, (uint64_t)nr_dpus), elem_bytes);
}
static inline uint64_t pimsim_count(uint64_t n, uint64_t chunk, unsigned i) {
    uint64_t start = (uint64_t)i * chunk;
    return start >= n ? 0 : (n - start < chunk ? n - start : chunk);
}
static inline uint64_t pimsim_va_count(uint64_t n, uint64_t chunk, unsigned nr_dpus, unsigned i,
                                       unsigned elem_bytes) {
    uint64_t total8 = pimsim_align8(n, elem_bytes), start = (uint64_t)i * chunk;
    if (start >= total8) return 0;
    if (i + 1 == nr_dpus) return total8 - start;
    return total8 - start < chunk ? total8 - start : chunk;
}

#endif
