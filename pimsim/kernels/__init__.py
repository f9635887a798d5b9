"""DPU kernels: one module per kernel, each defining a `KERNEL` (pimsim.kernel.Kernel)."""
