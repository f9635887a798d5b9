"""STREAM-style streaming kernel: b[i] = a[i] + scalar over int32, in MRAM.

Each tasklet takes blocks round-robin (block b goes to tasklet b % T), reads a block into
WRAM, adds the scalar to every element, and writes it back to the output area. It is the
simplest kernel that exercises the whole DPU model, and the one the scale benchmark runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import MRAM, WRAM, DpuMemory, Kernel, Symbol

BLOCK_BYTES = 2048
ELEM = np.dtype(np.int32)
ARGS = np.dtype([("nbytes", np.uint32), ("scalar", np.int32)])
OPMIX = {"load_wram": 1, "add_int32": 1, "store_wram": 1, "loop": 1}   # per element


@dataclass(frozen=True)
class Shape:
    nbytes: int          # bytes of input on this DPU
    block_bytes: int = BLOCK_BYTES


def make_args(nbytes: int, scalar: int) -> np.ndarray:
    return np.array([(nbytes, scalar)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    return Shape(int(args["nbytes"][0]))


def program(ctx, s: Shape):
    per_elem = ctx.cost(OPMIX)
    nblocks = -(-s.nbytes // s.block_bytes)
    in_base, out_base = 0, s.nbytes
    ctx.mem_alloc(s.block_bytes)
    for b in range(ctx.id, nblocks, ctx.nr_tasklets):
        size = min(s.block_bytes, s.nbytes - b * s.block_bytes)
        yield from ctx.dma_read(size, mram_addr=in_base + b * s.block_bytes)
        yield from ctx.compute(instructions=per_elem * (size // ELEM.itemsize))
        yield from ctx.dma_write(size, mram_addr=out_base + b * s.block_bytes)


@numba.njit(cache=True)
def _add_scalar(src, dst, scalar):
    for i in range(src.size):
        dst[i] = src[i] + scalar


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    n = int(args["nbytes"][0]) // ELEM.itemsize
    src = mem.view("MRAM", ELEM, 0, n)
    dst = mem.view("MRAM", ELEM, n * ELEM.itemsize, n)
    _add_scalar(src, dst, np.int32(args["scalar"][0]))


KERNEL = Kernel(
    name="stream", fixed_phases=True,
    symbols=(Symbol("DPU_INPUT_ARGUMENTS", WRAM, ARGS.itemsize), Symbol("MRAM", MRAM, 64 << 20)),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
)
