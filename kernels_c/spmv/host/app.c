/*
 * SpMV host (PrIM SpMV/host/app.c): y = A x, float, CSR, contiguous rows per DPU.
 *   -f <file>   the matrix: coordinate Matrix Market (%%MatrixMarket header and % comments
 *               allowed) or PrIM's header-less variant, a `rows cols nonzeros` line then
 *               1-based `row col [value]` lines (PrIM default data/bcsstk30.mtx). Entries
 *               are taken as stored (a symmetric file keeps its stored triangle), an odd
 *               row count gets one padding row, and the CSR keeps each row's entries in
 *               file order (PrIM readCOOMatrix + coo2csr; pimsim inputs.load_matrix_market).
 *   -g ones|rand|file   matrix values and input vector: 1.0f (PrIM, default); uniform
 *               [0,1): value[i] = (r(s,0,i) >> 40) / 2^24, x[j] = (r(s,1,j) >> 40) / 2^24;
 *               or the file's values (1.0 where the file has none) with x = 1.0f.
 * Partition: ROUND_UP_TO_MULTIPLE_OF_2(ceil(rows / D)) rows per DPU. Per DPU, PrIM's MRAM
 * bump allocator (8-B rounded): params (24 B) at 0, row pointers (rows + 1), nonzeros, the
 * whole input vector, the output slice. Serial dpu_copy_to (cpu_dpu) of row pointers,
 * nonzeros and input vector (8-B rounded sizes, straight from the global arrays, as PrIM),
 * then the params (every DPU; zero except dpuNumRows for DPUs past the rows); one launch;
 * serial dpu_copy_from (dpu_cpu) of every non-empty DPU's output slice. The host reference
 * (cpu) sums each row in the DPU's order, so the check is exact (PrIM: 1e-5 relative).
 * Output (-o): y, float32[rows] (rows after padding).
 */
#include <dpu.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pimsim_host.h"

#define DPU_CAPACITY (64u << 20) /* PrIM mram-management.h */

typedef struct {
    uint32_t rows, cols, nnz;
    uint32_t *row_ptrs; /* rows + 1 (+ padding for 8-B rounded copies) */
    struct Nonzero *nz; /* nnz (+ padding) */
    int has_values;
} csr_t;

static int blank_or_comment(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    return *s == 0 || *s == '%';
}

/* Reads a coordinate Matrix Market file (or PrIM's header-less one) into CSR. */
static int read_matrix(const char *path, csr_t *m) {
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "SpMV: cannot open matrix file %s\n", path); return 1; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int have_size = 0;
    unsigned long long rows = 0, cols = 0, nnz = 0, k = 0;
    uint32_t *ri = NULL;
    struct Nonzero *coo = NULL;
    int rc = 1;
    m->has_values = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (!have_size && !strncmp(line, "%%MatrixMarket", 14)) {
            for (char *c = line; *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
            if (!strstr(line, "coordinate") || strstr(line, "complex")) {
                fprintf(stderr, "SpMV: %s: only real/integer/pattern coordinate Matrix Market files are supported\n", path);
                goto out;
            }
            continue;
        }
        if (blank_or_comment(line)) continue;
        if (!have_size) {
            if (sscanf(line, "%llu %llu %llu", &rows, &cols, &nnz) != 3 || rows == 0 || rows >= 0xFFFFFFFEull ||
                cols >= 0xFFFFFFFFull || nnz >= 0xFFFFFFFFull) {
                fprintf(stderr, "SpMV: %s: bad size line '%s' (expected 'rows cols nonzeros')\n", path, line);
                goto out;
            }
            have_size = 1;
            ri = pimsim_calloc(nnz, sizeof *ri);
            coo = pimsim_calloc(nnz, sizeof *coo);
            continue;
        }
        unsigned long long r, c;
        double v;
        int got = sscanf(line, "%llu %llu %lf", &r, &c, &v);
        if (got < 2 || r < 1 || c < 1 || r > rows || c > cols) {
            fprintf(stderr, "SpMV: %s: bad entry '%s' (1-based 'row col [value]' inside %llu x %llu)\n", path, line,
                    rows, cols);
            goto out;
        }
        if (k == nnz) { fprintf(stderr, "SpMV: %s: more than the %llu entries the header announces\n", path, nnz); goto out; }
        ri[k] = (uint32_t)(r - 1);
        coo[k].col = (uint32_t)(c - 1);
        coo[k].value = got == 3 ? (float)v : 1.0f;
        if (got == 3) m->has_values = 1;
        k++;
    }
    if (!have_size || k != nnz) {
        fprintf(stderr, "SpMV: %s: %s\n", path, have_size ? "fewer entries than the header announces" : "no size line");
        goto out;
    }
    rows += rows % 2; /* PrIM: an odd row count gets one padding row */
    m->rows = (uint32_t)rows;
    m->cols = (uint32_t)cols;
    m->nnz = (uint32_t)nnz;
    /* padding: copies are rounded up to 8 B (one extra row pointer, as PrIM's) */
    m->row_ptrs = pimsim_calloc(rows + 3, sizeof(uint32_t));
    m->nz = pimsim_calloc(nnz + 1, sizeof(struct Nonzero));
    /* PrIM coo2csr: histogram, exclusive prefix sum, stable binning */
    for (k = 0; k < nnz; k++) m->row_ptrs[ri[k] + 1]++;
    for (uint64_t r = 0; r < rows; r++) m->row_ptrs[r + 1] += m->row_ptrs[r];
    uint32_t *fill = pimsim_calloc(rows, sizeof *fill);
    for (k = 0; k < nnz; k++) m->nz[m->row_ptrs[ri[k]] + fill[ri[k]]++] = coo[k];
    free(fill);
    rc = 0;
out:
    free(line);
    free(ri);
    free(coo);
    fclose(f);
    return rc;
}

static float unit_float(uint64_t r) { return (float)(r >> 40) * (1.0f / 16777216.0f); }

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    const char *path = "data/bcsstk30.mtx"; /* PrIM default */
    const char *gen = "ones";
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "f:g:v:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'f') path = optarg;
        else if (opt == 'g') gen = optarg;
        else if (opt == 'v') continue; /* PrIM verbosity: accepted, unused */
        else {
            fprintf(stderr, "usage: %s [-n dpus] [-f matrix.mtx] [-g ones|rand|file] [-w W] [-e E] [-s seed] [-o out]\n", argv[0]);
            return 1;
        }
    }
    if (strcmp(gen, "ones") && strcmp(gen, "rand") && strcmp(gen, "file")) {
        fprintf(stderr, "SpMV: -g %s: expected ones (PrIM), rand or file\n", gen);
        return 1;
    }
    csr_t A;
    if (read_matrix(path, &A)) return 1;
    const uint32_t rows = A.rows, cols = A.cols;
    float *x = pimsim_calloc(ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)cols * 4) / 4 + 2, sizeof(float));
    for (uint32_t j = 0; j < cols; j++) x[j] = !strcmp(gen, "rand") ? unit_float(pimsim_rand(c.seed, 1, j)) : 1.0f;
    for (uint32_t k = 0; k < A.nnz; k++)
        if (!strcmp(gen, "rand")) A.nz[k].value = unit_float(pimsim_rand(c.seed, 0, k));
        else if (!strcmp(gen, "ones")) A.nz[k].value = 1.0f;

    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));

    const uint32_t per_dpu = ROUND_UP_TO_MULTIPLE_OF_2((rows - 1) / nr_dpus + 1);
    printf("pimsim.params workload=spmv nr_dpus=%u nr_tasklets=%d size=%u cols=%u nnz=%u rows_per_dpu=%u "
           "type=float values=%s\n", nr_dpus, NR_TASKLETS, rows, cols, A.nnz, per_dpu, gen);

    /* partition and MRAM layout (PrIM's mram_heap_alloc sequence) */
    struct DPUParams *prm = pimsim_calloc(nr_dpus, sizeof *prm);
    uint32_t *start = pimsim_calloc(nr_dpus, sizeof *start);
    for (i = 0; i < nr_dpus; i++) {
        const uint64_t s = (uint64_t)i * per_dpu;
        const uint32_t n = s > rows ? 0 : (uint32_t)(s + per_dpu > rows ? rows - s : per_dpu);
        start[i] = (uint32_t)s;
        prm[i].dpuNumRows = n;
        if (!n) continue;
        const uint32_t off0 = A.row_ptrs[s], nnz = A.row_ptrs[s + n] - off0;
        uint64_t top = ROUND_UP_TO_MULTIPLE_OF_8(sizeof(struct DPUParams));
        prm[i].dpuRowPtrsOffset = off0;
        prm[i].dpuRowPtrs_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)(n + 1) * sizeof(uint32_t));
        prm[i].dpuNonzeros_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)nnz * sizeof(struct Nonzero));
        prm[i].dpuInVector_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)cols * sizeof(float));
        prm[i].dpuOutVector_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)n * sizeof(float));
        if (top > DPU_CAPACITY) {
            fprintf(stderr, "SpMV: DPU %u needs %llu B of MRAM (> %u B); use more DPUs\n", i,
                    (unsigned long long)top, DPU_CAPACITY);
            return 1;
        }
    }

    float *y = pimsim_calloc(rows + 2, sizeof(float)), *ref = pimsim_calloc(rows + 2, sizeof(float));
    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        for (uint32_t r = 0; r < rows; r++) {
            float acc = 0.0f;
            for (uint32_t k = A.row_ptrs[r]; k < A.row_ptrs[r + 1]; k++) acc += A.nz[k].value * x[A.nz[k].col];
            ref[r] = acc;
        }
        ptimer_stop(&tm, PH_CPU);

        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) {
            const uint32_t n = prm[i].dpuNumRows;
            if (n) {
                const uint32_t off0 = prm[i].dpuRowPtrsOffset, nnz = A.row_ptrs[start[i] + n] - off0;
                DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuRowPtrs_m, A.row_ptrs + start[i],
                                       ROUND_UP_TO_MULTIPLE_OF_8((n + 1) * sizeof(uint32_t))));
                if (nnz)
                    DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNonzeros_m, A.nz + off0,
                                           (size_t)nnz * sizeof(struct Nonzero)));
                DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuInVector_m, x,
                                       ROUND_UP_TO_MULTIPLE_OF_8((size_t)cols * sizeof(float))));
            }
            DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, 0, &prm[i], sizeof(struct DPUParams)));
        }
        ptimer_stop(&tm, PH_CPU_DPU);

        ptimer_start(&tm, PH_DPU_KERNEL);
        DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
        ptimer_stop(&tm, PH_DPU_KERNEL);

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) {
            if (prm[i].dpuNumRows)
                DPU_ASSERT(dpu_copy_from(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuOutVector_m, y + start[i],
                                         ROUND_UP_TO_MULTIPLE_OF_8(prm[i].dpuNumRows * sizeof(float))));
        }
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    int ok = !memcmp(y, ref, (size_t)rows * sizeof(float));
    if (!ok)
        for (uint32_t r = 0; r < rows; r++)
            if (memcmp(&y[r], &ref[r], sizeof(float))) {
                fprintf(stderr, "SpMV: row %u: DPU %g, host %g\n", r, y[r], ref[r]);
                break;
            }
    int rc = pimsim_finish(ok, y, (size_t)rows * sizeof(float), c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
