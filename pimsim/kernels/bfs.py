"""PrIM BFS: one level of a bit-vector frontier BFS per launch (PrIM BFS/dpu/task.c).

MRAM heap layout (host bump allocator, 8-B rounded): params (44 -> 48 B), the DPU's node
pointers (nodes + 1 x uint32, global values), its neighbour ids (uint32), its node levels
(uint32), the full visited bit vector (numNodes / 64 x uint64), its current-frontier words
(nodes / 64 x uint64), the full next-frontier bit vector. Every MRAM access is one 8-B
mram_read/mram_write through an 8-B WRAM cache per tasklet (load8B/store8B; load4B/store4B
read, and for a store write back, the aligned 8-B word).

1. Update: tasklet t sweeps global tiles t, t+T, ... of all numNodes/64: reads the next-
   frontier word; if non-zero ORs it into visited (read + write) and clears it (write); for a
   tile this DPU owns, writes the current-frontier word and, if non-zero, tests its 64 bits and
   store4B's `level` into every set node's level.
2. barrier_wait(bfsBarrier).
3. Expand: ceil(nodes / T) contiguous nodes per tasklet; per node a load8B of its frontier
   word; for a frontier node two load4B of its pointers, then per neighbour a load4B of the id
   and a load8B of its visited word; an unvisited neighbour takes the one global mutex, reads,
   sets the bit in and writes its next-frontier word, and unlocks.

PrIM's setBit/isSet shift an `int` 1 (`1 << idx` for idx up to 63), which is undefined in C
for idx >= 31 (x86 wraps the shift, and bit 31 sign-extends); the host reference shares the
macros, so PrIM's check passes whatever they do. This model uses the intended 64-bit bit
operations, so its frontiers are those of a correct BFS.

Timing depends on the data: per tasklet, the tiles it sweeps, how many of them are non-zero,
owned, owned and non-zero, the set bits there; and in the expand phase its nodes, frontier
nodes, edges scanned and unvisited hits (mutex sections). The host computes these per level
from the graph and its own BFS (`level_counts`) and passes them with the params
(`HintedArgs`). The thousands of 8-B DMAs a tasklet makes are issued in a few batches
(the dma_read/dma_write count= verb): BFS is DMA-bound, and a batch books the engine exactly as the single calls do.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import MRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, prologue
from pimsim.kernels.spmv import HintedArgs, hinted  # noqa: F401  (re-exported for the host)

PARAMS_SYMBOL = "DPU_PARAMS"
_FIELDS = ("dpu_nodes", "nodes", "start_node", "node_ptrs_offset", "level", "node_ptrs_m",
           "neighbors_m", "node_level_m", "visited_m", "current_m", "next_m")
# struct DPUParams (44 B), as copied: ROUND_UP_TO_MULTIPLE_OF_8 -> 48 B
PARAMS = np.dtype({"names": list(_FIELDS), "formats": [np.uint32] * len(_FIELDS),
                   "offsets": [4 * i for i in range(len(_FIELDS))], "itemsize": 48})
PARAMS_BYTES = PARAMS.itemsize
PIECES = 2          # batches per tasklet phase (BFS is DMA-bound; finer splits only add events)

# load8B/store8B/load4B helpers: call, address arithmetic, the WRAM cache access
LOAD8 = {"call": 1, "logic_int32": 1, "add_int32": 1, "load_wram": 1}
STORE8 = {"call": 1, "logic_int32": 1, "add_int32": 1, "store_wram": 1}
LOAD4 = {"call": 1, "logic_int32": 3, "add_int32": 3, "load_wram": 1}
STORE4 = {"call": 1, "logic_int32": 3, "add_int32": 3, "load_wram": 1, "store_wram": 1}
UPD_TILE = {"loop": 1, "cmp_branch": 3, "add_int32": 2, "logic_int32": 2}   # + LOAD8
UPD_NZ = {"logic_int64": 1}                                                 # + LOAD8 + 2 STORE8
UPD_OWN = {"add_int32": 1}                                                  # + STORE8
UPD_BIT_TEST = {"loop": 1, "logic_int64": 1, "logic_int32": 1, "cmp_branch": 1}   # x 64 per owned non-zero tile
UPD_BIT_SET = {"add_int32": 1}                                              # + STORE4
EXP_SETUP = {"add_int32": 4, "div_uint32": 1, "mul32_setup": 1, "mul_step": 5, "cmp_branch": 3}
EXP_NODE = {"loop": 1, "logic_int32": 2, "logic_int64": 1, "cmp_branch": 1}  # + LOAD8
EXP_FRONTIER = {"add_int32": 2, "cmp_branch": 1}                             # + 2 LOAD4
EXP_EDGE = {"loop": 1, "logic_int32": 2, "logic_int64": 1, "cmp_branch": 1}  # + LOAD4 + LOAD8
EXP_HIT = {"logic_int64": 2}                                                 # + LOAD8 + STORE8, mutex


@dataclass(frozen=True)
class Shape:
    tiles: int                  # numNodes / 64 (global)
    dpu_nodes: int
    # per tasklet (tiles swept, non-zero, owned, owned non-zero, set bits in owned non-zero)
    update: tuple
    # per tasklet (nodes, frontier nodes, edges scanned, unvisited hits)
    expand: tuple
    layout: tuple = ()          # (node_ptrs_m, neighbors_m, node_level_m, visited_m, current_m, next_m)


def shape(args) -> Shape:
    return args.hint


def signature(s: Shape):
    return (s.tiles, s.dpu_nodes, s.update, s.expand)


def _split(n: int, k: int, i: int) -> int:
    return n // k + (1 if i < n % k else 0)


def _reads(ctx, n: int, mram: int, wram: int):
    if n:
        yield from ctx.dma_read(8, mram, wram, count=n)


def _writes(ctx, n: int, mram: int, wram: int):
    if n:
        yield from ctx.dma_write(8, mram, wram, count=n)


_COSTS: dict = {}


def _costs(cfg):
    """Instructions of each op-mix constant above under `cfg` (costed once per preset: BFS
    runs thousands of short tasklet programs)."""
    table = _COSTS.get(cfg.dpu_model_hash())
    if table is None:
        mixes = (LOAD8, STORE8, LOAD4, STORE4, UPD_TILE, UPD_NZ, UPD_OWN, UPD_BIT_TEST, UPD_BIT_SET,
                 EXP_NODE, EXP_FRONTIER, EXP_EDGE, EXP_HIT)
        table = _COSTS[cfg.dpu_model_hash()] = {id(m): cfg.ops.cost(m) for m in mixes}
    return lambda mix: table[id(mix)]


def program(ctx, s: Shape):
    yield from prologue(ctx)
    w = ctx.mem_alloc(PARAMS_BYTES)
    yield from ctx.dma_read(PARAMS_BYTES, 0, w)
    if s.dpu_nodes == 0:
        return
    cache = ctx.mem_alloc(8)
    node_ptrs_m, neighbors_m, node_level_m, visited_m, current_m, next_m = s.layout
    c = _costs(ctx.cfg)
    tiles, nz, own, own_nz, bits = s.update[ctx.id]
    instr = (tiles * (c(UPD_TILE) + c(LOAD8)) + nz * (c(UPD_NZ) + c(LOAD8) + 2 * c(STORE8))
             + own * (c(UPD_OWN) + c(STORE8)) + own_nz * 64 * c(UPD_BIT_TEST) + bits * (c(UPD_BIT_SET) + c(STORE4)))
    reads, writes = tiles + nz + bits, 2 * nz + own + bits
    for p in range(PIECES):
        yield from ctx.compute(instructions=instr / PIECES)
        yield from _reads(ctx, _split(reads, PIECES, p), next_m, cache)
        yield from _writes(ctx, _split(writes, PIECES, p), next_m, cache)
    yield from ctx.barrier_wait("bfsBarrier")
    yield from ctx.compute(EXP_SETUP)
    nodes, front, edges, hits = s.expand[ctx.id]
    instr = (nodes * (c(EXP_NODE) + c(LOAD8)) + front * (c(EXP_FRONTIER) + 2 * c(LOAD4))
             + edges * (c(EXP_EDGE) + c(LOAD4) + c(LOAD8)))
    hit_instr = c(EXP_HIT) + c(LOAD8) + c(STORE8)
    reads = nodes + 2 * front + 2 * edges
    for p in range(PIECES):
        h = _split(hits, PIECES, p)
        # the piece's critical sections run back to back under the one global mutex
        yield from ctx.compute(instructions=instr / PIECES + ctx.batched_lock_instructions(h))
        yield from _reads(ctx, _split(reads, PIECES, p), current_m, cache)
        if h:
            yield from ctx.mutex_lock("nextFrontierMutex")
            yield from ctx.compute(instructions=h * hit_instr)
            yield from _reads(ctx, h, next_m, cache)
            yield from _writes(ctx, h, next_m, cache)
            yield from ctx.mutex_unlock("nextFrontierMutex")


@numba.njit(cache=True)
def _level(node_ptrs, off0, neighbors, node_level, visited, current, nxt, start, n, level):
    g = visited.size
    t0, nt = start // 64, n // 64
    for tile in range(g):
        w = nxt[tile]
        if w != 0:
            visited[tile] |= w
            nxt[tile] = 0
        if t0 <= tile < t0 + nt:
            current[tile - t0] = w
            if w != 0:
                for b in range(64):
                    if (w >> np.uint64(b)) & np.uint64(1):
                        node_level[tile * 64 + b - start] = level
    for node in range(n):
        if (current[node // 64] >> np.uint64(node % 64)) & np.uint64(1):
            for i in range(np.int64(node_ptrs[node]) - off0, np.int64(node_ptrs[node + 1]) - off0):
                v = np.int64(neighbors[i])
                if not (visited[v // 64] >> np.uint64(v % 64)) & np.uint64(1):
                    nxt[v // 64] |= np.uint64(1) << np.uint64(v % 64)


def functional(mem: DpuMemory, args, nr_tasklets: int) -> None:
    p = np.asarray(args).view(PARAMS)[0]
    n = int(p["dpu_nodes"])
    if n == 0:
        return
    g = int(p["nodes"]) // 64
    ptrs = mem.view(HEAP, np.uint32, int(p["node_ptrs_m"]), n + 1)
    off0 = np.int64(p["node_ptrs_offset"])
    ne = int(ptrs[-1]) - int(off0)
    _level(ptrs, off0, mem.view(HEAP, np.uint32, int(p["neighbors_m"]), ne),
           mem.view(HEAP, np.uint32, int(p["node_level_m"]), n), mem.view(HEAP, np.uint64, int(p["visited_m"]), g),
           mem.view(HEAP, np.uint64, int(p["current_m"]), n // 64), mem.view(HEAP, np.uint64, int(p["next_m"]), g),
           int(p["start_node"]), n, np.uint32(p["level"]))


def writes(s: Shape) -> dict:
    return {HEAP: s.layout[5] + 8 * s.tiles} if s.dpu_nodes else {}


KERNEL = Kernel(
    name="bfs", fixed_phases=True,
    symbols=(Symbol(PARAMS_SYMBOL, MRAM, PARAMS_BYTES), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=signature, functional=functional, writes=writes,
    args_symbol=PARAMS_SYMBOL,
)
