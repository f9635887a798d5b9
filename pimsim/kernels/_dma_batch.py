"""Issue `count` equal mram_read/mram_write calls of one tasklet as one phase.

SpMV and BFS make thousands of small DMAs per tasklet (256 B input-vector tiles, 8 B bitmap
words). One event per DMA makes a 2,048-DPU BFS level cost millions of events, so their
programs gather the DMAs of a stretch of the loop into one batch: the tasklet issues the
`count` calls' instructions (dma_issue each) through the pipeline, then queues `count`
transfers back to back on the DPU's FIFO DMA engine and waits for the last. This books on the
engine exactly what `count` consecutive DmaEngine.transfer calls at the same instant would
(same per-call service time and rounding, bytes, counts, busy time, pipeline-stall hook);
what it gives up is the interleaving of the tasklet's own compute between those calls. For a
lone tasklet the time is identical; with many tasklets the engine's total work is identical
and only the overlap pattern within one batch differs. (A `count` argument on
DmaEngine.transfer would make this a core verb.)
"""
from __future__ import annotations

from pimsim.hw.dma import READ, WRITE, check_dma


def dma_batch(ctx, direction: str, nbytes: int, count: int, mram_addr: int = 0, wram_addr: int = 0):
    """`count` transfers of `nbytes`; `mram_addr` is checked (alignment, bounds) and, for writes,
    is the highest address written (the host may read back up to mram_addr + nbytes)."""
    if count <= 0:
        return
    if count == 1:
        yield from (ctx.dma_read if direction == READ else ctx.dma_write)(nbytes, mram_addr, wram_addr)
        return
    d, env = ctx.dpu, ctx.dpu.env
    check_dma(ctx.cfg.dma, direction, nbytes, mram_addr, wram_addr, ctx.cfg.dpu.mram_bytes,
              ctx.cfg.dpu.wram_bytes, who=f"tasklet {ctx.id}")
    if d.dma_log is not None:
        d.dma_log.extend([(ctx.id, direction, nbytes, mram_addr)] * count)
    issue = ctx.cfg.ops.instructions["dma_issue"]
    if issue:
        yield from ctx.compute(instructions=issue * count)
    eng = d.dma
    start = now = env.now
    was_idle = eng._free_at <= now
    one = round(eng.service_cycles(direction, nbytes) * eng.cycle_ps)
    eng._free_at = max(now, eng._free_at) + one * count
    eng.busy_ps += one * count
    eng.bytes[direction] += nbytes * count
    eng.count[direction] += count
    if direction == WRITE:
        eng.write_end = max(eng.write_end, mram_addr + nbytes)
    done = env.timeout(eng._free_at - now)
    if eng.on_busy_change is not None:
        if was_idle:
            eng.on_busy_change(True)
        done.callbacks.append(eng._check_idle)
    ctx.waiting_on = f"DMA {direction} x{count}"
    yield done
    ctx.dma_ps += env.now - start
    ctx._mark(f"dma_{direction}", start)
