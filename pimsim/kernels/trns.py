"""PrIM TRNS: in-place transposition of one DPU's column stripe, int64, steps 2 and 3 of the
3-step algorithm, two kernels in one binary selected by DPU_INPUT_ARGUMENTS.kernel
(PrIM TRNS/dpu/task.c).

MRAM heap: the stripe, M_ tiles of m x n elements (M_*m rows of n, as step 1 wrote them),
then the "done" array of step 3 (one bit per m-element group; PrIM reads the 8-byte word at
the 8-aligned address below done_array + group and tests bit group % 8 of it).

Step 2 (kernel 0): tiles are dealt round-robin (tile t to tasklet t % NR_TASKLETS); per tile:
mram_read in <= 2048-byte pieces, backup[i*m - (m*n-1)*(i/n)] = data[i] for the m*n elements
(an m x n -> n x m transpose in WRAM), mram_write back.
Step 3 (kernel 1): the M_*n groups of m elements are permuted in place by following the
cycles of g -> g*M_ mod (M_*n - 1). Tasklets take start groups from a shared counter
(tile_mutex); per start group: skip fixed points; read the group; test its done bit (under
done_mutex: 8-byte read); then along the cycle: read the next group, test-and-set its done bit
(8-byte read + 8-byte write under done_mutex), write the carried group there if it was not
done, carry the one just read, step to the next group. The timing program runs that dynamic
schedule itself (shared counter and done bits per simulated DPU), one DMA or lock per event.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, args_symbol, mulsi3, prologue

T = np.dtype(np.int64)
DMA_MAX = 2048
STEP2, STEP3 = 0, 1
# dpu_arguments_t {uint32_t m; uint32_t n; uint32_t M_; enum kernels kernel;}
ARGS = np.dtype([("m", np.uint32), ("n", np.uint32), ("M_", np.uint32), ("kernel", np.uint32)])

# step 2, per element i: q = i/n (__udivsi3), (m*n-1)*q (__mulsi3, added per element below),
# i*m (strength-reduced to an add), subtract, scale the index to bytes, load data[i], store
STEP2_ELEM = {"div_uint32": 1, "add_uint32": 2, "logic_int32": 1, "load_wram": 1, "store_wram": 1, "loop": 1}
TILE_LOOP = {"loop": 1, "add_uint32": 2, "call": 2}              # tile += T; offsets; read/write helpers
GET_TILE = {"load_wram": 1, "add_uint32": 1, "store_wram": 1}     # value = curr_tile++ (inside tile_mutex)
DONE_TEST = {"load_wram": 1, "logic_int32": 3, "cmp_branch": 1}   # (*read_done & (1 << (addr % 8))) != 0
DONE_SET = {"logic_int32": 2, "store_wram": 1}                    # *read_done |= 1 << (addr % 8)
COPY_ELEM = {"load_wram": 1, "store_wram": 1, "loop": 1}          # data[i] = backup[i]
# next = next*M_ - tile_max*(next/n): two __mulsi3 (added per step below), one __udivsi3, a subtract
NEXT = {"div_uint32": 1, "sub_uint32": 1, "cmp_branch": 2}
CALL = {"call": 1}


@dataclass(frozen=True)
class Shape:
    kernel: int
    m: int
    n: int
    M_: int

    @property
    def stripe_bytes(self) -> int:
        return self.M_ * self.m * self.n * T.itemsize


def make_args(m: int, n: int, M_: int, kernel: int) -> np.ndarray:
    return np.array([(m, n, M_, kernel)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    return Shape(int(args["kernel"][0]), int(args["m"][0]), int(args["n"][0]), int(args["M_"][0]))


def done_bytes(M_: int, n: int) -> int:
    """Bytes PrIM pushes to reset the done array: M_*n (8 when that is < 8), here rounded up to 8."""
    return max(8, -(-(M_ * n) // 8) * 8)


def _bits(x: int) -> int:
    return max(1, int(x).bit_length())


@lru_cache(maxsize=None)
def step2_tile_instructions(costs: tuple, m: int, n: int) -> float:
    """Instructions of one tile's permutation loop: per element the fixed op-mix plus the
    __mulsi3 of (m*n-1) * (i/n), whose smaller operand is i/n."""
    table = dict(costs)
    cost = lambda mix: sum(table[k] * v for k, v in mix.items())  # noqa: E731
    total = cost(STEP2_ELEM) * m * n
    for i in range(m * n):
        total += cost(mulsi3(min(m * n - 1, i // n).bit_length()))
    return total


def _pieces(nbytes: int):
    off = 0
    while off < nbytes:
        yield off, min(DMA_MAX, nbytes - off)
        off += DMA_MAX


def step2_program(ctx, s: Shape):
    yield from prologue(ctx)
    tile_bytes = s.m * s.n * T.itemsize
    data = ctx.mem_alloc(tile_bytes)
    backup = ctx.mem_alloc(tile_bytes)
    costs = tuple(sorted(ctx.cfg.ops.instructions.items()))
    work = ctx.cost(TILE_LOOP) + step2_tile_instructions(costs, s.m, s.n)
    for tile in range(ctx.id, s.M_, ctx.nr_tasklets):
        base = tile * tile_bytes
        for off, size in _pieces(tile_bytes):
            yield from ctx.dma_read(size, base + off, data + off)
        yield from ctx.compute(instructions=work)
        for off, size in _pieces(tile_bytes):
            yield from ctx.dma_write(size, base + off, backup + off)


class _Step3State:
    """What the tasklets of one simulated DPU share in step 3: curr_tile and the done bits."""

    def __init__(self, groups: int):
        self.curr_tile = 0
        self.done = bytearray(groups)


def step3_program(ctx, s: Shape):
    yield from prologue(ctx)
    st = ctx.dpu.__dict__.setdefault("trns_step3", _Step3State(s.M_ * s.n))
    group_bytes = s.m * T.itemsize
    done_base = s.stripe_bytes
    tile_max = s.M_ * s.n - 1
    data = ctx.mem_alloc(group_bytes)
    backup = ctx.mem_alloc(group_bytes)
    word = ctx.mem_alloc(T.itemsize)
    c = ctx.cost
    copy = c(COPY_ELEM) * s.m
    nxt_fixed = c(NEXT)
    test_set = c(DONE_TEST) + c(DONE_SET)

    def step(g: int) -> tuple[int, float]:
        q = g // s.n
        instr = nxt_fixed + c(mulsi3(min(g, s.M_).bit_length())) + c(mulsi3(min(tile_max, q).bit_length()))
        return g * s.M_ - tile_max * q, instr

    def get_tile():
        yield from ctx.compute(CALL)
        yield from ctx.mutex_lock("tile_mutex")
        value = st.curr_tile
        st.curr_tile += 1
        yield from ctx.compute(GET_TILE)
        yield from ctx.mutex_unlock("tile_mutex")
        return value

    def test_done(g: int, set_it: bool):
        yield from ctx.compute(CALL)
        yield from ctx.mutex_lock("done_mutex")
        yield from ctx.dma_read(T.itemsize, (done_base + g) & ~7, word)
        was = bool(st.done[g])
        if set_it:
            st.done[g] = 1
            yield from ctx.compute(instructions=test_set)
            yield from ctx.dma_write(T.itemsize, (done_base + g) & ~7, word)
        else:
            yield from ctx.compute(DONE_TEST)
        yield from ctx.mutex_unlock("done_mutex")
        return was

    tile = yield from get_tile()
    while tile < tile_max:
        nxt, instr = step(tile)
        yield from ctx.compute(instructions=instr)
        if nxt == tile:
            tile = yield from get_tile()
            continue
        yield from ctx.dma_read(group_bytes, tile * group_bytes, data)
        done = yield from test_done(tile, False)
        while not done:
            yield from ctx.dma_read(group_bytes, nxt * group_bytes, backup)
            done = yield from test_done(nxt, True)
            if not done:
                yield from ctx.dma_write(group_bytes, nxt * group_bytes, data)
            nxt, instr = step(nxt)
            yield from ctx.compute(instructions=copy + instr)
        tile = yield from get_tile()


def program(ctx, s: Shape):
    return step2_program(ctx, s) if s.kernel == STEP2 else step3_program(ctx, s)


@numba.njit(cache=True)
def _step2(a, m, n, M_, nr_tasklets):
    tile_elems = m * n
    backup = np.empty(tile_elems, np.int64)
    for t in range(nr_tasklets):
        for tile in range(t, M_, nr_tasklets):
            base = tile * tile_elems
            for i in range(tile_elems):
                backup[i * m - (tile_elems - 1) * (i // n)] = a[base + i]
            a[base:base + tile_elems] = backup


@numba.njit(cache=True)
def _step3(a, m, n, M_):
    """Cycle-following permutation of the M_*n groups of m elements (the order in which the
    tasklets take the cycles does not change the result)."""
    tile_max = M_ * n - 1
    done = np.zeros(M_ * n, np.uint8)
    data = np.empty(m, np.int64)
    for tile in range(tile_max):
        nxt = (tile * M_) - tile_max * (tile // n)
        if nxt == tile or done[tile]:
            continue
        data[:] = a[tile * m:(tile + 1) * m]
        while not done[nxt]:
            done[nxt] = 1
            backup = a[nxt * m:(nxt + 1) * m].copy()
            a[nxt * m:(nxt + 1) * m] = data
            data[:] = backup
            nxt = (nxt * M_) - tile_max * (nxt // n)


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    a = mem.view(HEAP, T, 0, s.M_ * s.m * s.n)
    if s.kernel == STEP2:
        _step2(a, s.m, s.n, s.M_, nr_tasklets)
    else:
        _step3(a, s.m, s.n, s.M_)
        mem.view(HEAP, np.uint8, s.stripe_bytes, done_bytes(s.M_, s.n))[:] = 0xFF


KERNEL = Kernel(
    name="trns", symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: s.stripe_bytes + (done_bytes(s.M_, s.n) if s.kernel == STEP3 else 0)},
)
