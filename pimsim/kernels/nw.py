"""PrIM NW: Needleman-Wunsch score blocks, int32 (PrIM NW/dpu/task.c).

One launch computes the BL x BL score blocks a DPU got for one block anti-diagonal. MRAM heap:
`active_blocks` itemset slots of (BL+1) x (BL+2) int32 (row 0: the block's top boundary row
incl. the corner; rows 1..BL: the left boundary pair), then `active_blocks` reference slots of
BL x BL. Per block the tasklets run a wavefront over BL_IN x BL_IN sub-blocks: REP+1 top-left
diagonals (0..REP sub-blocks) then REP-1 bottom-right ones, each split into contiguous chunks
over the tasklets (the first k % T get one more), with a barrier after every diagonal. Per
sub-block: read its top row ((BL_IN+2) x 4 B), BL_IN left pairs (8 B), BL_IN reference rows
(BL_IN x 4 B); compute BL_IN^2 cells max(nw + ref, w - penalty, n - penalty); write BL_IN rows
of (BL_IN+2) x 4 B.

Timing shortcut (exact at diagonal granularity, see `diagonal`): every diagonal starts right
after a barrier, with the DMA engine idle and no compute in flight, so its duration and work
depend only on the tasklets' chunk sizes. A diagonal is simulated once per chunk vector (its
own small SimPy run, cached) and replayed in the kernel as one wait per tasklet, adding that
run's instructions and DMA traffic (the barrier's own instructions are part of that run, as
they overlap the other tasklets' work). Chunks longer than CHUNK_EXACT sub-blocks are
extrapolated linearly from the runs at CHUNK_EXACT and CHUNK_EXACT + 1 (steady state: each
further sub-block per tasklet adds the same time); tests check this against full simulation.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from pimsim.engine import run_dpu
from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, args_symbol, mulsi3, prologue
from pimsim.units import cycles_to_ps

T = np.dtype(np.int32)
# dpu_arguments_t {uint32_t nblocks; uint32_t active_blocks; uint32_t penalty; uint32_t dummy;}
ARGS = np.dtype([("nblocks", np.uint32), ("active_blocks", np.uint32), ("penalty", np.uint32),
                 ("dummy", np.uint32)])
# one cell (BL_IN is a compile-time constant: the i/j loops unroll, WRAM offsets are immediates):
# 3 itemset loads + 1 reference load, add, 2 subtracts, maximum() = 2 compare-and-branch, store
CELL = {"load_wram": 4, "add_int32": 1, "sub_int32": 2, "cmp_branch": 2, "store_wram": 1}
# per sub-block: loop, t_index_y, the itemset/reference MRAM addresses and WRAM offsets
SUB_BLOCK = {"loop": 1, "add_int32": 8, "sub_int32": 1, "logic_int32": 2}
# per diagonal: chunks = k / T, mod = k % T (T is a constant: shifts/multiplies by constants), start
DIAG = {"add_int32": 4, "cmp_branch": 3, "logic_int32": 2}
BLOCK = {"add_int32": 2, "loop": 1}          # next itemset / reference slot
CHUNK_EXACT = 4


@dataclass(frozen=True)
class Shape:
    nblocks: int
    active_blocks: int
    bl: int
    bl_in: int

    @property
    def slot_bytes(self) -> int:
        return (self.bl + 1) * (self.bl + 2) * T.itemsize

    @property
    def ref_slot_bytes(self) -> int:
        return self.bl * self.bl * T.itemsize


def make_args(nblocks: int, active_blocks: int, penalty: int) -> np.ndarray:
    return np.array([(nblocks, active_blocks, penalty, 0)], dtype=ARGS)


def diagonals(rep: int) -> list[int]:
    """Sub-blocks on each wavefront diagonal of a block: 0..REP, then REP-1..1."""
    return list(range(rep + 1)) + [rep - blk + 1 for blk in range(2, rep + 1)]


def chunk_sizes(k: int, nr_tasklets: int) -> tuple[int, ...]:
    c, mod = divmod(k, nr_tasklets)
    return tuple(c + (1 if t < mod else 0) for t in range(nr_tasklets))


@dataclass(frozen=True)
class _Diag:
    chunks: tuple[int, ...]
    bl: int
    bl_in: int


def chunk_work(ctx, d: _Diag):
    """One tasklet's share of one diagonal, as PrIM runs it (before its barrier_wait)."""
    bi = d.bl_in
    rep = d.bl // bi
    work = (ctx.cost(SUB_BLOCK) + 2 * ctx.cost(mulsi3(rep.bit_length()))
            + bi * bi * ctx.cost(CELL))
    yield from ctx.compute(DIAG)
    for _ in range(d.chunks[ctx.id]):
        yield from ctx.dma_read((bi + 2) * T.itemsize)
        for _ in range(bi):
            yield from ctx.dma_read(2 * T.itemsize)
        for _ in range(bi):
            yield from ctx.dma_read(bi * T.itemsize)
        yield from ctx.compute(instructions=work)
        for _ in range(bi):
            yield from ctx.dma_write((bi + 2) * T.itemsize)


def _diagonal_program(ctx, d: _Diag):
    yield from chunk_work(ctx, d)
    # the instructions of barrier_wait belong to the diagonal: a tasklet that arrives early
    # issues them while the others still work (the replay then only synchronises)
    yield from ctx.compute(instructions=ctx.cfg.ops.instructions["barrier_wait"])


@dataclass(frozen=True)
class Replay:
    finish_ps: tuple[int, ...]
    instructions: tuple[float, ...]
    read_bytes: int
    write_bytes: int
    reads: int
    writes: int
    busy_ps: int

    def scaled(self, base: "Replay", times: int) -> "Replay":
        """base + times * (self - base), elementwise."""
        def lin(a, b):
            return b + times * (a - b)
        return Replay(tuple(round(lin(a, b)) for a, b in zip(self.finish_ps, base.finish_ps)),
                      tuple(lin(a, b) for a, b in zip(self.instructions, base.instructions)),
                      lin(self.read_bytes, base.read_bytes), lin(self.write_bytes, base.write_bytes),
                      lin(self.reads, base.reads), lin(self.writes, base.writes), lin(self.busy_ps, base.busy_ps))


_REPLAYS: dict = {}


def _simulate(cfg, chunks: tuple[int, ...], bl: int, bl_in: int) -> Replay:
    key = (cfg.dpu_model_hash(), chunks, bl, bl_in)
    hit = _REPLAYS.get(key)
    if hit is None:
        hit = _REPLAYS[key] = _run(cfg, chunks, bl, bl_in)
    return hit


def _run(cfg, chunks: tuple[int, ...], bl: int, bl_in: int) -> Replay:
    r = run_dpu(_diagonal_program, _Diag(chunks, bl, bl_in), len(chunks), cfg)
    f = cfg.dpu.freq_mhz
    return Replay(tuple(cycles_to_ps(c, f) for c in r.finish_cycles), r.instructions,
                  r.dma_read_bytes, r.dma_write_bytes, r.dma_read_count, r.dma_write_count,
                  cycles_to_ps(r.dma_busy_cycles, f))


def diagonal(cfg, chunks: tuple[int, ...], bl: int, bl_in: int, exact: bool = False) -> Replay:
    """Timing and work of one diagonal with these per-tasklet chunk sizes."""
    c = min(chunks)
    if exact or c <= CHUNK_EXACT:
        return _simulate(cfg, chunks, bl, bl_in)
    extra = c - CHUNK_EXACT
    base = _simulate(cfg, tuple(x - extra for x in chunks), bl, bl_in)
    step = _simulate(cfg, tuple(x - extra + 1 for x in chunks), bl, bl_in)
    return step.scaled(base, extra)


def shape_of(bl: int, bl_in: int):
    def shape(args: np.ndarray) -> Shape:
        return Shape(int(args["nblocks"][0]), int(args["active_blocks"][0]), bl, bl_in)
    return shape


def program(ctx, s: Shape, exact: bool = False):
    yield from prologue(ctx)
    ctx.mem_alloc((s.bl_in + 1) * (s.bl_in + 2) * T.itemsize)
    ctx.mem_alloc(s.bl_in * s.bl_in * T.itemsize)
    dpu, env, t = ctx.dpu, ctx.dpu.env, ctx.id
    rep = s.bl // s.bl_in
    for _ in range(s.nblocks):
        for k in diagonals(rep):
            r = diagonal(ctx.cfg, chunk_sizes(k, ctx.nr_tasklets), s.bl, s.bl_in, exact)
            if t == 0:                       # the diagonal's DMA traffic, booked once
                dpu.dma.bytes["read"] += r.read_bytes
                dpu.dma.bytes["write"] += r.write_bytes
                dpu.dma.count["read"] += r.reads
                dpu.dma.count["write"] += r.writes
                dpu.dma.busy_ps += r.busy_ps
                dpu.dma.write_end = max(dpu.dma.write_end, s.active_blocks * s.slot_bytes)
            ctx.instructions += r.instructions[t]
            ctx.compute_ps += r.finish_ps[t]
            yield env.timeout(r.finish_ps[t])
            barrier = dpu.barrier("my_barrier", None)
            yield from ctx._sync_wait(barrier.wait(t), "barrier 'my_barrier'", env.now)
        yield from ctx.compute(BLOCK)


def exact_program(ctx, s: Shape):
    """The kernel with the replay but no extrapolation of long chunks (for tests)."""
    return program(ctx, s, exact=True)


def full_program(ctx, s: Shape):
    """The kernel simulated sub-block by sub-block, without the replay (for tests)."""
    yield from prologue(ctx)
    ctx.mem_alloc((s.bl_in + 1) * (s.bl_in + 2) * T.itemsize)
    ctx.mem_alloc(s.bl_in * s.bl_in * T.itemsize)
    for _ in range(s.nblocks):
        for k in diagonals(s.bl // s.bl_in):
            yield from chunk_work(ctx, _Diag(chunk_sizes(k, ctx.nr_tasklets), s.bl, s.bl_in))
            yield from ctx.barrier_wait("my_barrier")
        yield from ctx.compute(BLOCK)


@numba.njit(cache=True)
def _blocks(heap, nblocks, active_blocks, bl, penalty):
    """Score every assigned block: itemset slot rows of bl+2 int32, reference rows of bl."""
    w = bl + 2
    slot = (bl + 1) * w
    ref_base = active_blocks * slot
    for b in range(nblocks):
        s0 = b * slot
        r0 = ref_base + b * bl * bl
        for i in range(1, bl + 1):
            for j in range(1, bl + 1):
                nw = heap[s0 + (i - 1) * w + j - 1] + heap[r0 + (i - 1) * bl + j - 1]
                west = heap[s0 + i * w + j - 1] - penalty
                north = heap[s0 + (i - 1) * w + j] - penalty
                k = west if nw <= west else nw
                heap[s0 + i * w + j] = north if k <= north else k


@lru_cache(maxsize=None)
def make_kernel(bl: int, bl_in: int) -> Kernel:
    """BL and BL_IN are compile-time constants of PrIM's NW binary."""
    if bl_in < 2 or bl_in % 2 or bl % bl_in:
        raise ValueError(f"BL_IN = {bl_in} must be even (8-byte DMAs) and divide BL = {bl}")
    shape = shape_of(bl, bl_in)

    def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
        s = shape(args)
        if s.nblocks == 0:
            return
        words = s.active_blocks * (s.slot_bytes + s.ref_slot_bytes) // T.itemsize
        _blocks(mem.view(HEAP, T, 0, words), s.nblocks, s.active_blocks, s.bl, int(args["penalty"][0]))

    return Kernel(
        name=f"nw[BL={bl},BL_IN={bl_in}]", symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
        program=program, shape=shape, signature=lambda s: s, functional=functional,
        writes=lambda s: {HEAP: s.active_blocks * (s.slot_bytes + s.ref_slot_bytes)},
    )
