"""PrIM NW host program (NW/host/app.c, DYNAMIC=1): Needleman-Wunsch global alignment scores of
two length-n sequences, computed as BL x BL blocks along block anti-diagonals.

The (n+1) x (n+1) score matrix (kept by the host with row stride n+2, as PrIM) is cut into
nb = n/BL block rows and columns. For each block anti-diagonal -- top-left blk = 1..nb, then
bottom-right blk = 2..nb: 2nb-1 launches -- with k blocks on it:
- min(k, D) DPUs take contiguous runs of the blocks (the first k % D one more); PrIM
  re-allocates the DPU set to that size (not timed); here the other DPUs get nblocks = 0;
- push the arguments; itemsets row by row: per block slot BL+1 parallel push_xfers, the top row
  ((BL+2) x 4 B) then BL left-boundary pairs (8 B) -- PrIM's timer 1 ("Inter-DPU") when nb > 1,
  else its timer 2 ("CPU-DPU");
- reference: per block slot BL push_xfers of BL x 4 B (timer 2, "CPU-DPU");
- launch (timer 3, "DPU Kernel");
- retrieve rows 1..BL of every slot: BL push_xfers of (BL+2) x 4 B per slot (timer 4, "DPU-CPU").
Each group of identical row transfers is booked as one call's cost times the number of calls
(DpuSet.repeated_transfers); the data goes to and from DPU memory in one piece.
Finally the host traces the alignment back (booked as host).

Inputs: PrIM intends reference[i][j] = blosum62[seq1[i]][seq2[j]] of two random sequences but
indexes a zeroed array, so its reference is all 4; here the reference scores are seeded
random integers in BLOSUM62's range [-4, 11] so the maxima really vary. Scores are int32.

size = n (sequence length); params: bl (block side BL, a compile-time constant in PrIM; 0 picks
as PrIM's run script, n / #DPUs, lowered to an even divisor of n), bl_in (sub-block side BL_IN,
2 as the run script), penalty (PrIM -p, default 1).
"""
from __future__ import annotations

import numba
import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.hw.host import FROM_DPU, TO_DPU
from pimsim.kernels import nw as K
from pimsim.workloads.prim._common import check_dpus, check_size, rng

NAME = "NW"
DESCRIPTION = "Needleman-Wunsch alignment scores, int32, block anti-diagonals across DPUs (PrIM NW)"
DEFAULT_SIZE = 2560             # PrIM run_strong_rank.py: -n 2560 (BL = 2560 / #DPUs, BL_IN = 2)
PARAMS: dict = {"bl": 0, "bl_in": 2, "penalty": 1}
STRONG_LARGE_SIZE = 65_536      # PrIM 32-rank strong scaling: n 65536 (README table)
SIZE_MEANING = "sequence length n (the score matrix is (n+1) x (n+1))"


def block_side(n: int, nr_dpus: int, bl: int, bl_in: int) -> int:
    if bl:
        if n % bl or bl % bl_in:
            raise PimsimError(f"NW: bl = {bl} must divide n = {n} and be a multiple of bl_in = {bl_in}")
        return bl
    target = max(bl_in, n // nr_dpus)
    for d in range(target, bl_in - 1, -1):
        if n % d == 0 and d % bl_in == 0:
            return d
    raise PimsimError(f"NW: n = {n} has no divisor that is a multiple of bl_in = {bl_in}; pass --param bl=")


def diagonal_blocks(nb: int) -> list[list[tuple[int, int]]]:
    """(block row, block column) of the blocks on each launch's anti-diagonal, in PrIM's order."""
    out = [[(blk - 1 - x, x) for x in range(blk)] for blk in range(1, nb + 1)]
    out += [[(nb + blk - 2 - x, x) for x in range(blk - 1, nb)] for blk in range(2, nb + 1)]
    return out


def assign(k: int, nr_dpus: int) -> list[int]:
    """How many of the diagonal's k blocks each of the min(k, D) DPUs takes, as PrIM: the
    first k % D one more; DPU i takes the run of blocks that follows DPU i-1's."""
    d = min(k, nr_dpus)
    chunks, rest = divmod(k, d)
    return [chunks + 1] * rest + [chunks] * (d - rest)


def block_runs(counts: list[int]) -> list[range]:
    """The block indices (into the diagonal's list) of each DPU, from `assign`'s counts."""
    ends = np.cumsum(counts).tolist()
    return [range(e - c, e) for c, e in zip(counts, ends)]


@numba.njit(cache=True)
def reference_scores(ref, n, penalty):
    s = np.zeros((n + 1, n + 1), np.int32)
    for j in range(n + 1):
        s[0, j] = -j * penalty
    for i in range(n + 1):
        s[i, 0] = -i * penalty
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            nw = s[i - 1, j - 1] + ref[i - 1, j - 1]
            w = s[i, j - 1] - penalty
            no = s[i - 1, j] - penalty
            k = w if nw <= w else nw
            s[i, j] = no if k <= no else k
    return s


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size, minimum=2)
    nr = check_dpus(NAME, dpus, config)
    bl_in, penalty = int(params["bl_in"]), int(params["penalty"])
    bl = block_side(n, nr, int(params["bl"]), bl_in)
    nb = n // bl
    es = K.T.itemsize
    w = bl + 2
    slot, ref_slot = K.Shape(0, 1, bl, bl_in).slot_bytes, K.Shape(0, 1, bl, bl_in).ref_slot_bytes
    kernel = K.make_kernel(bl, bl_in)
    items = ref = None
    if not timing_only:
        ref = rng(seed).integers(-4, 12, (n, n)).astype(K.T)
        items = np.zeros((n + 2, n + 2), K.T)
        items[0, :n + 1] = -np.arange(n + 1) * penalty
        items[:n + 1, 0] = -np.arange(n + 1) * penalty
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(kernel, tasklets)
    itemset_cat = "inter_dpu" if nb > 1 else "cpu_dpu"
    for blocks in diagonal_blocks(nb):
        counts = assign(len(blocks), nr)
        active = counts[0]
        act_dpus = range(len(counts))
        idle = K.make_args(0, 0, penalty)
        per = {c: K.make_args(c, active, penalty) for c in set(counts)}
        s.push_xfer("DPU_INPUT_ARGUMENTS", [per[c] for c in counts] + [idle] * (nr - len(counts)))
        parts = block_runs(counts) if items is not None else None
        bufs = None
        if items is not None:
            bufs = []
            for d, idx in enumerate(parts):
                buf = np.zeros(active * (slot + ref_slot) // es, K.T)
                for k, b in enumerate(idx):
                    by, bx = blocks[b]
                    sl = buf[k * slot // es:(k + 1) * slot // es].reshape(bl + 1, w)
                    sl[0] = items[by * bl, bx * bl:bx * bl + w]
                    sl[1:, :2] = items[by * bl + 1:by * bl + bl + 1, bx * bl:bx * bl + 2]
                    r0 = (active * slot + k * ref_slot) // es
                    buf[r0:r0 + bl * bl] = ref[by * bl:(by + 1) * bl, bx * bl:(bx + 1) * bl].reshape(-1)
                bufs.append(buf)
        s.place(K.HEAP, active * (slot + ref_slot), bufs, dpus=range(len(counts)))
        with s.category(itemset_cat):
            s.repeated_transfers(TO_DPU, dict.fromkeys(act_dpus, w * es), active)
            s.repeated_transfers(TO_DPU, dict.fromkeys(act_dpus, 2 * es), active * bl)
        s.repeated_transfers(TO_DPU, dict.fromkeys(act_dpus, bl * es), active * bl)
        s.launch()
        s.repeated_transfers(FROM_DPU, dict.fromkeys(act_dpus, w * es), active * bl)
        if items is not None:
            for d, idx in enumerate(parts):
                raw = s.memory[d].read(K.HEAP, 0, len(idx) * slot).view(K.T)
                for k, b in enumerate(idx):
                    by, bx = blocks[b]
                    sl = raw[k * slot // es:(k + 1) * slot // es].reshape(bl + 1, w)
                    items[by * bl + 1:by * bl + bl + 1, bx * bl:bx * bl + w] = sl[1:]
    s.host_compute(nbytes=2 * (2 * n) * 3 * es, ops=2 * n * 10)        # traceback: <= 2n steps
    if timing_only:
        return s.result(verified=None)
    got = items[:n + 1, :n + 1]
    want = reference_scores(ref, n, penalty)
    return s.result(outputs={"scores": got.copy()}, verified=bool(np.array_equal(got, want)))
