"""Pieces shared by the PrIM kernels: the common prologue, block-cyclic block lists, and the
per-block bookkeeping op-mix every PrIM block loop pays.

Every PrIM kernel starts with tasklet 0 calling mem_reset() and all tasklets meeting at a
barrier (BARRIER_INIT(my_barrier, NR_TASKLETS)); `prologue` is that.
"""
from __future__ import annotations

from pimsim.kernel import MRAM, WRAM, Symbol

BLOCK_BYTES = 1024          # PrIM run scripts build with BL=10 (docs/research/prim_kernels.md §0)
HEAP = "DPU_MRAM_HEAP_POINTER"
ARGS_SYMBOL = "DPU_INPUT_ARGUMENTS"
MRAM_HEAP_SYMBOL = Symbol(HEAP, MRAM, 64 << 20)

# Per block of a block loop: loop back-edge, the bound check (l_size = min(...)), the MRAM
# address arithmetic and the call into the per-block helper (vector_addition, reduction...).
BLOCK_LOOP = {"loop": 1, "cmp_branch": 1, "add_int32": 2, "call": 1}


def args_symbol(nbytes: int) -> Symbol:
    return Symbol(ARGS_SYMBOL, WRAM, nbytes)


def prologue(ctx):
    """if (me() == 0) mem_reset(); barrier_wait(&my_barrier);"""
    if ctx.id == 0:
        ctx.dpu.mem_reset()
    yield from ctx.barrier_wait("my_barrier")


def cyclic_blocks(tasklet: int, nr_tasklets: int, nbytes: int, block: int = BLOCK_BYTES):
    """(byte_index, l_size_bytes) of the blocks tasklet `tasklet` processes in PrIM's
    `for (byte_index = me() * BLOCK; byte_index < size; byte_index += BLOCK * NR_TASKLETS)`."""
    out = []
    b = tasklet * block
    step = block * nr_tasklets
    while b < nbytes:
        out.append((b, block if b + block < nbytes else nbytes - b))
        b += step
    return out


def mulsi3(min_operand_bits: float) -> dict:
    """Op-mix of one 32-bit integer multiply a*b: the runtime's __mulsi3 (UPMEM dpu-rt mul32.c)
    orders the operands (mul32_setup) and runs one mul_step per significant bit of the smaller
    one; the unrolled chain exits once the remaining bits are zero (at least one step)."""
    return {"mul32_setup": 1, "mul_step": max(1.0, float(min_operand_bits))}
