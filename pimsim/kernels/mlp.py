"""PrIM MLP: one fully-connected layer C = A x B over int32 on each DPU, launched once per
layer (PrIM Benchmarks/MLP/dpu/task.c; the top-level MLP/dpu/task.c is not in the stored
sources, the Benchmarks/ copy is used).

The DPU code is PrIM's GEMV loop with T = int32: MRAM heap holds A (rows of n_size elements,
packed; max_rows x n_size_pad reserved), then B (n_size_pad), then C (max_rows). Tasklets own
contiguous runs of rows in pairs (kernels/gemv.py: tasklet_rows); per row the row and B are
streamed in 1 KB blocks (B re-read for every row) and multiply-accumulated into cache_C[pos];
after each pair of rows 8 B of C are written. Rows starting at a 4-mod-8 address (odd n) are
read from the aligned-down address, shifted by one element in WRAM and completed with an 8 B
read. No ReLU on the DPU (PrIM applies none between layers; its inputs keep C >= 0).

The multiply: PrIM's weights are 0 or 1 and every activation is >= 0, so the smaller operand
of each __mulsi3 has at most one bit: one mul_step per multiply.
"""
from __future__ import annotations

import numpy as np

from pimsim.kernel import Kernel
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, args_symbol, mulsi3
from pimsim.kernels.gemv import ARGS, Shape, make_args, matvec, row_pairs, shape

T = np.dtype(np.int32)
MUL_BITS = 1        # min(weight in {0, 1}, activation >= 0) has at most one significant bit
# bufferC[pos] += bufferA[i] * bufferB[i]: C may alias A/B, so it is loaded and stored each time
PER_MAC = {"load_wram": 3, "store_wram": 1, "add_int32": 1, "loop": 1, **mulsi3(MUL_BITS)}

__all__ = ["ARGS", "KERNEL", "PER_MAC", "Shape", "T", "make_args", "shape"]


def program(ctx, s: Shape):
    # PrIM's MLP reads B after the shift in a row's last block, before it in full blocks
    return row_pairs(ctx, s, PER_MAC, last_reads_b_first=False)


def functional(mem, args: np.ndarray, nr_tasklets: int) -> None:
    matvec(mem, shape(args), T)


KERNEL = Kernel(
    name="mlp", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: s.c_offset + s.max_rows * T.itemsize},
)
