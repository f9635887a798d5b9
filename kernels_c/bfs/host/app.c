/*
 * BFS host (PrIM BFS/host/app.c): levels of a BFS from node 0, one DPU launch per level.
 *   -f <file>   the graph: PrIM's format (a `nodes cols edges` line, then 0-based `src dst`
 *               lines, each direction listed) or a SNAP edge list (no such line; node count
 *               = largest id + 1); '#' and '%' lines are comments, columns past the second
 *               are ignored. Edges are taken as stored (directed), the node count is padded
 *               to a multiple of 64 and the CSR keeps each node's edges in file order (PrIM
 *               readCOOGraph + coo2csr; pimsim inputs.load_edge_list). PrIM default
 *               data/loc-gowalla_edges.txt.
 * Partition: ROUND_UP_TO_MULTIPLE_OF_64(ceil(numNodes / D)) contiguous nodes per DPU. Per DPU,
 * PrIM's MRAM bump allocator (8-B rounded): params (48 B) at 0, node pointers (nodes + 1),
 * neighbour ids, node levels, visited (numNodes / 8 B), current frontier (nodes / 8 B), next
 * frontier (numNodes / 8 B). cpu_dpu: serial dpu_copy_to of node pointers, neighbours, levels
 * (0), visited (0) and next frontier (node 0 set), then the params (every DPU; zero but
 * dpuNumNodes past the nodes). Per level: launch (dpu_kernel); then, timed as inter_dpu as
 * PrIM's "Inter-DPU": serial dpu_copy_from of every non-empty DPU's next frontier, OR-merged,
 * an emptiness scan, and if not empty a serial dpu_copy_to of the merged frontier (into the
 * next-frontier slot) and of the params with level + 1. dpu_cpu: serial dpu_copy_from of the
 * node levels. Checked against PrIM's host BFS (level 1 for node 0, 0 for unreachable nodes).
 * Output (-o): node levels, uint32[numNodes] (after padding).
 * Extra record: pimsim.bfs levels=<launches of the last repetition>.
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
    uint32_t nodes, edges;
    uint32_t *ptrs; /* nodes + 1 (+ padding: copies are rounded up to 8 B) */
    uint32_t *nbrs; /* edges (+ padding) */
} graph_t;

static int skip_line(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    return *s == 0 || *s == '#' || *s == '%';
}

static int read_graph(const char *path, graph_t *g) {
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "BFS: cannot open graph file %s\n", path); return 1; }
    char *line = NULL;
    size_t cap = 0, n = 0, cap_e = 1024;
    int first = 1, header = 0, rc = 1;
    unsigned long long hn = 0, hc = 0, he = 0, max_id = 0;
    uint32_t *src = pimsim_calloc(cap_e, sizeof *src), *dst = pimsim_calloc(cap_e, sizeof *dst);
    while (getline(&line, &cap, f) >= 0) {
        if (skip_line(line)) continue;
        unsigned long long a, b, x;
        char extra;
        if (first) {
            first = 0;
            /* exactly three integers: PrIM's `nodes cols edges` line */
            if (sscanf(line, "%llu %llu %llu %c", &a, &b, &x, &extra) == 3) {
                header = 1;
                hn = a, hc = b, he = x;
                continue;
            }
        }
        if (sscanf(line, "%llu %llu", &a, &b) != 2 || a >= 0xFFFFFFC0ull || b >= 0xFFFFFFC0ull) {
            fprintf(stderr, "BFS: %s: bad edge line '%s' (expected 0-based 'src dst')\n", path, line);
            goto out;
        }
        if (n == cap_e) {
            cap_e *= 2;
            src = realloc(src, cap_e * sizeof *src);
            dst = realloc(dst, cap_e * sizeof *dst);
            if (!src || !dst) { fprintf(stderr, "BFS: out of host memory\n"); exit(1); }
        }
        src[n] = (uint32_t)a, dst[n] = (uint32_t)b;
        if (a > max_id) max_id = a;
        if (b > max_id) max_id = b;
        n++;
    }
    unsigned long long nodes;
    if (header) {
        if (n != he) { fprintf(stderr, "BFS: %s: header says %llu edges, file has %zu\n", path, he, n); goto out; }
        nodes = hn > hc ? hn : hc;
        if (n && max_id >= nodes) {
            fprintf(stderr, "BFS: %s: node id %llu >= the header's %llu nodes (ids are 0-based)\n", path, max_id, nodes);
            goto out;
        }
    } else {
        nodes = n ? max_id + 1 : 1;
    }
    nodes = ROUND_UP_TO_MULTIPLE_OF_64(nodes); /* PrIM pads to a multiple of 64 nodes */
    if (nodes == 0 || nodes >= 0xFFFFFFC0ull || n >= 0xFFFFFFFFull) { fprintf(stderr, "BFS: %s: graph too large\n", path); goto out; }
    g->nodes = (uint32_t)nodes;
    g->edges = (uint32_t)n;
    g->ptrs = pimsim_calloc(nodes + 3, sizeof(uint32_t));
    g->nbrs = pimsim_calloc(n + 2, sizeof(uint32_t));
    /* PrIM coo2csr: histogram, exclusive prefix sum, stable binning */
    for (size_t k = 0; k < n; k++) g->ptrs[src[k] + 1]++;
    for (uint64_t v = 0; v < nodes; v++) g->ptrs[v + 1] += g->ptrs[v];
    uint32_t *fill = pimsim_calloc(nodes, sizeof *fill);
    for (size_t k = 0; k < n; k++) g->nbrs[g->ptrs[src[k]] + fill[src[k]]++] = dst[k];
    free(fill);
    rc = 0;
out:
    free(line);
    free(src);
    free(dst);
    fclose(f);
    return rc;
}

/* PrIM's host BFS (level-synchronous over bit vectors, 64-bit bit operations). */
static uint32_t host_bfs(const graph_t *g, uint32_t *level) {
    const uint32_t words = g->nodes / 64;
    uint64_t *visited = pimsim_calloc(words, 8), *cur = pimsim_calloc(words, 8), *next = pimsim_calloc(words, 8);
    memset(level, 0, (size_t)g->nodes * sizeof *level);
    setBit(next[0], 0);
    uint32_t lv = 1;
    for (int empty = 0; !empty; lv++) {
        for (uint32_t w = 0; w < words; w++) {
            cur[w] = next[w];
            if (next[w]) {
                visited[w] |= next[w];
                for (uint32_t b = 0; b < 64; b++)
                    if (isSet(next[w], b)) level[w * 64 + b] = lv;
                next[w] = 0;
            }
        }
        empty = 1;
        for (uint32_t w = 0; w < words; w++)
            for (uint32_t b = 0; cur[w] && b < 64; b++)
                if (isSet(cur[w], b))
                    for (uint32_t i = g->ptrs[w * 64 + b]; i < g->ptrs[w * 64 + b + 1]; i++) {
                        const uint32_t v = g->nbrs[i];
                        if (!isSet(visited[v / 64], v % 64)) { setBit(next[v / 64], v % 64); empty = 0; }
                    }
    }
    free(visited), free(cur), free(next);
    return lv - 1; /* levels = launches the DPUs need */
}

int main(int argc, char **argv) {
    pimsim_common_t c = pimsim_common_defaults();
    const char *path = "data/loc-gowalla_edges.txt"; /* PrIM default */
    int opt;
    while ((opt = getopt(argc, argv, PIMSIM_COMMON_OPTS "f:v:")) >= 0) {
        if (pimsim_common_opt(&c, opt, optarg)) continue;
        if (opt == 'f') path = optarg;
        else if (opt == 'v') continue; /* PrIM verbosity: accepted, unused */
        else {
            fprintf(stderr, "usage: %s [-n dpus] [-f edges.txt] [-w W] [-e E] [-o out]\n", argv[0]);
            return 1;
        }
    }
    graph_t g;
    if (read_graph(path, &g)) return 1;
    const uint32_t N = g.nodes, words = N / 64;

    struct dpu_set_t set, dpu;
    unsigned nr_dpus, i;
    DPU_ASSERT(dpu_alloc(c.nr_dpus, NULL, &set));
    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));
    DPU_ASSERT(dpu_get_nr_dpus(set, &nr_dpus));
    const uint32_t per_dpu = ROUND_UP_TO_MULTIPLE_OF_64((N - 1) / nr_dpus + 1);
    printf("pimsim.params workload=bfs nr_dpus=%u nr_tasklets=%d size=%u edges=%u nodes_per_dpu=%u\n", nr_dpus,
           NR_TASKLETS, N, g.edges, per_dpu);

    /* partition and MRAM layout (PrIM's mram_heap_alloc sequence) */
    struct DPUParams *prm = pimsim_calloc(nr_dpus, sizeof *prm);
    for (i = 0; i < nr_dpus; i++) {
        const uint64_t s = (uint64_t)i * per_dpu;
        const uint32_t n = s > N ? 0 : (uint32_t)(s + per_dpu > N ? N - s : per_dpu);
        prm[i].dpuNumNodes = n;
        if (!n) continue;
        const uint32_t off0 = g.ptrs[s], ne = g.ptrs[s + n] - off0;
        uint64_t top = BFS_PARAMS_BYTES;
        prm[i].numNodes = N;
        prm[i].dpuStartNodeIdx = (uint32_t)s;
        prm[i].dpuNodePtrsOffset = off0;
        prm[i].dpuNodePtrs_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)(n + 1) * 4);
        prm[i].dpuNeighborIdxs_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)ne * 4);
        prm[i].dpuNodeLevel_m = (uint32_t)top;
        top += ROUND_UP_TO_MULTIPLE_OF_8((uint64_t)n * 4);
        prm[i].dpuVisited_m = (uint32_t)top;
        top += (uint64_t)words * 8;
        prm[i].dpuCurrentFrontier_m = (uint32_t)top;
        top += (uint64_t)n / 64 * 8;
        prm[i].dpuNextFrontier_m = (uint32_t)top;
        top += (uint64_t)words * 8;
        if (top > DPU_CAPACITY) {
            fprintf(stderr, "BFS: DPU %u needs %llu B of MRAM (> %u B); use more DPUs\n", i, (unsigned long long)top,
                    DPU_CAPACITY);
            return 1;
        }
    }

    uint32_t *level = pimsim_calloc(N + 2, sizeof *level), *ref = pimsim_calloc(N, sizeof *ref);
    uint64_t *cur = pimsim_calloc(words, 8), *next = pimsim_calloc(words, 8), *visited = pimsim_calloc(words, 8);
    uint32_t levels = 0, ref_levels = 0;
    pimsim_timer_t tm = {0};
    for (int rep = 0; rep < c.n_warmup + c.n_reps; rep++) {
        tm.timing = rep >= c.n_warmup;
        ptimer_start(&tm, PH_CPU);
        ref_levels = host_bfs(&g, ref);
        ptimer_stop(&tm, PH_CPU);

        memset(level, 0, (size_t)N * sizeof *level);
        memset(next, 0, (size_t)words * 8);
        memset(visited, 0, (size_t)words * 8);
        setBit(next[0], 0);
        uint32_t lv = 1;
        ptimer_start(&tm, PH_CPU_DPU);
        DPU_FOREACH(set, dpu, i) {
            const uint32_t n = prm[i].dpuNumNodes;
            if (n) {
                const uint32_t s = prm[i].dpuStartNodeIdx, off0 = prm[i].dpuNodePtrsOffset;
                const uint32_t ne = g.ptrs[s + n] - off0;
                DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNodePtrs_m, g.ptrs + s,
                                       ROUND_UP_TO_MULTIPLE_OF_8((n + 1) * 4)));
                if (ne)
                    DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNeighborIdxs_m, g.nbrs + off0,
                                           ROUND_UP_TO_MULTIPLE_OF_8((size_t)ne * 4)));
                DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNodeLevel_m, level + s,
                                       ROUND_UP_TO_MULTIPLE_OF_8((size_t)n * 4)));
                DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuVisited_m, visited, (size_t)words * 8));
                DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNextFrontier_m, next, (size_t)words * 8));
                /* the current frontier is written by the DPU before it is read: not copied (PrIM) */
                prm[i].level = lv;
            }
            DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, 0, &prm[i], BFS_PARAMS_BYTES));
        }
        ptimer_stop(&tm, PH_CPU_DPU);

        for (int empty = 0; !empty;) {
            ptimer_start(&tm, PH_DPU_KERNEL);
            DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));
            ptimer_stop(&tm, PH_DPU_KERNEL);

            ptimer_start(&tm, PH_INTER_DPU);
            int first = 1;
            DPU_FOREACH(set, dpu, i) {
                if (!prm[i].dpuNumNodes) continue;
                DPU_ASSERT(dpu_copy_from(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNextFrontier_m, first ? cur : next,
                                         (size_t)words * 8));
                if (!first)
                    for (uint32_t w = 0; w < words; w++) cur[w] |= next[w];
                first = 0;
            }
            empty = 1;
            for (uint32_t w = 0; w < words; w++)
                if (cur[w]) { empty = 0; break; }
            if (!empty) {
                lv++;
                DPU_FOREACH(set, dpu, i) {
                    if (!prm[i].dpuNumNodes) continue;
                    DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNextFrontier_m, cur,
                                           (size_t)words * 8));
                    prm[i].level = lv;
                    DPU_ASSERT(dpu_copy_to(dpu, DPU_MRAM_HEAP_POINTER_NAME, 0, &prm[i], BFS_PARAMS_BYTES));
                }
            }
            ptimer_stop(&tm, PH_INTER_DPU);
        }
        levels = lv;

        ptimer_start(&tm, PH_DPU_CPU);
        DPU_FOREACH(set, dpu, i) {
            if (prm[i].dpuNumNodes)
                DPU_ASSERT(dpu_copy_from(dpu, DPU_MRAM_HEAP_POINTER_NAME, prm[i].dpuNodeLevel_m,
                                         level + prm[i].dpuStartNodeIdx, ROUND_UP_TO_MULTIPLE_OF_8(prm[i].dpuNumNodes * 4)));
        }
        ptimer_stop(&tm, PH_DPU_CPU);
    }
    pimsim_print_times(&tm, c.n_reps);
    printf("pimsim.bfs levels=%u\n", levels);
    pimsim_report_cycles(set, nr_dpus, NR_TASKLETS);
    int ok = levels == ref_levels && !memcmp(level, ref, (size_t)N * sizeof *level);
    if (!ok) {
        fprintf(stderr, "BFS: %u launches, host BFS has %u levels\n", levels, ref_levels);
        for (uint32_t v = 0; v < N; v++)
            if (level[v] != ref[v]) { fprintf(stderr, "BFS: node %u: DPU level %u, host %u\n", v, level[v], ref[v]); break; }
    }
    int rc = pimsim_finish(ok, level, (size_t)N * sizeof *level, c.out_path);
    DPU_ASSERT(dpu_free(set));
    return rc;
}
