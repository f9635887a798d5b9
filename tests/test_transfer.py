"""Transfer model against PrIM's measured CPU<->DPU bandwidths (validation/measurements)."""
import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimsim import PimsimError, load_preset
from pimsim.micro import transfer

MEAS = Path(__file__).resolve().parent.parent / "validation" / "measurements" / "upmem_published_points.csv"


def published_transfer_points():
    with MEAS.open() as f:
        return [r for r in csv.DictReader(f) if r["metric"] == "xfer_bw"]


def test_published_points_exist():
    assert len(published_transfer_points()) == 5


@pytest.mark.validation
@pytest.mark.parametrize("row", published_transfer_points(), ids=lambda r: r["variant"])
def test_within_10_percent_of_measured(row):
    kind = transfer.kind_of_variant(row["variant"])
    assert kind is not None, row["variant"]
    pred = transfer.bandwidth_gbps(load_preset(), kind, int(row["nr_dpus"]), int(row["size"]))
    measured = float(row["value"])
    assert abs(pred - measured) / measured <= 0.10, (pred, measured)


def test_bandwidth_grows_with_size_and_sublinearly_with_dpus():
    cfg = load_preset()
    for kind in ("parallel_cpu_dpu", "parallel_dpu_cpu"):
        by_size = [transfer.bandwidth_gbps(cfg, kind, 64, b) for b in (8, 4096, 1 << 20, 32 << 20)]
        assert by_size == sorted(by_size)
        by_dpus = [transfer.bandwidth_gbps(cfg, kind, n, 32 << 20) for n in (1, 2, 4, 16, 64)]
        assert by_dpus == sorted(by_dpus)
        assert by_dpus[-1] < 64 * by_dpus[0]


def test_cpu_to_dpu_is_faster_than_dpu_to_cpu():
    cfg = load_preset()
    assert transfer.bandwidth_gbps(cfg, "parallel_cpu_dpu", 64, 1 << 20) > \
        transfer.bandwidth_gbps(cfg, "parallel_dpu_cpu", 64, 1 << 20)


def test_ranks_scale_until_channels_saturate():
    cfg = load_preset()
    t = cfg.topology
    channels = t.nr_sockets * t.controllers_per_socket * t.channels_per_controller
    ranks = (1, channels, 2 * channels, t.nr_dpus // t.dpus_per_rank)
    assert ranks == tuple(sorted(ranks)) and ranks[-1] > ranks[2]
    bw = [transfer.bandwidth_gbps(cfg, "parallel_cpu_dpu", t.dpus_per_rank * r, 32 << 20) for r in ranks]
    assert bw == sorted(bw)
    # one rank per channel: `channels` x one rank; beyond, ranks share channels
    assert bw[1] == pytest.approx(channels * bw[0], rel=1e-3)
    assert bw[3] <= channels * cfg.transfer.channel_gbps * 1.0001


def test_bad_inputs_are_errors():
    cfg = load_preset()
    with pytest.raises(PimsimError, match=r"unknown transfer kind 'teleport'; known: .*broadcast"):
        transfer.bandwidth_gbps(cfg, "teleport", 1, 8)
    with pytest.raises(PimsimError, match=rf"nr_dpus = 0: .* has 1\.\.{cfg.topology.nr_dpus} DPUs"):
        transfer.bandwidth_gbps(cfg, "broadcast", 0, 8)
    with pytest.raises(PimsimError, match=rf"bytes_per_dpu = {1 << 30}: must be 1\.\.{cfg.dpu.mram_bytes}"):
        transfer.bandwidth_gbps(cfg, "broadcast", 1, 1 << 30)


def test_cli_micro_transfer_json_and_plot(tmp_path, capsys):
    import json
    from pimsim.cli import main
    png = tmp_path / "t.png"
    assert main(["micro", "transfer", "--json", "--dpus", "1,64", "--sizes", "8,33554432",
                 "--plot", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["transfer"]["validation"]
    assert len(rows) == 5 and all(abs(r["error_pct"]) <= 10 for r in rows)
    assert png.stat().st_size > 0


def test_cli_micro_transfer_rejects_bad_list(capsys):
    from pimsim.cli import main
    assert main(["micro", "transfer", "--dpus", "1,x"]) == 2
    assert "--dpus" in capsys.readouterr().err


# ---------------------------------------------------------------- per-direction call overhead
def _exact_cfg(**transfer):
    """The default preset with round transfer numbers, so times are exact picoseconds."""
    sets = {"transfer.cpu_dpu_serial_gbps": 1.0, "transfer.dpu_cpu_serial_gbps": 0.5,
            "transfer.cpu_dpu_position_exponent": 1.0, "transfer.dpu_cpu_position_exponent": 1.0,
            "transfer.per_dpu_overhead_us": 0.0}
    sets.update({f"transfer.{k}": v for k, v in transfer.items()})
    return load_preset().with_overrides(sets)


def test_each_direction_pays_its_own_call_overhead_exactly():
    from pimsim.hw.host import FROM_DPU, TO_DPU, Topology, parallel_transfer, serial_transfer
    cfg = _exact_cfg(cpu_dpu_call_overhead_us=50.0, dpu_cpu_call_overhead_us=120.0)
    topo = Topology.of(cfg, 4)
    sizes = {d: 1000 for d in range(4)}                 # 4,000 B in one rank
    # to the DPUs: 50 us + 4000 B / (1 GB/s * 4) = 50 us + 1 us
    assert parallel_transfer(cfg, topo, TO_DPU, sizes).total_ps == 51_000_000
    # from the DPUs: 120 us + 4000 B / (0.5 GB/s * 4) = 120 us + 2 us
    assert parallel_transfer(cfg, topo, FROM_DPU, sizes).total_ps == 122_000_000
    # serial copies: 50 us + 1000 B / 1 GB/s and 120 us + 1000 B / 0.5 GB/s
    assert serial_transfer(cfg, topo, TO_DPU, 0, 1000).total_ps == 51_000_000
    assert serial_transfer(cfg, topo, FROM_DPU, 0, 1000).total_ps == 122_000_000


def test_call_overhead_of_one_direction_leaves_the_other_alone():
    a = _exact_cfg(cpu_dpu_call_overhead_us=10.0, dpu_cpu_call_overhead_us=80.0)
    b = _exact_cfg(cpu_dpu_call_overhead_us=10.0, dpu_cpu_call_overhead_us=300.0)
    assert transfer.transfer_time_ps(a, "parallel_cpu_dpu", 8, 64) == transfer.transfer_time_ps(b, "parallel_cpu_dpu", 8, 64)
    assert transfer.transfer_time_ps(b, "parallel_dpu_cpu", 8, 64) - \
        transfer.transfer_time_ps(a, "parallel_dpu_cpu", 8, 64) == 220_000_000


@pytest.mark.parametrize("key, value, match", [
    ("transfer.cpu_dpu_call_overhead_us", -1.0, r"transfer\.cpu_dpu_call_overhead_us"),
    ("transfer.dpu_cpu_call_overhead_us", 1e9, r"transfer\.dpu_cpu_call_overhead_us"),
    ("transfer.call_overhead_us", 80.0, r"call_overhead_us"),          # the old single key is unknown now
])
def test_bad_call_overhead_is_an_error(key, value, match):
    from pimsim.errors import ConfigError
    with pytest.raises(ConfigError, match=match):
        load_preset().with_overrides({key: value})


# ---------------------------------------------------------------- WRAM through the control interfaces
def _wram_cfg():
    """Round numbers: a round costs 10 us, a word 1 us to write and 2 us to read."""
    return load_preset().with_overrides({"transfer.wram_round_us": 10.0, "transfer.cpu_dpu_wram_word_us": 1.0,
                                         "transfer.dpu_cpu_wram_word_us": 2.0})


@pytest.mark.parametrize("dpus, rounds", [
    ([0], 1), ([0, 1, 2, 3], 1), (list(range(8)), 1),        # one DPU position on 8 chips: one round
    (list(range(9)), 2), (list(range(16)), 2), ([0, 8, 16], 3),
    (list(range(64)), 8),                                    # a full rank: every position
    ([0, 64], 1), (list(range(64, 80)), 2),                  # ranks run in parallel
    (list(range(70)), 8),                                    # the slowest rank decides
])
def test_wram_transfer_takes_one_round_per_dpu_position_of_each_rank(dpus, rounds):
    from pimsim.hw.host import FROM_DPU, TO_DPU, Topology, wram_transfer
    cfg = _wram_cfg()
    topo = Topology.of(cfg, 128)
    d = np.array(dpus)
    # 256 B = 64 words: a write round is 10 + 64 x 1 us, a read round 10 + 64 x 2 us
    assert wram_transfer(cfg, topo, TO_DPU, d, 256).total_ps == rounds * 74_000_000
    got = wram_transfer(cfg, topo, FROM_DPU, d, 256)
    assert got.total_ps == rounds * 138_000_000 and got.bytes == 256 * len(dpus)


def test_wram_broadcast_is_one_round_per_rank_and_a_partial_word_is_a_word():
    from pimsim.hw.host import TO_DPU, Topology, wram_transfer
    cfg = _wram_cfg()
    topo = Topology.of(cfg, 128)
    # 6 B round up to 2 words: 10 + 2 x 1 us, once for all 128 DPUs (two ranks in parallel)
    cost = wram_transfer(cfg, topo, TO_DPU, np.arange(128), 6, broadcast=True)
    assert cost.total_ps == 12_000_000 and cost.rank_ps == {0: 12_000_000, 1: 12_000_000}


def test_dpu_set_routes_wram_symbols_through_the_control_interfaces():
    from pimsim.host_api import DpuSet
    from pimsim.kernels import stream
    cfg = _wram_cfg().with_overrides({"transfer.cpu_dpu_call_overhead_us": 500.0})
    ds = DpuSet(16, preset=cfg, timing_only=True)
    ds.load(stream.KERNEL, 16)
    ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(4096, 1)] * 16)   # 8 B = 2 words, 2 rounds
    assert ds.result().time_ps["cpu_dpu"] == 2 * 12_000_000
    ds.copy_to(3, "DPU_INPUT_ARGUMENTS", stream.make_args(4096, 1))         # one DPU: one round
    assert ds.result().time_ps["cpu_dpu"] == 3 * 12_000_000
    ds.broadcast("DPU_INPUT_ARGUMENTS", stream.make_args(4096, 1))          # one round for the rank
    assert ds.result().time_ps["cpu_dpu"] == 4 * 12_000_000
    ds.push_xfer("MRAM", [np.zeros(2, np.int32)] * 16)                      # MRAM pays the call overhead
    assert ds.result().time_ps["cpu_dpu"] > 4 * 12_000_000 + 500_000_000


@pytest.mark.parametrize("nbytes, offset", [(6, 0), (4, 2)])
def test_wram_transfer_of_a_partial_word_is_an_error(nbytes, offset):
    from pimsim.errors import HostApiError
    from pimsim.host_api import DpuSet
    from pimsim.kernels import stream
    ds = DpuSet(2)
    ds.load(stream.KERNEL, 16)
    with pytest.raises(HostApiError, match=f"WRAM transfer to 'DPU_INPUT_ARGUMENTS' of {nbytes} B at offset "
                                           f"{offset}.*4-B WRAM word"):
        ds.copy_to(0, "DPU_INPUT_ARGUMENTS", np.zeros(nbytes, np.uint8), offset=offset)


def test_chips_must_tile_the_rank():
    from pimsim.errors import ConfigError
    with pytest.raises(ConfigError, match="dpus_per_rank = 64 is not a whole number of chips.*dpus_per_chip = 7"):
        load_preset().with_overrides({"topology.dpus_per_chip": 7})


@settings(max_examples=60, deadline=None)
@given(dpus=st.sets(st.integers(0, 255), min_size=1, max_size=60), extra=st.sets(st.integers(0, 255), max_size=20),
       words=st.integers(0, 64))
def test_wram_transfer_grows_with_dpus_and_words_and_never_exceeds_a_full_rank(dpus, extra, words):
    from pimsim.hw.host import FROM_DPU, Topology, wram_transfer
    cfg = _wram_cfg()
    topo = Topology.of(cfg, 256)
    some, more = np.array(sorted(dpus)), np.array(sorted(dpus | extra))
    t = wram_transfer(cfg, topo, FROM_DPU, some, 4 * words).total_ps
    assert wram_transfer(cfg, topo, FROM_DPU, more, 4 * words).total_ps >= t          # more DPUs: never faster
    assert wram_transfer(cfg, topo, FROM_DPU, some, 4 * words + 4).total_ps > t       # one more word: slower
    # a rank has 8 DPU positions: no call takes longer than reading every DPU of a rank
    assert t <= wram_transfer(cfg, topo, FROM_DPU, np.arange(64), 4 * words).total_ps


# ---------------------------------------------------------------- MRAM: chips share a line, positions do not
@pytest.mark.parametrize("dpus, chips, positions", [
    ([0], [1], [1]), ([0, 1, 2, 3], [4], [1]), (list(range(8)), [8], [1]), ([0, 8], [1], [2]),
    (list(range(16)), [8], [2]), (list(range(64)), [8], [8]), ([3, 64, 65, 75], [1, 3], [1, 2]),
])
def test_rank_layout_counts_chips_and_positions_chip_fastest(dpus, chips, positions):
    from pimsim.hw.host import Topology, rank_layout
    cfg = load_preset()
    used, c, p = rank_layout(cfg, Topology.of(cfg, 128), np.array(dpus))
    assert c.tolist() == chips and p.tolist() == positions and used.tolist() == sorted({d // 64 for d in dpus})


@pytest.mark.parametrize("dpus, gbps", [
    (range(1), 1.0), (range(4), 4.0), (range(8), 8.0),      # one position: every chip adds a line's share
    ([0, 8], 2 ** 0.5), (range(16), 8 * 2 ** 0.5),          # a second position: x 2^0.5
    (range(64), 8 * 8 ** 0.5),
])
def test_parallel_transfer_follows_chips_and_positions_exactly(dpus, gbps):
    from pimsim.hw.host import TO_DPU, Topology, parallel_transfer
    cfg = _exact_cfg(cpu_dpu_call_overhead_us=0.0, cpu_dpu_chip_exponent=1.0, cpu_dpu_position_exponent=0.5,
                     channel_gbps=1000.0)                 # no channel limit here
    sizes = {d: 1_000_000 for d in dpus}
    # one rank moves len(dpus) MB at 1 GB/s x chips^1 x positions^0.5
    want_ps = len(sizes) * 1_000_000 / (gbps * 1e9) * 1e12
    assert parallel_transfer(cfg, Topology.of(cfg, 64), TO_DPU, sizes).total_ps == pytest.approx(want_ps, abs=1)


# ---------------------------------------------------------------- source bytes beyond the host cache
def _uncached_cfg(cached_mb=2.0, us_per_mb=500.0):
    # 1 GB/s serial, chips^1: a one-rank call of B bytes on n chips takes B / (n GB/s) plus,
    # above cached_mb, (B - cached) x us_per_mb / 10^6 B
    return _exact_cfg(cpu_dpu_call_overhead_us=0.0, dpu_cpu_call_overhead_us=0.0, cpu_dpu_chip_exponent=1.0,
                      dpu_cpu_chip_exponent=1.0, channel_gbps=1000.0,
                      cpu_dpu_cached_source_mb=cached_mb, cpu_dpu_uncached_us_per_mb=us_per_mb)


@pytest.mark.parametrize("per_dpu, extra_us", [
    (250_000, 0.0),             # 1 MB in all: inside the 2 MB cache
    (500_000, 0.0),             # exactly the cache
    (2_000_000, 3000.0),        # 8 MB: 6 MB from DRAM x 500 us/MB
])
def test_cpu_dpu_call_pays_for_the_source_bytes_beyond_the_host_cache(per_dpu, extra_us):
    from pimsim.hw.host import TO_DPU, Topology, parallel_transfer, serial_transfer
    cfg = _uncached_cfg()
    topo = Topology.of(cfg, 4)
    bandwidth_us = 4 * per_dpu / 4e9 * 1e6             # 4 chips at 1 GB/s each
    cost = parallel_transfer(cfg, topo, TO_DPU, {d: per_dpu for d in range(4)})
    assert cost.total_ps == pytest.approx((bandwidth_us + extra_us) * 1e6, abs=1)
    # a serial copy of the same total from one DPU's buffer pays the same extra
    one = serial_transfer(cfg, topo, TO_DPU, 0, 4 * per_dpu)
    assert one.total_ps == pytest.approx((4 * per_dpu / 1e9 * 1e6 + extra_us) * 1e6, abs=1)


def test_uncached_source_costs_nothing_from_the_dpus_or_when_off():
    from pimsim.hw.host import FROM_DPU, TO_DPU, Topology, parallel_transfer
    sizes = {d: 4_000_000 for d in range(4)}            # 16 MB, far beyond the cache
    on, off = _uncached_cfg(), _uncached_cfg(us_per_mb=0.0)
    topo = Topology.of(on, 4)
    assert parallel_transfer(on, topo, FROM_DPU, sizes) == parallel_transfer(off, topo, FROM_DPU, sizes)
    assert parallel_transfer(on, topo, TO_DPU, sizes).total_ps > parallel_transfer(off, topo, TO_DPU, sizes).total_ps
    # the shipped presets of PrIM's machines see no such cost
    for name in ("upmem-2556", "upmem-640"):
        assert load_preset(name).transfer.cpu_dpu_uncached_us_per_mb == 0


def test_ranks_share_the_uncached_fraction_and_work_in_parallel():
    from pimsim.hw.host import TO_DPU, Topology, parallel_transfer
    cfg = _uncached_cfg()                                # 2 MB cached
    topo = Topology.of(cfg, 128)                         # ranks 0 and 1 sit on different channels
    sizes = {d: 1_000_000 for d in (0, 1, 64, 65)}       # 4 MB in all: half of every byte is uncached
    cost = parallel_transfer(cfg, topo, TO_DPU, sizes)
    # each rank: 2 MB at 2 GB/s (2 chips) = 1000 us, plus 2 MB x 0.5 uncached x 500 us/MB
    assert cost.total_ps == pytest.approx(1500 * 1e6, abs=1)
    assert sorted(cost.rank_ps.values()) == pytest.approx([1500 * 1e6] * 2, abs=1)


def test_broadcast_reads_its_one_buffer_per_rank():
    from pimsim.hw.host import TO_DPU, Topology, parallel_transfer
    small, big = _uncached_cfg(cached_mb=8.0), _uncached_cfg(cached_mb=2.0)
    topo = Topology.of(small, 64)
    sizes = {d: 4_000_000 for d in range(64)}            # one 4 MB buffer to every DPU
    a = parallel_transfer(small, topo, TO_DPU, sizes, broadcast=True).total_ps
    b = parallel_transfer(big, topo, TO_DPU, sizes, broadcast=True).total_ps
    # 4 MB buffer, 2 MB cached: 2 MB x 500 us/MB more, once per rank (not per DPU)
    assert b - a == pytest.approx(1000 * 1e6, abs=1)


@pytest.mark.parametrize("key, value", [("transfer.cpu_dpu_uncached_us_per_mb", -1.0),
                                        ("transfer.cpu_dpu_cached_source_mb", -0.5)])
def test_negative_uncached_source_numbers_are_errors(key, value):
    from pimsim.errors import ConfigError
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_preset().with_overrides({key: value})


def test_one_host_buffer_pushed_to_every_dpu_is_read_once():
    """BS sends its one sorted array to every DPU: the host reads 2 MB, not DPUs x 2 MB, so a
    2 MB array fits a 4 MB cache however many DPUs receive it; 16 slices of 2 MB do not."""
    from pimsim.host_api import DpuSet
    from pimsim.kernel import Placeholder
    from pimsim.kernels import va
    cfg = _uncached_cfg(cached_mb=4.0)
    off = _uncached_cfg(cached_mb=4.0, us_per_mb=0.0)

    def cpu_dpu_ms(config, buffers):
        s = DpuSet(16, preset=config, timing_only=True)
        s.load(va.KERNEL, 16)
        s.push_xfer("DPU_MRAM_HEAP_POINTER", buffers)
        return s.result().time_ms["cpu_dpu"]

    shared = [Placeholder(2_000_000)] * 16
    slices = [Placeholder(2_000_000) for _ in range(16)]
    assert cpu_dpu_ms(cfg, shared) == cpu_dpu_ms(off, shared)
    # 32 MB of slices, 4 MB cached: 28 MB x 500 us/MB = 14 ms more
    assert cpu_dpu_ms(cfg, slices) - cpu_dpu_ms(off, slices) == pytest.approx(14.0, abs=1e-6)
