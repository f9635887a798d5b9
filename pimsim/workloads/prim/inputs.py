"""Inputs of PrIM SpMV and BFS: seeded generators with the statistics of PrIM's data sets, and
loaders for a user's own Matrix Market / edge-list files.

PrIM SpMV reads bcsstk30 (SuiteSparse; 28,924 x 28,924, structural stiffness matrix). Its
.mtx file stores the lower triangle of the symmetric matrix, 1,036,208 entries, and PrIM's
reader takes the entries as stored (no symmetric expansion) with every value 1.0f.
`bcsstk30_like` makes a lower-triangular, banded FEM-like matrix with that many rows and about
that many entries: the diagonal, a run of columns just left of it, and a few more runs of
contiguous columns (a node's degrees of freedom) inside a band. The band width and run
lengths are assumptions (the real matrix's profile is not in the stored sources); they set
how often the kernel's 64-float input tile changes, so they are parameters.

PrIM BFS reads SNAP loc-gowalla (196,591 nodes, 950,327 undirected edges, one weakly connected
component, power-law degrees, max degree 14,730) as an edge list with both directions of every
edge, i.e. 1,900,654 entries. `gowalla_like` makes a connected graph with those counts: a
random attachment tree (so every node is reachable from node 0, as in the real graph) plus
Chung-Lu edges with power-law weights. `rmat` is the Graph500 R-MAT generator PrIM's weak
scaling uses (parameters a, b, c = 0.57, 0.19, 0.19).

All generators are deterministic for a seed (numpy PCG64) and take `scale` (fraction of the
full-size statistics) so tests can run small instances.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from pimsim.errors import PimsimError

BCSSTK30_ROWS = 28_924
BCSSTK30_NNZ = 1_036_208           # lower triangle incl. diagonal, as stored in the .mtx file
GOWALLA_NODES = 196_591
GOWALLA_EDGES = 950_327            # undirected; the edge list holds both directions


@dataclass(frozen=True)
class Csr:
    """A CSR matrix/graph as PrIM's coo2csr builds it (entries of a row in file order)."""
    nrows: int
    ncols: int
    row_ptr: np.ndarray             # uint32, nrows + 1
    col: np.ndarray                 # uint32, nnz
    val: np.ndarray | None = None   # float32, nnz (SpMV)

    @property
    def nnz(self) -> int:
        return int(self.row_ptr[-1])


def coo_to_csr(nrows: int, ncols: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | None = None) -> Csr:
    """PrIM's coo2csr: a histogram of row indices, a prefix sum, and a stable bin of the entries
    (so a row's entries keep their order in the input)."""
    rows = np.asarray(rows, np.int64)
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=nrows)[:nrows]
    ptr = np.zeros(nrows + 1, np.uint32)
    np.cumsum(counts, out=ptr[1:])
    col = np.ascontiguousarray(np.asarray(cols)[order], dtype=np.uint32)
    val = None if vals is None else np.ascontiguousarray(np.asarray(vals)[order], dtype=np.float32)
    return Csr(nrows, ncols, ptr, col, val)


# ------------------------------------------------------------------ SpMV
def bcsstk30_like(seed: int = 0, scale: float = 1.0, band: int | None = None, runs: float = 3.0,
                  run_len: int = 9) -> Csr:
    """A lower-triangular banded matrix with bcsstk30's rows and stored nonzeros per row.

    Row i holds the diagonal, a run of columns ending at i-1, and Poisson(`runs`) further runs
    of about `run_len` contiguous columns starting at i - U(1, band); duplicates merge. Columns
    of a row are ascending (as in a column-major-sorted .mtx file read row by row). The row
    count is even (PrIM pads odd counts with an empty row)."""
    if not 0 < scale <= 64:
        raise PimsimError(f"bcsstk30_like: scale = {scale!r}: expected 0 < scale <= 64")
    n = max(2, int(round(BCSSTK30_ROWS * scale)))
    n += n % 2
    band = int(band) if band is not None else max(8, min(n, 1_200))
    target = BCSSTK30_NNZ / BCSSTK30_ROWS          # 35.8 per row
    rng = np.random.default_rng(seed)
    rows_l, cols_l = [], []
    i = np.arange(n, dtype=np.int64)
    rows_l.append(i); cols_l.append(i)                                  # diagonal
    near = rng.integers(run_len // 2, 2 * run_len, n)                   # run ending at i-1
    # further runs: mean count chosen so a row averages `target` entries before merging
    extra = 1.025 * max(0.0, target - 1 - near.mean())   # 1.025: what merging loses
    nr = rng.poisson(runs, n)
    lens = rng.integers(max(1, run_len // 2), 2 * run_len, nr.sum())
    lens = np.maximum(1, np.round(lens * extra / max(1e-9, runs * lens.mean()))).astype(np.int64)
    for rr, length in ((i, near), (np.repeat(i, nr), lens)):
        if rr is i:
            start = np.maximum(0, i - length)
            cnt = i - start
        else:
            start = np.maximum(0, rr - rng.integers(1, band + 1, rr.size))
            cnt = np.minimum(length, rr - start)
        tot = int(cnt.sum())
        if tot == 0:
            continue
        rep_r = np.repeat(rr, cnt)
        off = np.arange(tot) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        rows_l.append(rep_r)
        cols_l.append(np.repeat(start, cnt) + off)
    r = np.concatenate(rows_l)
    c = np.concatenate(cols_l)
    key = np.unique(r * n + c)                      # merge duplicates, sort by (row, col)
    r, c = key // n, key % n
    return coo_to_csr(n, n, r, c, np.ones(key.size, np.float32))


def load_matrix_market(path: str | os.PathLike) -> Csr:
    """Read a coordinate Matrix Market file (or PrIM's header-less variant: a `rows cols nnz`
    line then 1-based `row col [value]` lines). Entries are taken as stored, like PrIM's
    readCOOMatrix (a symmetric file keeps only its stored triangle); values are read when the
    file has them (pattern files get 1.0); an odd row count gets one padding row, as PrIM does."""
    path = os.fspath(path)
    with open(path) as f:
        first = f.readline()
        if first.startswith("%%MatrixMarket"):
            kind = first.lower().split()
            if "coordinate" not in kind:
                raise PimsimError(f"{path}: only coordinate Matrix Market files are supported, got {first.strip()!r}")
            if "complex" in kind:
                raise PimsimError(f"{path}: complex matrices are not supported")
        line = first
        while line.startswith("%") or not line.strip():
            line = f.readline()
            if not line:
                raise PimsimError(f"{path}: no size line")
        head = line.split()
        if len(head) != 3:
            raise PimsimError(f"{path}: size line {line.strip()!r}: expected 'rows cols nonzeros'")
        nrows, ncols, nnz = (int(x) for x in head)
        data = np.loadtxt(f, comments="%", ndmin=2) if nnz else np.zeros((0, 2))
    if data.shape[0] != nnz:
        raise PimsimError(f"{path}: header says {nnz} entries, file has {data.shape[0]}")
    if nnz and data.shape[1] < 2:
        raise PimsimError(f"{path}: entries need 'row col [value]'")
    r = data[:, 0].astype(np.int64) - 1
    c = data[:, 1].astype(np.int64) - 1
    if nnz and (r.min() < 0 or c.min() < 0 or r.max() >= nrows or c.max() >= ncols):
        raise PimsimError(f"{path}: an entry lies outside the {nrows} x {ncols} matrix (indices are 1-based)")
    v = data[:, 2].astype(np.float32) if data.shape[1] >= 3 else np.ones(nnz, np.float32)
    nrows += nrows % 2
    return coo_to_csr(nrows, ncols, r, c, v)


# ------------------------------------------------------------------ BFS
def _undirected_to_csr(n: int, u: np.ndarray, v: np.ndarray) -> Csr:
    """Both directions of every edge, in edge order (as SNAP/PrIM edge lists are)."""
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    return coo_to_csr(n, n, src, dst)


def _pad64(n: int) -> int:
    return n + (-n) % 64


def gowalla_like(seed: int = 0, scale: float = 1.0, exponent: float = 2.1) -> Csr:
    """A connected power-law graph with loc-gowalla's node and edge counts (times `scale`),
    nodes padded to a multiple of 64 as PrIM's readCOOGraph does."""
    if not 0 < scale <= 64:
        raise PimsimError(f"gowalla_like: scale = {scale!r}: expected 0 < scale <= 64")
    n = max(2, int(round(GOWALLA_NODES * scale)))
    m = max(n - 1, int(round(GOWALLA_EDGES * scale)))
    rng = np.random.default_rng(seed)
    w = (np.arange(n) + 10.0) ** (-1.0 / (exponent - 1.0))      # Chung-Lu weights
    w = w[rng.permutation(n)]                                    # hubs spread over the ids
    cw = np.cumsum(w)
    # tree: node i > 0 attaches to an earlier node drawn by weight -> connected from node 0
    i = np.arange(1, n)
    parent = np.searchsorted(cw, rng.random(n - 1) * cw[i - 1], side="right")
    parent = np.minimum(parent, i - 1)
    keys = np.unique(np.minimum(i, parent) * n + np.maximum(i, parent))
    need = m - keys.size
    while need > 0:
        k = int(need * 1.15) + 16
        a = np.searchsorted(cw, rng.random(k) * cw[-1], side="right")
        b = np.searchsorted(cw, rng.random(k) * cw[-1], side="right")
        a, b = np.minimum(a, n - 1), np.minimum(b, n - 1)
        ok = a != b
        new = np.minimum(a, b)[ok] * n + np.maximum(a, b)[ok]
        new = np.setdiff1d(np.unique(new), keys, assume_unique=True)
        if new.size > need:
            new = rng.choice(new, need, replace=False)
        keys = np.union1d(keys, new)
        need = m - keys.size
    keys = keys[rng.permutation(keys.size)]                      # edge-list order
    return _undirected_to_csr(_pad64(n), keys // n, keys % n)


def rmat(seed: int = 0, nodes: int = 1 << 16, edge_factor: int = 8,
         abc: tuple[float, float, float] = (0.57, 0.19, 0.19)) -> Csr:
    """Graph500 R-MAT: `edge_factor * nodes` undirected edges (self loops and duplicates
    dropped) over 2^ceil(log2 nodes) ids, kept when both ends are < nodes; both directions
    stored; nodes padded to a multiple of 64."""
    if nodes < 2:
        raise PimsimError(f"rmat: nodes = {nodes!r}: expected >= 2")
    rng = np.random.default_rng(seed)
    k = max(1, int(np.ceil(np.log2(nodes))))
    a, b, c = abc
    m = edge_factor * nodes
    keys = np.zeros(0, np.int64)
    tries = 0
    while keys.size < m and tries < 8:
        cnt = int((m - keys.size) * 1.3) + 16
        u = np.zeros(cnt, np.int64)
        v = np.zeros(cnt, np.int64)
        for _ in range(k):
            r = rng.random(cnt)
            right = (r >= a) & (r < a + b) | (r >= a + b + c)
            down = r >= a + b
            u = (u << 1) | down
            v = (v << 1) | right
        ok = (u != v) & (u < nodes) & (v < nodes)
        new = np.unique(np.minimum(u, v)[ok] * nodes + np.maximum(u, v)[ok])
        keys = np.union1d(keys, new)
        tries += 1
    if keys.size > m:
        keys = rng.choice(keys, m, replace=False)
    keys = keys[rng.permutation(keys.size)]
    return _undirected_to_csr(_pad64(nodes), keys // nodes, keys % nodes)


def load_edge_list(path: str | os.PathLike) -> Csr:
    """Read a graph as PrIM's readCOOGraph does: a `nodes cols edges` header then 0-based
    `src dst` lines (each direction listed); or a SNAP edge list ('#' comments, `src dst` lines,
    node count = largest id + 1). Entries are taken as stored (directed); the node count is
    padded to a multiple of 64."""
    path = os.fspath(path)
    with open(path) as f:
        lines = []
        header = None
        for line in f:
            s = line.strip()
            if not s or s[0] in "#%":
                continue
            parts = s.split()
            header = [int(x) for x in parts] if len(parts) == 3 else None
            if header is None:
                lines.append(s)
            break
        rest = np.loadtxt(f, comments=("#", "%"), dtype=np.int64, ndmin=2, usecols=(0, 1))
    first = np.array([[int(x) for x in lines[0].split()[:2]]], np.int64) if lines else np.zeros((0, 2), np.int64)
    e = np.concatenate([first, rest.reshape(-1, 2)]) if rest.size else first
    if e.size and e.min() < 0:
        raise PimsimError(f"{path}: negative node id")
    if header is not None:
        nodes, ncols, nedges = header
        if e.shape[0] != nedges:
            raise PimsimError(f"{path}: header says {nedges} edges, file has {e.shape[0]}")
        n = max(nodes, ncols)
        if e.size and e.max() >= n:
            raise PimsimError(f"{path}: node id {int(e.max())} >= the header's {n} nodes (ids are 0-based)")
    else:
        n = int(e.max()) + 1 if e.size else 1
    return coo_to_csr(_pad64(n), _pad64(n), e[:, 0], e[:, 1])
