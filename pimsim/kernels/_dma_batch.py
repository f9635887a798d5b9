"""Deprecated shim: batched DMAs are a core verb now, ctx.dma_read/dma_write(..., count=n)."""
from __future__ import annotations

from pimsim.hw.dma import READ


def dma_batch(ctx, direction: str, nbytes: int, count: int, mram_addr: int = 0, wram_addr: int = 0):
    if count <= 0:
        return
    verb = ctx.dma_read if direction == READ else ctx.dma_write
    yield from verb(nbytes, mram_addr, wram_addr, count=count)
