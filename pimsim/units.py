"""The one place where cycles, picoseconds, bytes and bandwidths are converted.

Simulated time (`env.now`) is an integer number of picoseconds. Clock domains differ
(DPU clock, host/DDR), so durations are never stored as cycles.
"""

PS_PER_S = 10**12
PS_PER_MS = 10**9
PS_PER_US = 10**6
MIB = 1 << 20
MB = 10**6
GB = 10**9


def cycle_ps(freq_mhz: float) -> float:
    """Length of one clock cycle in picoseconds (may be fractional, e.g. 2857.14 at 350 MHz)."""
    return 1e6 / freq_mhz


def cycles_to_ps(cycles: float, freq_mhz: float) -> int:
    """Duration of `cycles` clock cycles, rounded to the nearest picosecond."""
    return round(cycles * 1e6 / freq_mhz)


def ps_to_cycles(ps: float, freq_mhz: float) -> float:
    return ps * freq_mhz / 1e6


def ps_to_ms(ps: float) -> float:
    return ps / PS_PER_MS


def ps_to_s(ps: float) -> float:
    return ps / PS_PER_S


def transfer_ps(nbytes: float, gbps: float) -> float:
    """Time to move `nbytes` at `gbps` (10^9 bytes/s), in (fractional) picoseconds."""
    return nbytes / (gbps * GB) * PS_PER_S


def mib_per_s(nbytes: float, ps: float) -> float:
    """Bandwidth in MiB/s (PrIM's microbenchmarks report 'MB/s' that are 2^20 bytes/s)."""
    return nbytes / MIB / ps_to_s(ps)


def gb_per_s(nbytes: float, ps: float) -> float:
    return nbytes / GB / ps_to_s(ps)
