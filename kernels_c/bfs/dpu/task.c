/*
 * BFS on one DPU, one level per launch (PrIM BFS/dpu/task.c).
 *
 * MRAM heap (host bump allocator, 8-B rounded): struct DPUParams (48 B) at 0, the DPU's node
 * pointers (nodes + 1, global values: subtract dpuNodePtrsOffset), its neighbour ids, its
 * node levels (uint32), the whole visited bit vector (numNodes / 64 words), its current-
 * frontier words (nodes / 64), the whole next-frontier bit vector (holding, at launch, the
 * frontier the host merged from every DPU). Every access is one 8-B DMA through an 8-B WRAM
 * cache per tasklet (load8B/store8B; load4B/store4B move the aligned 8-B word around it).
 *
 * 1. Update: tasklet t sweeps global tiles t, t+T, ...: reads the next-frontier word; if
 *    non-zero ORs it into visited (read + write) and clears it (write); for a tile this DPU
 *    owns, writes it as the current-frontier word and, if non-zero, stores `level` into the
 *    level of every node set in it (read + write of the 8-B word).
 * 2. barrier.
 * 3. Expand: ceil(nodes / T) contiguous nodes per tasklet; per node read its current-frontier
 *    word; for a frontier node read its two node pointers (two 8-B reads), then per
 *    neighbour read its id and its visited word; an unvisited one takes the global mutex,
 *    reads, sets and writes back its next-frontier word.
 */
#include <alloc.h>
#include <barrier.h>
#include <defs.h>
#include <mram.h>
#include <mutex.h>
#include <stdint.h>

#include "common.h"
#include "pimsim_dpu.h"

BARRIER_INIT(my_barrier, NR_TASKLETS);
BARRIER_INIT(bfsBarrier, NR_TASKLETS);
MUTEX_INIT(nextFrontierMutex);

static uint64_t load8B(uint32_t base_m, uint32_t idx, uint64_t *cache) {
    mram_read((__mram_ptr void const *)(base_m + idx * sizeof(uint64_t)), cache, 8);
    return cache[0];
}

static void store8B(uint64_t val, uint32_t base_m, uint32_t idx, uint64_t *cache) {
    cache[0] = val;
    mram_write(cache, (__mram_ptr void *)(base_m + idx * sizeof(uint64_t)), 8);
}

static uint32_t load4B(uint32_t base_m, uint32_t idx, uint64_t *cache) {
    const uint32_t a = base_m + idx * sizeof(uint32_t);
    mram_read((__mram_ptr void const *)(a & ~7u), cache, 8);
    return ((uint32_t *)cache)[(a & 7u) / 4];
}

static void store4B(uint32_t val, uint32_t base_m, uint32_t idx, uint64_t *cache) {
    const uint32_t a = base_m + idx * sizeof(uint32_t);
    mram_read((__mram_ptr void const *)(a & ~7u), cache, 8);
    ((uint32_t *)cache)[(a & 7u) / 4] = val;
    mram_write(cache, (__mram_ptr void *)(a & ~7u), 8);
}

int main(void) {
    const uint32_t id = me();
    if (id == 0) mem_reset();
    PIMSIM_CYCLES_START();
    barrier_wait(&my_barrier);

    const uint32_t heap = (uint32_t)DPU_MRAM_HEAP_POINTER;
    struct DPUParams *p = (struct DPUParams *)mem_alloc(BFS_PARAMS_BYTES);
    mram_read((__mram_ptr void const *)heap, p, BFS_PARAMS_BYTES);
    const uint32_t global_nodes = p->numNodes, first_node = p->dpuStartNodeIdx, nodes = p->dpuNumNodes;
    const uint32_t ptr_offset = p->dpuNodePtrsOffset, level = p->level;
    /* PrIM uses the heap offsets as MRAM addresses (the heap starts at MRAM 0 when a program
     * has no __mram variables); adding the heap pointer is the same there and portable. */
    const uint32_t node_ptrs_m = heap + p->dpuNodePtrs_m, neighbors_m = heap + p->dpuNeighborIdxs_m;
    const uint32_t node_level_m = heap + p->dpuNodeLevel_m, visited_m = heap + p->dpuVisited_m;
    const uint32_t current_m = heap + p->dpuCurrentFrontier_m, next_m = heap + p->dpuNextFrontier_m;

    if (nodes > 0) {
        uint64_t *cache = mem_alloc(sizeof(uint64_t));

        /* 1. update visited, current frontier and levels from the merged frontier */
        const uint32_t first_tile = first_node / 64, my_tiles = nodes / 64;
        for (uint32_t tile = id; tile < global_nodes / 64; tile += NR_TASKLETS) {
            const uint64_t next = load8B(next_m, tile, cache);
            if (next) {
                store8B(load8B(visited_m, tile, cache) | next, visited_m, tile, cache);
                store8B(0, next_m, tile, cache);
            }
            if (first_tile <= tile && tile < first_tile + my_tiles) {
                store8B(next, current_m, tile - first_tile, cache);
                if (next)
                    for (uint32_t node = tile * 64; node < (tile + 1) * 64; node++)
                        if (isSet(next, node % 64)) store4B(level, node_level_m, node - first_node, cache);
            }
        }

        barrier_wait(&bfsBarrier);

        /* 3. expand the frontier nodes of this tasklet's contiguous share */
        const uint32_t per = (nodes + NR_TASKLETS - 1) / NR_TASKLETS;
        const uint32_t start = id * per;
        uint32_t mine = 0;
        if (start <= nodes) mine = start + per > nodes ? nodes - start : per;
        for (uint32_t node = start; node < start + mine; node++) {
            const uint64_t cur = load8B(current_m, node / 64, cache);
            if (!isSet(cur, node % 64)) continue;
            const uint32_t lo = load4B(node_ptrs_m, node, cache) - ptr_offset;
            const uint32_t hi = load4B(node_ptrs_m, node + 1, cache) - ptr_offset;
            for (uint32_t i = lo; i < hi; i++) {
                const uint32_t nb = load4B(neighbors_m, i, cache);
                const uint64_t visited = load8B(visited_m, nb / 64, cache);
                if (!isSet(visited, nb % 64)) {
                    mutex_lock(nextFrontierMutex);
                    uint64_t next = load8B(next_m, nb / 64, cache);
                    setBit(next, nb % 64);
                    store8B(next, next_m, nb / 64, cache);
                    mutex_unlock(nextFrontierMutex);
                }
            }
        }
    }
    PIMSIM_CYCLES_STOP();
    return 0;
}
