"""Host side of the machine: which rank and DDR channel each DPU sits on, and how long a
host<->DPU transfer call takes.

Model (every constant from the preset's [transfer] section, cited there):
- A rank's link moves data for its DPUs in parallel at serial_bw * chips^a * positions^b, per
  direction: the SDK writes one line per DPU position that carries every chip's bytes, so
  DPUs on other chips come cheaper than DPUs at other positions (rank_bandwidth_gbps).
- Ranks on one DDR channel share its bandwidth; channels run in parallel. A transfer call
  lasts as long as its slowest channel: max(slowest rank on it, bytes on it / channel_bw).
- Every call pays a fixed overhead, per direction (a DPU->CPU call costs more than a CPU->DPU
  one on measured machines), so bandwidth grows with transfer size.
- A broadcast sends the buffer once per rank; the rank delivers it to all its DPUs.
- A CPU->DPU call gathers its bytes from the host's source buffers; the share of them beyond
  what the host cache holds comes from host DRAM and lengthens each rank's part of the call
  (uncached_source_ps).
- WRAM symbols take another path (`wram_transfer`): the SDK reaches WRAM through each chip's
  control interface, one DPU per chip at a time, word by word, with no bandwidth law.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import HostApiError
from pimsim.units import MB, PS_PER_S, PS_PER_US, transfer_ps

TO_DPU, FROM_DPU = "to_dpu", "from_dpu"


@dataclass(frozen=True)
class Topology:
    """DPU i lives in rank i // dpus_per_rank; ranks are dealt round-robin over channels
    (socket-major), so consecutive ranks land on different channels as the OS interleaves them."""
    nr_dpus: int
    dpus_per_rank: int
    nr_ranks: int
    nr_channels: int

    @classmethod
    def of(cls, cfg: SystemConfig, nr_dpus: int) -> "Topology":
        t = cfg.topology
        channels = t.nr_sockets * t.controllers_per_socket * t.channels_per_controller
        return cls(nr_dpus, t.dpus_per_rank, -(-nr_dpus // t.dpus_per_rank), channels)

    def rank_of(self, dpu: int) -> int:
        return dpu // self.dpus_per_rank

    def channel_of_rank(self, rank: int) -> int:
        return rank % self.nr_channels

    def dpus_per_rank_of(self, dpus: Sequence[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for d in dpus:
            r = d // self.dpus_per_rank
            counts[r] = counts.get(r, 0) + 1
        return counts


def _by_direction(cfg: SystemConfig, direction: str, field: str):
    """The [transfer] number `cpu_dpu_<field>` or `dpu_cpu_<field>` of `direction`."""
    prefix = {TO_DPU: "cpu_dpu_", FROM_DPU: "dpu_cpu_"}.get(direction)
    if prefix is None:
        raise HostApiError(f"transfer direction {direction!r}: use {TO_DPU!r} or {FROM_DPU!r}")
    return getattr(cfg.transfer, prefix + field)


def call_overhead_us(cfg: SystemConfig, direction: str) -> float:
    """The fixed host cost of one transfer call in `direction`."""
    return _by_direction(cfg, direction, "call_overhead_us")


def rank_bandwidth_gbps(cfg: SystemConfig, direction: str, chips, positions):
    """Bandwidth of a rank's link moving data for DPUs on `chips` of its chips at `positions` DPU
    positions: serial * chips^chip_exponent * positions^position_exponent. The SDK moves MRAM
    data one 64-byte line per DPU position, each line carrying 8 bytes for every chip of the
    rank (UPMEM SDK, xeon_sp backend, threads_write_to_rank / threads_read_from_rank, one
    thread per position): DPUs on other chips at one position share a line, DPUs at other
    positions need lines of their own."""
    return (_by_direction(cfg, direction, "serial_gbps") * chips ** _by_direction(cfg, direction, "chip_exponent")
            * positions ** _by_direction(cfg, direction, "position_exponent"))


def rank_layout(cfg: SystemConfig, topo: Topology, dpus: np.ndarray):
    """For distinct DPUs: (ranks used, sorted; chips used in each; DPU positions used in each).
    A rank numbers its DPUs chip-fastest: the SDK's transfer-matrix index is position x chips +
    chip, so DPUs 0..7 of a rank sit on 8 chips at position 0, DPUs 8..15 at position 1."""
    positions = cfg.topology.dpus_per_chip
    chips = topo.dpus_per_rank // positions
    ranks, local = dpus // topo.dpus_per_rank, dpus % topo.dpus_per_rank
    nr = int(ranks.max()) + 1 if dpus.size else 0
    # a (rank x chip) and a (rank x position) occupancy grid: O(DPUs), no sort on this hot path
    on_chip = np.bincount(ranks * chips + local % chips, minlength=nr * chips).reshape(nr, chips) > 0
    at_position = np.bincount(ranks * positions + local // chips, minlength=nr * positions).reshape(nr, positions) > 0
    used = np.flatnonzero(on_chip.any(axis=1))
    return used, on_chip.sum(axis=1)[used], at_position.sum(axis=1)[used]


def _slowest_rank_per_channel(chans: np.ndarray, rank_ps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(channels used, sorted; the busy time of each one's slowest rank) for ranks on `chans`."""
    on = np.unique(chans)
    slowest = np.zeros(int(on[-1]) + 1 if on.size else 0, rank_ps.dtype)
    np.maximum.at(slowest, chans, rank_ps)
    return on, slowest[on]


def uncached_source_ps(cfg: SystemConfig, direction: str, source_bytes: float, rank_bytes):
    """Extra busy time of ranks reading `rank_bytes` each from a CPU->DPU call's source buffers
    of `source_bytes` in all: the fraction beyond cpu_dpu_cached_source_mb is read from host
    DRAM, costing cpu_dpu_uncached_us_per_mb (MB = 10^6 bytes). Evidence (uPIMulator's server):
    CPU->DPU time grows faster than the bytes above ~8-12 MB per call, DPU->CPU time does not
    (docs/model.md)."""
    tr = cfg.transfer
    cached = tr.cpu_dpu_cached_source_mb * MB
    if direction != TO_DPU or source_bytes <= cached or not tr.cpu_dpu_uncached_us_per_mb:
        return 0.0                      # (adds to a rank array or a scalar alike)
    uncached = 1.0 - cached / source_bytes
    return np.asarray(rank_bytes, np.float64) * uncached * (tr.cpu_dpu_uncached_us_per_mb * PS_PER_US / MB)


@dataclass(frozen=True)
class TransferCost:
    total_ps: int
    rank_ps: Mapping[int, int]      # busy time of each rank involved
    channel_ps: Mapping[int, int]   # busy time of each channel involved
    bytes: int                      # bytes delivered to / read from DPUs


def parallel_transfer(cfg: SystemConfig, topo: Topology, direction: str,
                      bytes_per_dpu: Mapping[int, int], broadcast: bool = False,
                      source_bytes: int | None = None) -> TransferCost:
    """One dpu_push_xfer (or dpu_broadcast_to) call over the given DPUs ({DPU: bytes})."""
    dpus = np.fromiter(bytes_per_dpu.keys(), np.int64, len(bytes_per_dpu))
    sizes = np.fromiter(bytes_per_dpu.values(), np.int64, len(bytes_per_dpu))
    return parallel_transfer_arrays(cfg, topo, direction, dpus, sizes, broadcast, source_bytes)


def parallel_transfer_arrays(cfg: SystemConfig, topo: Topology, direction: str, dpus: np.ndarray,
                             sizes: np.ndarray, broadcast: bool = False,
                             source_bytes: int | None = None) -> TransferCost:
    """parallel_transfer for DPU k = dpus[k] moving sizes[k] bytes (distinct DPUs), worked out
    per rank and channel with numpy: calls span thousands of DPUs and sweeps make thousands.
    source_bytes: the host bytes the call reads, when DPUs share host buffers (BS sends one
    array to every DPU); by default every DPU's bytes come from a buffer of its own."""
    tr = cfg.transfer
    ranks = dpus // topo.dpus_per_rank
    counts = np.bincount(ranks)
    largest = np.zeros(counts.size, np.int64)
    np.maximum.at(largest, ranks, sizes)
    used, chips, positions = rank_layout(cfg, topo, dpus)     # the ranks taking part, in order
    n, biggest = counts[used], largest[used]
    if broadcast:
        # The host sends the buffer once; the rank delivers it to all its DPUs at the
        # measured full-rank broadcast rate (bytes delivered per DPU-rank).
        link_bytes = biggest
        t = transfer_ps(link_bytes * topo.dpus_per_rank, tr.broadcast_rank_gbps)
        source = int(biggest.max(initial=0))            # one buffer, read by every rank
    else:
        # A parallel transfer moves equal-size buffers; the rank is as slow as its largest.
        link_bytes = biggest * n
        t = transfer_ps(link_bytes, rank_bandwidth_gbps(cfg, direction, chips, positions))
        source = int(sizes.sum()) if source_bytes is None else source_bytes
    t = t + uncached_source_ps(cfg, direction, source, link_bytes) + n * tr.per_dpu_overhead_us * PS_PER_US
    # Ranks share their DDR channel: a channel is busy for its slowest rank, or for all its
    # ranks' bytes at the channel's bandwidth, whichever is longer.
    chans = topo.channel_of_rank(used)
    on, channel_slowest = _slowest_rank_per_channel(chans, t)
    channel_bytes = np.bincount(chans, weights=link_bytes.astype(np.float64))
    channel_ps = np.rint(np.maximum(channel_slowest, transfer_ps(channel_bytes[on], tr.channel_gbps)))
    total = round(call_overhead_us(cfg, direction) * PS_PER_US) + (int(channel_ps.max()) if on.size else 0)
    return TransferCost(total, dict(zip(used.tolist(), np.rint(t).astype(np.int64).tolist())),
                        dict(zip(on.tolist(), channel_ps.astype(np.int64).tolist())), int(sizes.sum()))


def wram_transfer(cfg: SystemConfig, topo: Topology, direction: str, dpus: np.ndarray, nbytes: int,
                  broadcast: bool = False) -> TransferCost:
    """A host access to a WRAM symbol of the given DPUs (sorted, distinct), nbytes each.

    The SDK does not move WRAM data over the DDR data path: per rank, it selects one DPU on
    each chip through the chips' control interfaces (all chips at once) and reads or writes
    the words, then the next DPU position on the chips, and so on (UPMEM SDK, backends
    ci_copy_{to,from}_wrams_matrix). So a rank is busy for one round per DPU position the call
    touches, each round costing a fixed part plus a cost per word; a broadcast selects every
    DPU of the rank and takes one round. With the chip-fastest numbering (rank_layout), DPUs
    0..7 of a rank take one round, DPUs 0..15 two. Ranks proceed in parallel.
    """
    tr = cfg.transfer
    words = -(-nbytes // tr.wram_word_bytes)
    used, _, rounds = rank_layout(cfg, topo, dpus)
    if broadcast:
        rounds = np.ones(used.size, np.int64)
    round_us = tr.wram_round_us + words * _by_direction(cfg, direction, "wram_word_us")
    t = np.rint(rounds * round_us * PS_PER_US).astype(np.int64)
    on, channel_ps = _slowest_rank_per_channel(topo.channel_of_rank(used), t)   # no bandwidth share
    return TransferCost(int(t.max()) if t.size else 0, dict(zip(used.tolist(), t.tolist())),
                        dict(zip(on.tolist(), channel_ps.tolist())), nbytes * int(dpus.size))


def serial_transfer(cfg: SystemConfig, topo: Topology, direction: str, dpu: int, nbytes: int) -> TransferCost:
    """One dpu_copy_to / dpu_copy_from call: one DPU at the serial bandwidth."""
    tr = cfg.transfer
    t = (transfer_ps(nbytes, rank_bandwidth_gbps(cfg, direction, 1, 1)) + tr.per_dpu_overhead_us * PS_PER_US
         + float(uncached_source_ps(cfg, direction, nbytes, nbytes)))
    rank, ch = topo.rank_of(dpu), topo.channel_of_rank(topo.rank_of(dpu))
    return TransferCost(round(call_overhead_us(cfg, direction) * PS_PER_US + t), {rank: round(t)}, {ch: round(t)}, nbytes)


def host_compute_ps(cfg: SystemConfig, nbytes: float = 0, ops: float = 0) -> int:
    """A host compute phase: streaming `nbytes` through memory and `ops` scalar operations."""
    if nbytes < 0 or ops < 0:
        raise HostApiError(f"host compute with negative work (bytes={nbytes}, ops={ops})")
    return round(transfer_ps(nbytes, cfg.host.mem_gbps) + ops / cfg.host.ops_per_s * PS_PER_S)
