"""Hardware models: the DPU (tasklets, pipeline, DMA, sync) and the host side (ranks, channels)."""
