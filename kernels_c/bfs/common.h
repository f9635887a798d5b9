/* BFS (PrIM BFS, bit-vector frontiers): shared host/DPU definitions (PrIM BFS/support/common.h). */
#ifndef BFS_COMMON_H
#define BFS_COMMON_H
#include <stdint.h>

#define ROUND_UP_TO_MULTIPLE_OF_2(x) ((((x) + 1) / 2) * 2)
#define ROUND_UP_TO_MULTIPLE_OF_8(x) ((((x) + 7) / 8) * 8)
#define ROUND_UP_TO_MULTIPLE_OF_64(x) ((((x) + 63) / 64) * 64)

/* 64-bit bit operations. PrIM shifts an int (`1 << idx`, undefined for idx >= 31 and
 * sign-extending at 31); its host reference shares the macros, so its check passes
 * whatever they do. These are the intended ones (pimsim/kernels/bfs.py does the same). */
#define setBit(val, idx) ((val) |= (1ull << (idx)))
#define isSet(val, idx) ((val) & (1ull << (idx)))

/* At MRAM heap offset 0 of every DPU. The *_m fields are heap offsets. 44 B in PrIM, which
 * copies ROUND_UP_TO_MULTIPLE_OF_8 = 48 B (4 B past the struct); here the pad is explicit. */
struct DPUParams {
    uint32_t dpuNumNodes;          /* nodes of this DPU (a multiple of 64 but maybe the last DPU's) */
    uint32_t numNodes;             /* nodes of the graph (a multiple of 64) */
    uint32_t dpuStartNodeIdx;
    uint32_t dpuNodePtrsOffset;    /* global index of the DPU's first neighbour */
    uint32_t level;                /* the level the frontier in dpuNextFrontier_m belongs to */
    uint32_t dpuNodePtrs_m;
    uint32_t dpuNeighborIdxs_m;
    uint32_t dpuNodeLevel_m;
    uint32_t dpuVisited_m;
    uint32_t dpuCurrentFrontier_m;
    uint32_t dpuNextFrontier_m;
    uint32_t pad;
};
#define BFS_PARAMS_BYTES 48u

#endif
