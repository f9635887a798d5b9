"""Transfer model against PrIM's measured CPU<->DPU bandwidths (validation/measurements)."""
import csv
from pathlib import Path

import pytest

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
