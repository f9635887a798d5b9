"""Host API and system model: misuse errors, conservation, monotonicity, topology, equivalence."""
import numpy as np
import pytest

from pimsim import load_preset
from pimsim.engine import run_dpu
from pimsim.errors import CapacityError, HostApiError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import stream
from pimsim.units import PS_PER_US


def stream_run(nr_dpus, bytes_per_dpu, tasklets=16, timing_only=True, equivalence=True, overrides=None,
               last_bytes=None):
    ds = DpuSet(nr_dpus, timing_only=timing_only, equivalence=equivalence, overrides=overrides)
    ds.load(stream.KERNEL, tasklets)
    sizes = [bytes_per_dpu] * nr_dpus
    if last_bytes is not None:
        sizes[-1] = last_bytes
    ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(s, 3) for s in sizes])
    ds.push_xfer("MRAM", [Placeholder(bytes_per_dpu)] * nr_dpus)
    ds.launch()
    ds.push_xfer_from("MRAM", bytes_per_dpu, offset=bytes_per_dpu, dpus=range(nr_dpus - 1)) \
        if last_bytes is not None else ds.push_xfer_from("MRAM", bytes_per_dpu, offset=bytes_per_dpu)
    return ds.result()


def test_functional_stream_output_is_correct_on_uneven_dpus():
    n, per = 3, 4096
    ds = DpuSet(n)
    ds.load(stream.KERNEL, 11)
    data = [np.arange(per // 4, dtype=np.int32) * (i + 1) for i in range(n)]
    ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(per, -7)] * n)
    ds.push_xfer("MRAM", data)
    ds.launch()
    out = ds.push_xfer_from("MRAM", per, offset=per)
    for o, d in zip(out, data):
        np.testing.assert_array_equal(o.view(np.int32), d - 7)


def test_bytes_are_conserved_end_to_end():
    per, n = 65536, 70          # two ranks, the second partly filled
    r = stream_run(n, per)
    args = stream.ARGS.itemsize
    assert r.bytes_moved["cpu_dpu"] == n * (per + args)
    assert r.bytes_moved["dpu_cpu"] == n * per
    # every DPU's kernel read and wrote its whole input once
    assert r.launches[0].dma_bytes == 2 * n * per


def test_time_is_monotonic_in_bytes():
    times = [stream_run(8, b).total_ps for b in (2048, 8192, 65536, 1 << 20)]
    assert times == sorted(times) and len(set(times)) == len(times)


@pytest.mark.parametrize("nr_ranks,slower", [(2, False), (3, True), (4, True)])
def test_ranks_on_one_channel_contend_once_they_exceed_it(nr_ranks, slower):
    """Ranks sharing a DDR channel are slower than ranks on separate channels once their summed
    link bandwidth exceeds the channel's (with the preset's numbers: 2 x 6.68 GB/s fits in a
    19.2 GB/s DDR4-2400 channel, 3 x 6.68 does not)."""
    from pimsim.hw.host import TO_DPU, Topology, parallel_transfer
    base = load_preset().with_overrides({"topology.nr_sockets": 1, "topology.controllers_per_socket": 1})
    n = 64 * nr_ranks
    sizes = {d: 32 << 20 for d in range(n)}
    shared = base.with_overrides({"topology.channels_per_controller": 1})
    separate = base.with_overrides({"topology.channels_per_controller": nr_ranks})
    t_shared = parallel_transfer(shared, Topology.of(shared, n), TO_DPU, sizes).total_ps
    t_separate = parallel_transfer(separate, Topology.of(separate, n), TO_DPU, sizes).total_ps
    assert (t_shared > t_separate) is slower
    assert t_shared >= t_separate
    # on separate channels the ranks run side by side: as fast as one rank alone
    one = parallel_transfer(separate, Topology.of(separate, 64), TO_DPU, {d: 32 << 20 for d in range(64)})
    assert t_separate == one.total_ps
    # a shared channel never moves more than its bandwidth
    if slower:
        from pimsim.units import gb_per_s
        assert gb_per_s(n * (32 << 20), t_shared) <= shared.transfer.channel_gbps


def test_64_identical_dpus_match_single_dpu_kernel_plus_overheads():
    per = 1 << 16
    r = stream_run(64, per)
    single = run_dpu(stream.program, stream.Shape(per), 16)
    cfg = load_preset()
    overhead = round((cfg.launch.launch_overhead_us + cfg.launch.per_rank_overhead_us * 1) * PS_PER_US)
    assert r.time_ps["dpu_kernel"] == single.total_ps + overhead
    assert r.launches[0].nr_classes == 1


@pytest.mark.parametrize("n,last", [(64, None), (256, 2048 * 5 + 8), (67, 8)])
def test_equivalence_classes_equal_simulating_every_dpu(n, last):
    fast = stream_run(n, 1 << 14, equivalence=True, last_bytes=last)
    slow = stream_run(n, 1 << 14, equivalence=False, last_bytes=last)
    assert fast.time_ps == slow.time_ps
    assert fast.dpu_cycles == slow.dpu_cycles
    assert fast.launches[0].instructions == slow.launches[0].instructions
    assert fast.launches[0].nr_classes == (1 if last is None else 2)
    assert slow.launches[0].nr_classes == n


def test_same_inputs_give_identical_results():
    a, b = stream_run(5, 8192), stream_run(5, 8192)
    assert a.to_dict() == b.to_dict()


def test_async_launch_overlaps_host_work():
    def go(sync):
        ds = DpuSet(4, timing_only=True)
        ds.load(stream.KERNEL, 16)
        ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(1 << 16, 1)] * 4)
        ds.launch(sync=sync)
        ds.host_compute(nbytes=1 << 20)
        ds.sync()
        return ds.result()
    s, a = go(True), go(False)
    assert a.total_ps < s.total_ps
    assert s.total_ps - a.total_ps == min(s.time_ps["dpu_kernel"], s.time_ps["host"])


# ---------------------------------------------------------------- misuse
@pytest.fixture
def loaded():
    ds = DpuSet(4)
    ds.load(stream.KERNEL, 16)
    return ds


def test_too_many_dpus_is_an_error():
    with pytest.raises(CapacityError, match="2556"):
        DpuSet(3000)


def test_transfer_larger_than_symbol(loaded):
    with pytest.raises(CapacityError, match="DPU_INPUT_ARGUMENTS.*holds 8 B"):
        loaded.copy_to(0, "DPU_INPUT_ARGUMENTS", np.zeros(4, np.int32))


def test_transfer_to_unallocated_dpu(loaded):
    with pytest.raises(HostApiError, match="DPU 4 is not allocated.*0..3"):
        loaded.copy_to(4, "MRAM", np.zeros(2, np.int32))


def test_unequal_push_xfer_sizes(loaded):
    bufs = [np.zeros(8, np.int32)] * 3 + [np.zeros(16, np.int32)]
    with pytest.raises(HostApiError, match="unequal sizes"):
        loaded.push_xfer("MRAM", bufs)


def test_launch_before_load():
    ds = DpuSet(2)
    with pytest.raises(HostApiError, match="launch before load"):
        ds.launch()


def test_transfer_before_load():
    ds = DpuSet(2)
    with pytest.raises(HostApiError, match="before load"):
        ds.push_xfer("MRAM", [np.zeros(2, np.int32)] * 2)


def test_copy_from_symbol_never_written(loaded):
    with pytest.raises(HostApiError, match="only 0 B of it were ever written"):
        loaded.copy_from(1, "MRAM", 64)


def test_launch_without_arguments(loaded):
    with pytest.raises(HostApiError, match="never received"):
        loaded.launch()


def test_unknown_symbol(loaded):
    with pytest.raises(HostApiError, match="no symbol 'B'"):
        loaded.copy_to(0, "B", np.zeros(2, np.int32))


def test_unknown_category(loaded):
    with pytest.raises(HostApiError, match="unknown time category"):
        with loaded.category("gpu"):
            pass


def test_too_many_tasklets_on_load():
    ds = DpuSet(1)
    with pytest.raises(CapacityError, match="1..24"):
        ds.load(stream.KERNEL, 25)


def test_buffer_must_be_array(loaded):
    with pytest.raises(HostApiError, match="numpy array or Placeholder, got list"):
        loaded.push_xfer("MRAM", [[1, 2]] * 4)


def test_inter_dpu_category_books_time_there():
    ds = DpuSet(2, timing_only=True)
    ds.load(stream.KERNEL, 16)
    ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(4096, 1)] * 2)
    ds.launch()
    with ds.category("inter_dpu"):
        ds.push_xfer_from("MRAM", 4096, offset=4096)
        ds.host_compute(ops=1000)
        ds.push_xfer("MRAM", [Placeholder(4096)] * 2)
    r = ds.result()
    assert r.time_ps["inter_dpu"] > 0 and r.time_ps["dpu_cpu"] == 0 and r.time_ps["host"] == 0
    assert r.total_ps == sum(r.time_ps.values())


def test_repeated_transfers_equal_that_many_calls():
    def make():
        ds = DpuSet(70, timing_only=True)
        ds.load(stream.KERNEL, 16)
        return ds
    loop, once = make(), make()
    for _ in range(5):
        loop.push_xfer("MRAM", [Placeholder(4096)] * 70)
    once.repeated_transfers("to_dpu", {d: 4096 for d in range(70)}, 5)
    a, b = loop.result(), once.result()
    assert a.time_ps == b.time_ps and a.bytes_moved == b.bytes_moved
    assert a.rank_busy_ps == b.rank_busy_ps and a.channel_busy_ps == b.channel_busy_ps
    with pytest.raises(HostApiError, match="calls = -1"):
        once.repeated_transfers("to_dpu", {0: 8}, -1)
    with pytest.raises(HostApiError, match="DPU 70 is not allocated"):
        once.repeated_transfers("to_dpu", {70: 8}, 1)


def test_place_puts_data_without_booking_time_and_checks_like_a_transfer():
    ds = DpuSet(3)
    ds.load(stream.KERNEL, 16)
    data = [np.full(512, d + 1, np.int32) for d in range(2)]
    ds.place("MRAM", 2048, data, offset=4096, dpus=[2, 0])
    assert ds.result().total_ps == 0 and ds.result().bytes_moved["cpu_dpu"] == 0
    np.testing.assert_array_equal(ds.copy_from(2, "MRAM", 2048, offset=4096).view(np.int32), data[0])
    np.testing.assert_array_equal(ds.copy_from(0, "MRAM", 2048, offset=4096).view(np.int32), data[1])
    with pytest.raises(HostApiError, match="only 0 B of it were ever written"):
        ds.copy_from(1, "MRAM", 8)                       # DPU 1 got nothing
    mram = stream.KERNEL.symbol("MRAM").nbytes
    with pytest.raises(CapacityError, match=f"overflows it: the symbol holds {mram} B"):
        ds.place("MRAM", 16, offset=mram - 8)
    with pytest.raises(HostApiError, match="buffer for DPU 1 holds 4 B, not the 8 B placed"):
        ds.place("MRAM", 8, [np.zeros(2, np.int32), np.zeros(1, np.int32)], dpus=[0, 1])
    with pytest.raises(HostApiError, match="2 buffers for 3 DPUs"):
        ds.place("MRAM", 8, [np.zeros(2, np.int32)] * 2)
    with pytest.raises(HostApiError, match="needs its data"):
        ds.place("DPU_INPUT_ARGUMENTS", stream.ARGS.itemsize)
    timing = DpuSet(2, timing_only=True)
    timing.load(stream.KERNEL, 16)
    timing.place("MRAM", 1024)                           # no data: only the write marks move
    assert timing.push_xfer_from("MRAM", 1024) is None and timing.marks.of("MRAM").tolist() == [1024, 1024]


def test_run_cache_shares_exact_results_across_dpu_sets_and_keys_on_the_preset(monkeypatch):
    from pimsim import host_api
    monkeypatch.setattr(host_api, "_RUN_CACHE", {})
    first = stream_run(4, 1 << 14)
    assert len(host_api._RUN_CACHE) == 1
    again = stream_run(64, 1 << 14)                       # another set, same per-DPU work: a cache hit
    assert len(host_api._RUN_CACHE) == 1
    assert again.launches[0].kernel_ps == first.launches[0].kernel_ps
    monkeypatch.setattr(host_api, "_RUN_CACHE", {})
    fresh = stream_run(64, 1 << 14)                       # the hit equals a fresh simulation
    assert fresh.time_ps == again.time_ps and fresh.launches == again.launches
    faster = stream_run(4, 1 << 14, overrides=["dpu.freq_mhz=700"])   # another preset: no hit
    assert len(host_api._RUN_CACHE) == 2
    assert faster.launches[0].kernel_ps < first.launches[0].kernel_ps


def test_run_cache_drops_its_oldest_entry_beyond_its_size(monkeypatch):
    from pimsim import host_api
    monkeypatch.setattr(host_api, "_RUN_CACHE", {})
    monkeypatch.setattr(host_api, "RUN_CACHE_SIZE", 2)
    for per in (1 << 12, 1 << 13, 1 << 14):
        stream_run(1, per)
    assert len(host_api._RUN_CACHE) == 2
    assert [key[4] for key in host_api._RUN_CACHE] == [stream.Shape(1 << 13), stream.Shape(1 << 14)]


def test_transfers_name_a_bad_dpu_in_a_list():
    ds = DpuSet(4, timing_only=True)
    ds.load(stream.KERNEL, 1)
    for bad in ([0, 4], [-1], [0.5], [True]):
        with pytest.raises(HostApiError, match="not allocated"):
            ds.push_xfer("MRAM", [Placeholder(64)] * len(bad), dpus=bad)


def test_run_cache_is_shared_by_configs_that_differ_only_on_the_host_side(monkeypatch):
    from pimsim import host_api
    monkeypatch.setattr(host_api, "_RUN_CACHE", {})
    base = stream_run(4, 1 << 14)
    slower_link = stream_run(4, 1 << 14, overrides=["transfer.cpu_dpu_serial_gbps=0.1"])
    assert len(host_api._RUN_CACHE) == 1                  # DPU timing reused ...
    assert slower_link.launches[0].kernel_ps == base.launches[0].kernel_ps
    assert slower_link.time_ps["cpu_dpu"] > base.time_ps["cpu_dpu"]
    hit = slower_link.launches[0].classes[0]               # ... under the config that asked for it
    assert hit.config == slower_link.config and hit.provenance["preset_hash"] == slower_link.config.hash()
    assert hit.config.hash() != base.config.hash()


def test_compiled_false_runs_simpy_even_when_the_replay_result_is_cached(monkeypatch):
    from pimsim import host_api
    monkeypatch.setattr(host_api, "_RUN_CACHE", {})
    engines = []
    real = host_api.run_dpu
    monkeypatch.setattr(host_api, "run_dpu", lambda *a, **kw: engines.append(kw["fixed_phases"]) or real(*a, **kw))
    results = []
    for compiled in (True, False):
        ds = DpuSet(4, timing_only=True, compiled=compiled)
        ds.load(stream.KERNEL, 16)
        ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(1 << 14, 3)] * 4)
        ds.push_xfer("MRAM", [Placeholder(1 << 14)] * 4)
        results.append(ds.launch().kernel_ps)
    assert engines == [True, False] and results[0] == results[1]
