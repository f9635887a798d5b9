"""PrIM BFS host program (BFS/host/app.c): BFS levels from node 0 over a CSR graph, one launch
per level, the frontier exchanged through the host.

Graph: `graph=gowalla` (default; inputs.gowalla_like, `size` = nodes, loc-gowalla's 4.83
undirected edges per node), `graph=rmat` (inputs.rmat, `size` = nodes, `edge_factor`
undirected edges per node; PrIM's weak-scaling inputs are rMat graphs), or a user's edge list
(`file=...`, PrIM's `nodes cols edges` header format or a SNAP list; `size` is ignored).

Partition: ROUND_UP_TO_MULTIPLE_OF_64(ceil(numNodes / D)) contiguous nodes per DPU. Setup
(CPU-DPU, serial dpu_copy_to per DPU): node pointers, neighbour ids, node levels (0), visited
(all zero, full size), next frontier (node 0 set, full size), then the params. Per level:
launch (DPU kernel); then, booked as inter-DPU as PrIM's timer does: serial dpu_copy_from of
every DPU's next frontier, OR-merged on the host into the current frontier, an emptiness
check, and if not empty a serial dpu_copy_to of the merged frontier (into each DPU's next-
frontier slot) and of the params with the new level. The node levels come back by serial
dpu_copy_from (DPU-CPU) and are checked against a host BFS.
"""
from __future__ import annotations

import numba
import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import CapacityError, PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import bfs as K
from pimsim.workloads.prim import inputs
from pimsim.workloads.prim._common import check_dpus, check_size

NAME = "BFS"
DESCRIPTION = "Breadth-first search, bit-vector frontiers, one launch per level (PrIM BFS; loc-gowalla-like, rMat or a file)"
DEFAULT_SIZE = inputs.GOWALLA_NODES
PARAMS: dict = {"graph": "gowalla", "file": "", "edge_factor": 8}
SIZE_MEANING = "graph nodes (loc-gowalla-like or rMat); ignored with file="
DPU_CAPACITY = 64 << 20


def r8(n: int) -> int:
    return (n + 7) // 8 * 8


def load_graph(size: int, params: dict, seed: int) -> inputs.Csr:
    if params.get("file"):
        return inputs.load_edge_list(params["file"])
    kind = params.get("graph", "gowalla")
    if kind == "gowalla":
        return inputs.gowalla_like(seed, scale=size / inputs.GOWALLA_NODES)
    if kind == "rmat":
        return inputs.rmat(seed, nodes=size, edge_factor=int(params.get("edge_factor", 8)))
    raise PimsimError(f"BFS: graph = {kind!r}: expected gowalla, rmat (or file=PATH)")


@numba.njit(cache=True)
def reference_levels(ptr, nbr):
    """PrIM's host BFS from node 0: level 1 for node 0, 0 for unreachable nodes."""
    n = ptr.size - 1
    level = np.zeros(n, np.uint32)
    frontier = np.zeros(n, np.int64)
    nxt = np.zeros(n, np.int64)
    level[0] = 1
    frontier[0] = 0
    nf = 1
    lv = 1
    while nf > 0:
        nn = 0
        for k in range(nf):
            u = frontier[k]
            for i in range(np.int64(ptr[u]), np.int64(ptr[u + 1])):
                v = np.int64(nbr[i])
                if level[v] == 0:
                    level[v] = lv + 1
                    nxt[nn] = v
                    nn += 1
        frontier, nxt = nxt, frontier
        nf = nn
        lv += 1
    return level


@numba.njit(cache=True)
def _hits(ptr, nbr, level):
    """Per node u: neighbours v with level[v] == level[u] + 1 (the expand phase's mutex sections
    when u is in the frontier: v is not yet visited then) and its degree."""
    n = ptr.size - 1
    h = np.zeros(n, np.int64)
    for u in range(n):
        if level[u] == 0:
            continue
        for i in range(np.int64(ptr[u]), np.int64(ptr[u + 1])):
            if level[np.int64(nbr[i])] == level[u] + 1:
                h[u] += 1
    return h


@numba.njit(cache=True)
def _update_counts(tile_nz, tile_bits, start_tile, ntiles, T):
    """Per tasklet (tiles swept, non-zero, owned, owned non-zero, owned set bits)."""
    g = tile_nz.size
    out = np.zeros((T, 5), np.int64)
    for tile in range(g):
        t = tile % T
        out[t, 0] += 1
        out[t, 1] += tile_nz[tile]
        if start_tile <= tile < start_tile + ntiles:
            out[t, 2] += 1
            out[t, 3] += tile_nz[tile]
            out[t, 4] += tile_bits[tile]
    return out


class LevelCounts:
    """Per level, the data each DPU's timing depends on (from the host's own BFS)."""

    def __init__(self, g: inputs.Csr, level: np.ndarray):
        self.g = g
        self.level = level
        self.deg = np.diff(g.row_ptr.astype(np.int64))
        self.hits = _hits(g.row_ptr, g.col, level)
        self.nlevels = int(level.max())

    def prepare(self, lv: int) -> None:
        f = self.level == lv
        tiles = f.reshape(-1, 64)
        self.tile_bits = tiles.sum(axis=1).astype(np.int64)
        self.tile_nz = (self.tile_bits > 0).astype(np.int64)
        z = np.zeros(1, np.int64)
        self.cf = np.concatenate([z, np.cumsum(f)])
        self.ce = np.concatenate([z, np.cumsum(self.deg * f)])
        self.ch = np.concatenate([z, np.cumsum(self.hits * f)])

    def shape(self, start: int, n: int, T: int, layout: tuple) -> K.Shape:
        upd = _update_counts(self.tile_nz, self.tile_bits, start // 64, n // 64, T)
        per = (n + T - 1) // T
        exp = []
        for t in range(T):
            s0 = t * per
            k = 0 if s0 > n else min(per, n - s0)
            a, b = start + s0, start + s0 + k
            exp.append((k, int(self.cf[b] - self.cf[a]), int(self.ce[b] - self.ce[a]), int(self.ch[b] - self.ch[a])))
        return K.Shape(self.tile_nz.size, n, tuple(tuple(int(x) for x in row) for row in upd), tuple(exp), layout)


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    check_size(NAME, size, minimum=2)
    nr = check_dpus(NAME, dpus, config)
    g = load_graph(size, params, seed)
    N, G = g.nrows, g.nrows // 64
    ptr, nbr = g.row_ptr, g.col
    level_ref = reference_levels(ptr, nbr)
    counts = LevelCounts(g, level_ref)
    per = (((N - 1) // nr + 1) + 63) // 64 * 64
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    nxt0 = None
    if not timing_only:
        nxt0 = np.zeros(G, np.uint64)
        nxt0[0] = 1
    counts.prepare(1)
    dpu_info, params_of = [], []
    for d in range(nr):
        start = d * per
        n = 0 if start > N else min(per, N - start)
        p = np.zeros(1, K.PARAMS)
        p["dpu_nodes"] = n
        lay = ()
        if n > 0:
            off0 = int(ptr[start])
            ne = int(ptr[start + n]) - off0
            sizes = [r8((n + 1) * 4), r8(ne * 4), r8(n * 4), G * 8, n // 64 * 8, G * 8]
            offs = np.concatenate([[K.PARAMS_BYTES], K.PARAMS_BYTES + np.cumsum(sizes)]).astype(int)
            if offs[-1] > DPU_CAPACITY:
                raise CapacityError(f"BFS: a DPU needs {offs[-1]} B of MRAM (nodes {n}, edges {ne}, bit vectors of "
                                    f"{G * 8} B) > the DPU capacity of {DPU_CAPACITY} B; use more DPUs")
            lay = tuple(int(o) - K.PARAMS_BYTES for o in offs[:6])   # heap offsets after the params
            for f, v in zip(("nodes", "start_node", "node_ptrs_offset", "level", "node_ptrs_m", "neighbors_m",
                             "node_level_m", "visited_m", "current_m", "next_m"),
                            (N, start, off0, 1) + lay):
                p[f] = v
            if timing_only:
                bufs = [Placeholder(sizes[i]) for i in (0, 1, 2, 3, 5)]
            else:
                pp = np.zeros(sizes[0] // 4, np.uint32)
                pp[:n + 1] = ptr[start:start + n + 1]
                nb = np.zeros(sizes[1] // 4, np.uint32)
                nb[:ne] = nbr[off0:off0 + ne]
                bufs = [pp, nb, np.zeros(sizes[2] // 4, np.uint32), np.zeros(G, np.uint64), nxt0]
            for i, buf in zip((0, 1, 2, 3, 5), bufs):
                s.copy_to(d, K.HEAP, buf, offset=lay[i])
        params_of.append(p)
        dpu_info.append((start, n, lay))
        shp = counts.shape(start, n, tasklets, lay) if n else K.Shape(G, 0, (), (), ())
        s.copy_to(d, K.PARAMS_SYMBOL, K.hinted(p.copy(), shp))
    active = [d for d in range(nr) if dpu_info[d][1] > 0]
    lv = 1
    while True:
        s.launch()
        with s.category("inter_dpu"):
            merged = None if timing_only else np.zeros(G, np.uint64)
            for k, d in enumerate(active):
                got = s.copy_from(d, K.HEAP, G * 8, offset=dpu_info[d][2][5])
                if k:
                    s.host_compute(nbytes=3 * G * 8, ops=G)          # currentFrontier[i] |= nextFrontier[i]
                if merged is not None:
                    merged |= got.view(np.uint64)
            # emptiness check: scan up to the first non-zero word
            if merged is not None:
                empty = not merged.any()
                scanned = G if empty else int(np.argmax(merged != 0)) + 1
            else:
                empty = lv >= counts.nlevels
                nz = np.flatnonzero((counts.level.reshape(-1, 64) == lv + 1).any(axis=1)) if not empty else ()
                scanned = G if empty else int(nz[0]) + 1
            s.host_compute(nbytes=8 * scanned, ops=scanned)
            if empty:
                break
            lv += 1
            counts.prepare(lv)
            for d in active:
                start, n, lay = dpu_info[d]
                s.copy_to(d, K.HEAP, merged if merged is not None else Placeholder(G * 8), offset=lay[5])
                p = params_of[d]
                p["level"] = lv
                s.copy_to(d, K.PARAMS_SYMBOL, K.hinted(p.copy(), counts.shape(start, n, tasklets, lay)))
    levels = None if timing_only else np.zeros(N, np.uint32)
    for d in active:
        start, n, lay = dpu_info[d]
        got = s.copy_from(d, K.HEAP, r8(n * 4), offset=lay[2])
        if levels is not None:
            levels[start:start + n] = got.view(np.uint32)[:n]
    if timing_only:
        return s.result(verified=None)
    if lv != counts.nlevels:
        raise PimsimError(f"BFS: the DPUs ran {lv} levels, the host BFS has {counts.nlevels}")
    return s.result(outputs={"levels": levels}, verified=bool(np.array_equal(levels, level_ref)))
