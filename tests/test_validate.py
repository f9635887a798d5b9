"""`pimsim validate`: rows -> predictions (with fake, injected models), scoring, reasons for
points that cannot be predicted, the JSON shape and the report files."""
import dataclasses
import json
from types import SimpleNamespace

import pytest

from pimsim import cli
from pimsim.analysis import measurements as ms
from pimsim.analysis.predict import Backends, Predictor, _lazy, group_of, plan
from pimsim.analysis.validate import score, validate, write_report
from pimsim.config import load_preset
from pimsim.errors import CapacityError, PimsimError

HEADER = "source,system,workload,variant,nr_dpus,nr_tasklets,size,metric,value,unit,uncertainty\n"


class Fake:
    """Cheap closed-form stand-ins for the model calls, recording what they were asked."""

    def __init__(self):
        self.log = []

    def arith(self, cfg, op, dtype, t, nr_elements, block_bytes):
        self.log.append(("arith", op, dtype, t))
        return (cfg.ops.instructions[f"{op.lower()}_{dtype.lower()}"] + 5) * max(1.0, 11 / t)

    def dma(self, cfg, direction, nbytes, nr_tasklets=1):
        self.log.append(("dma", direction, nbytes))
        a = cfg.dma.read_alpha_cycles if direction == "read" else cfg.dma.write_alpha_cycles
        b = cfg.dma.read_beta_cycles_per_byte if direction == "read" else cfg.dma.write_beta_cycles_per_byte
        return nbytes / (a + b * nbytes) * cfg.dpu.freq_mhz * 1e6 / 2**20

    def stream(self, cfg, kernel, t):
        self.log.append(("stream", kernel, t))
        if t > 20:
            raise CapacityError(f"WRAM overflow at {t} tasklets")
        return 100.0 * min(t, 11) / (1 + cfg.ops.instructions["mul_int64"] / 100)

    def transfer(self, cfg, kind, n, nbytes):
        self.log.append(("transfer", kind, n, nbytes))
        tr = cfg.transfer
        return {"serial_cpu_dpu": tr.cpu_dpu_serial_gbps, "serial_dpu_cpu": tr.dpu_cpu_serial_gbps,
                "parallel_cpu_dpu": tr.cpu_dpu_serial_gbps * n ** tr.cpu_dpu_position_exponent,
                "parallel_dpu_cpu": tr.dpu_cpu_serial_gbps * n ** tr.dpu_cpu_position_exponent,
                "broadcast": tr.broadcast_rank_gbps}[kind]

    def prim(self, name, dpus, tasklets, size, timing_only, config, params=None):
        self.log.append(("prim", name, dpus, tasklets, size))
        if name == "BS":
            raise PimsimError("PrIM workload BS is not implemented yet")
        cfg = config
        per_dpu = size / dpus
        kernel = cfg.launch.launch_overhead_us / 1e3 + per_dpu * cfg.ops.instructions["add_int32"] * 1e-5
        xfer = cfg.transfer.cpu_dpu_call_overhead_us / 1e3 + 4 * size / (
            cfg.transfer.cpu_dpu_serial_gbps * dpus ** cfg.transfer.cpu_dpu_position_exponent * 1e9) * 1e3
        back = cfg.transfer.dpu_cpu_call_overhead_us / 1e3 + 4 * size / (
            cfg.transfer.dpu_cpu_serial_gbps * dpus ** cfg.transfer.dpu_cpu_position_exponent * 1e9) * 1e3
        t = {"cpu_dpu": xfer, "dpu_kernel": kernel, "inter_dpu": 0.0, "dpu_cpu": back, "host": 0.0}
        t["total"] = sum(t.values())
        return SimpleNamespace(time_ms=t)

    def backends(self):
        return Backends(arith=self.arith, dma=self.dma, stream=self.stream, transfer=self.transfer,
                        prim=self.prim)


ROWS = """\
p,s,arith-throughput,ADD_INT32 WRAM-only loop,1,1,1048576,cycles_per_op,66,DPU cycles,
p,s,arith-throughput,ADD_INT32 WRAM-only loop,1,16,1048576,cycles_per_op,6.6,DPU cycles,
p,s,mram-latency,mram_read 2048B,1,1,2048,mram_bw,600,MB/s,
p,s,mram-latency,beta read&write,1,1,,dma_beta,0.5,cycles/byte,
p,s,stream-mram,SCALE INT64 peak,1,,,mram_bw,40,MB/s,
p,s,cpu-dpu,parallel DPU-CPU 32MB/DPU,64,,33554432,xfer_bw,4.74,GB/s,
p,s,VA,PrIM,4,,1048576,dpu_kernel_time,3.0,ms,
p,s,VA,PrIM,4,,1048576,cpu_dpu_time,1.0,ms,
p,s,VA,PrIM,4,,1048576,dpu_cpu_time,2.0,ms,
p,s,VA,PrIM,4,,1048576,inter_dpu_time,0,ms,
p,s,VA,PrIM,1,,1048576,dpu_kernel_time,10.0,ms,
p,s,BS,PrIM,1,,131072,dpu_kernel_time,100,ms,
p,s,cpu-dpu,sideways CPU-DPU,64,,8,xfer_bw,1,GB/s,
p,s,my-benchmark,x,1,1,,cycles_per_op,5,DPU cycles,
"""


@pytest.fixture
def points(tmp_path):
    f = tmp_path / "tiny.csv"
    f.write_text(HEADER + ROWS)
    return ms.load([f])


@pytest.fixture
def cfg():
    return load_preset("upmem-2556")


def test_rows_map_to_model_calls(points, cfg):
    fake = Fake()
    preds = Predictor(fake.backends()).predict(points, cfg)
    assert len(preds) == len(points)  # nothing dropped
    by = {p.m.line: p for p in preds}
    ins, tr = cfg.ops.instructions, cfg.transfer
    # the Fake's closed forms evaluated at the preset's numbers
    assert by[2].predicted == pytest.approx((ins["add_int32"] + 5) * 11)      # 1 tasklet
    assert by[3].predicted == pytest.approx((ins["add_int32"] + 5) * 1)       # 16 tasklets
    # dma_beta is read off the preset: mean of the read and write betas ("read&write")
    assert by[5].predicted == pytest.approx(
        (cfg.dma.read_beta_cycles_per_byte + cfg.dma.write_beta_cycles_per_byte) / 2)
    skew = cfg.with_overrides({"dma.write_beta_cycles_per_byte": cfg.dma.read_beta_cycles_per_byte / 2})
    (beta,) = Predictor(fake.backends()).predict([by[5].m], skew)   # the betas differ: the mean shows
    assert beta.predicted == pytest.approx(
        (skew.dma.read_beta_cycles_per_byte + skew.dma.write_beta_cycles_per_byte) / 2)
    # peak over 1..24 tasklets; > 20 raise and are skipped, min(t, 11) saturates at 11
    assert by[6].predicted == pytest.approx(100 * 11 / (1 + ins["mul_int64"] / 100))
    assert by[7].predicted == pytest.approx(tr.dpu_cpu_serial_gbps * 64 ** tr.dpu_cpu_position_exponent, rel=1e-9)
    assert [p.group for p in preds[6:11]] == ["multi-dpu-kernel", "cpu-dpu", "dpu-cpu", "inter-dpu",
                                              "single-dpu-kernel"]
    assert ("prim", "VA", 4, 16, 1048576) in fake.log               # blank tasklets -> 16
    # the four metrics of one PrIM run share one model call
    assert sum(1 for c in fake.log if c[:3] == ("prim", "VA", 4)) == 1


def test_unpredictable_rows_carry_a_reason(points, cfg):
    preds = Predictor(Fake().backends()).predict(points, cfg)
    reasons = {p.m.line: p.reason for p in preds if p.predicted is None}
    assert set(reasons) == {13, 14, 15}
    assert "not implemented yet" in reasons[13]
    assert "serial|parallel|broadcast" in reasons[14]
    assert "no predictor for workload 'my-benchmark'" in reasons[15]


def test_variant_says_how_the_host_program_ran(tmp_path, cfg):
    """GEMV rows: PrIM's defaults unless the variant sets a parameter; the uPIMulator table's
    rows get that table's n = 64 (and its TS rows query length m = 64); what cannot be replayed
    is reported with the reason."""
    rows = [
        "p,s,GEMV,PrIM strong scaling,4,,8192,dpu_kernel_time,1,ms,",                       # 2: defaults
        "p,s,GEMV,PrIM; n=2048; BL=10,4,,8192,dpu_kernel_time,1,ms,",                      # 3
        "p,s,GEMV,PrIM; size=uPIMulator data_prep_param,4,,8192,dpu_kernel_time,1,ms,",    # 4: n = 64
        "p,s,GEMV,pimsim kernels_c; BL=8; n=1024,4,,8192,dpu_kernel_time,1,ms,",           # 5
        "p,s,GEMV,PrIM; cols=64,4,,8192,dpu_kernel_time,1,ms,",                            # 6
        "p,s,GEMV,PrIM; n=wide,4,,8192,dpu_kernel_time,1,ms,",                             # 7
        "p,s,GEMV,pimsim kernels_c; BL=10; SHIM BUILD (host times),4,,8192,dpu_kernel_time,1,ms,",  # 8
        "p,s,UNI,pimsim kernels_c; BL=10; host:-g=rand,4,,8192,dpu_kernel_time,1,ms,",     # 9
        "p,s,TS,PrIM; size=uPIMulator data_prep_param,4,,65536,dpu_kernel_time,1,ms,",     # 10: m = 64
    ]
    f = tmp_path / "variants.csv"
    f.write_text(HEADER + "\n".join(rows) + "\n")
    pts = ms.load([f])
    asked = []
    fake = Fake()

    def prim(name, params=None, **kw):
        asked.append(params)
        return fake.prim(name, params=params, **kw)

    preds = Predictor(Backends(prim=prim)).predict(pts, cfg)
    by = {p.m.line: p for p in preds}
    assert asked == [None, {"n": 2048}, {"n": 64}, {"m": 64}]
    assert all(by[i].predicted is not None for i in (2, 3, 4, 10))
    reasons = {i: by[i].reason for i in range(5, 10)}
    assert "BL=8" in reasons[5] and "BL=10" in reasons[5]
    assert "'cols'" in reasons[6] and "n" in reasons[6]
    assert "n='wide'" in reasons[7] and "int" in reasons[7]
    assert "gcc shim" in reasons[8]
    assert "'host:-g'" in reasons[9]


def test_missing_module_is_reported_not_dropped(points, cfg):
    b = Backends(arith=_lazy("pimsim.no_such_module", "cycles_per_op"),
                 transfer=_lazy("pimsim.config", "no_such_function"))
    preds = Predictor(b).predict(points[:6], cfg)
    assert preds[0].reason == "pimsim.no_such_module not available yet"
    assert preds[5].reason == "pimsim.config.no_such_function not available yet"


def test_unexpected_model_exception_becomes_a_reason(points, cfg):
    def broken(*a, **k):
        raise ZeroDivisionError("oops")
    preds = Predictor(Backends(arith=broken)).predict(points[:1], cfg)
    assert preds[0].predicted is None and "ZeroDivisionError: oops" in preds[0].reason


def test_scores_skip_zero_and_unpredicted(points, cfg):
    res = validate(points, cfg, Predictor(Fake().backends()))
    d = res.to_dict()
    assert d["n_points"] == 14 and d["n_unpredicted"] == 3 and d["n_zero_measured"] == 1
    assert d["overall"]["n"] == 10
    for s in [d["overall"], *d["groups"].values()]:
        assert {"n", "r2", "mape", "max_abs_pct_err", "median_abs_pct_err"} <= set(s)
    assert d["groups"]["transfers"]["n"] == d["groups"]["cpu-dpu"]["n"] + d["groups"]["dpu-cpu"]["n"]
    assert d["zero_measured"][0]["predicted"] == 0.0
    # per-group MAPE equals the mean of the listed point errors
    pts = [p for p in d["points"] if p["group"] == "multi-dpu-kernel" and p["pct_err"] is not None]
    assert d["groups"]["multi-dpu-kernel"]["mape"] == pytest.approx(
        sum(abs(p["pct_err"]) for p in pts) / len(pts))


def test_heldout_subset_scored_separately(points, cfg):
    held = [points[0].id, points[6].id]
    c = dataclasses.replace(cfg, calibration={"heldout_points": held,
                                              "fit_points": [p.id for p in points if p.id not in held]})
    d = validate(points, c, Predictor(Fake().backends())).to_dict()
    assert d["heldout"]["overall"]["n"] == 2
    assert d["fit"]["overall"]["n"] == 8


def test_report_files(points, cfg, tmp_path):
    res = validate(points, cfg, Predictor(Fake().backends()))
    paths = write_report(res, tmp_path / "rep", command="pimsim validate --test")
    text = (tmp_path / "rep" / "REPORT.md").read_text()
    assert "pimsim validate --test" in text and "not implemented yet" in text
    assert "| MAPE | MAPE 95% interval |" in text     # every score table gives the interval
    assert (tmp_path / "rep" / "figures" / "validation_scatter.png").stat().st_size > 1000
    assert (tmp_path / "rep" / "figures" / "validation_errors.png").stat().st_size > 1000
    assert set(paths) >= {"report", "scatter", "error_bars"}


def test_cli_json_and_report(tmp_path, capsys):
    f = tmp_path / "m.csv"   # rows answered cheaply by the real models (or listed with a reason)
    f.write_text(HEADER + "p,s,mram-latency,beta read&write,1,1,,dma_beta,0.5,cycles/byte,\n"
                 "p,s,cpu-dpu,serial CPU-DPU 32MB/DPU,64,,33554432,xfer_bw,0.27,GB/s,\n"
                 "p,s,cpu-dpu,serial DPU-CPU 32MB/DPU,64,,33554432,xfer_bw,0.12,GB/s,\n"
                 "p,s,my-benchmark,x,1,1,,cycles_per_op,5,DPU cycles,\n")
    rc = cli.main(["validate", "--measurements", str(f), "--json", "--report", str(tmp_path / "r")])
    assert rc == 0
    captured = capsys.readouterr()
    d = json.loads(captured.out)
    assert d["n_points"] == 4 and len(d["unpredicted"]) == 1
    assert captured.err.strip().splitlines()[-1] == "validate: points 4/4"     # progress goes to stderr
    assert {"n", "r2", "mape", "max_abs_pct_err"} <= set(d["overall"])
    assert "microbenchmarks" in d["groups"]
    assert (tmp_path / "r" / "REPORT.md").exists()


def test_cli_quiet_prints_no_progress(tmp_path, capsys):
    f = tmp_path / "m.csv"
    f.write_text(HEADER + "p,s,mram-latency,beta read&write,1,1,,dma_beta,0.5,cycles/byte,\n")
    assert cli.main(["validate", "--measurements", str(f), "--json", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out)["n_scored"] == 1


def test_cli_bad_measurement_file_is_an_error(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "p,s,VA,PrIM,x,,1,dpu_kernel_time,1,ms,\n")
    assert cli.main(["validate", "--measurements", str(f)]) == 2
    assert "bad.csv:2: field 'nr_dpus'" in capsys.readouterr().err


def test_cli_system_filter_scores_only_that_machine(tmp_path, capsys):
    f = tmp_path / "m.csv"
    f.write_text(HEADER + "p,machine A,mram-latency,beta read&write,1,1,,dma_beta,0.5,cycles/byte,\n"
                 "p,machine B,cpu-dpu,serial CPU-DPU 32MB/DPU,64,,33554432,xfer_bw,0.27,GB/s,\n")
    assert cli.main(["validate", "--measurements", str(f), "--json", "--system", "machine a"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_points"] == 1 and set(d["groups"]) == {"microbenchmarks"}
    assert cli.main(["validate", "--measurements", str(f), "--system", "machine C"]) == 2
    assert "matches no measured point" in capsys.readouterr().err


def test_every_project_row_gets_a_plan_or_reason():
    for m in ms.load():
        try:
            plan(m)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f"{m.id}: {e}")
        assert group_of(m) != "other"


def test_points_from_several_machines_are_named(tmp_path, capsys):
    f = tmp_path / "m.csv"
    f.write_text(HEADER + "p,machine A,mram-latency,beta read&write,1,1,,dma_beta,0.5,cycles/byte,\n"
                 "p,machine B,cpu-dpu,serial CPU-DPU 32MB/DPU,64,,33554432,xfer_bw,0.27,GB/s,\n"
                 "p,machine B,cpu-dpu,serial DPU-CPU 32MB/DPU,64,,33554432,xfer_bw,0.12,GB/s,\n")
    assert cli.main(["validate", "--measurements", str(f), "--report", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "the points come from 2 machines" in out
    assert "   1 points  machine A" in out and "   2 points  machine B" in out
    text = (tmp_path / "r" / "REPORT.md").read_text()
    assert "- measured on: machine A (1 points); machine B (2 points). All are predicted with this one preset" in text
    assert cli.main(["validate", "--measurements", str(f), "--json", "--system", "machine B"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["systems"] == {"machine B": 2}


def test_a_mixed_file_predicts_each_machine_with_its_own_preset(tmp_path, capsys):
    """upmem-2556 hands the 640-DPU system's points to upmem-640 ([machines]): same DMA, 267 MHz."""
    f = tmp_path / "mixed.csv"
    f.write_text(HEADER + 'x,"2,556-DPU sys",mram-latency,mram_read 2048B,1,1,2048,mram_bw,628.23,MB/s,\n'
                        'x,640-DPU sys,mram-latency,mram_read 2048B,1,1,2048,mram_bw,480,MB/s,\n')
    pts = ms.load([f])
    res = validate(pts, load_preset("upmem-2556"))
    big, small = (p.predicted for p in res.predictions)
    assert small / big == pytest.approx(267 / 350, rel=1e-6)
    d = res.to_dict()
    assert d["machine_presets"] == {"2,556-DPU sys": None, "640-DPU sys": "upmem-640"}
    write_report(res, tmp_path)
    assert "640-DPU sys (1 points, predicted with preset upmem-640" in (tmp_path / "REPORT.md").read_text()
    assert cli.main(["validate", "--measurements", str(f)]) == 0
    assert "   1 points  640-DPU sys  (predicted with preset upmem-640" in capsys.readouterr().out
    from pimsim.analysis.calibrate import calibrate
    cal = calibrate(pts, load_preset("upmem-2556"), ["dma.read_alpha_cycles"], score_all=False)
    assert [m.system for m in cal.fit_points] == ["2,556-DPU sys"]
    assert any("which upmem-2556 predicts with preset upmem-640" in e for e in cal.excluded)


def test_target_lines_give_the_mape_interval_or_say_why_not():
    from pimsim.analysis.validate import _target_lines
    from pimsim.analysis.metrics import summary
    many = summary([1.0, 2.0, 4.0, 8.0, 16.0, 32.0], [1.1, 1.8, 5.0, 8.0, 12.0, 30.0])
    few = summary([1.0, 2.0], [1.5, 2.0])
    lines = "\n".join(_target_lines({"multi-dpu-kernel": many, "single-dpu-kernel": few}))
    lo, hi = many["mape_ci95"]
    assert f"multi-dpu-kernel: {many['mape']:.1f} % (95% interval {lo:.1f}-{hi:.1f} %) vs target ≤ 15 % — met" in lines
    assert "single-dpu-kernel: 25.0 % (too few points for an interval) vs target ≤ 8 % — NOT met (n = 2)" in lines
    assert "transfers: no point scored" in lines


def test_table_rows_of_workloads_missing_from_the_projects_copy_are_predicted(tmp_path, cfg):
    """The uPIMulator table also ran HST-L, SCAN-RSS and TS (validation/measurements/README.md);
    rows of them in that table's form get real predictions, the TS ones with its query length 64."""
    from pimsim.workloads import prim
    rows = [f"p,s,{w},PrIM; size=uPIMulator data_prep_param,{d},,65536,{metric},1,ms,"
            for w in ("HST-L", "SCAN-RSS", "TS") for d in (1, 4, 16)
            for metric in ("dpu_kernel_time", "cpu_dpu_time", "dpu_cpu_time")]
    f = tmp_path / "table.csv"
    f.write_text(HEADER + "\n".join(rows) + "\n")
    preds = Predictor().predict(ms.load([f]), cfg)
    assert all(p.predicted is not None and p.predicted > 0 for p in preds), [p.reason for p in preds]
    ts4 = next(p for p in preds if p.m.workload == "TS" and p.m.nr_dpus == 4 and p.m.metric == "dpu_kernel_time")
    want = prim.run("TS", dpus=4, size=65536, params={"m": 64}, timing_only=True, config=cfg).time_ms["dpu_kernel"]
    assert ts4.predicted == pytest.approx(want, rel=1e-12)
    assert want < 0.5 * prim.run("TS", dpus=4, size=65536, timing_only=True, config=cfg).time_ms["dpu_kernel"]


def test_spread_counts_predictions_within_two_sd(tmp_path, capsys):
    from pimsim.analysis.predict import Prediction
    from pimsim.analysis.validate import spread_rows
    f = tmp_path / "sd.csv"
    f.write_text(HEADER + "p,s,VA,PrIM,4,,1,dpu_kernel_time,10,ms,sd=0.5 over 3 runs\n"
                          "p,s,VA,PrIM,4,,2,dpu_kernel_time,20,ms,sd=0.5 over 3 runs\n"
                          "p,s,VA,PrIM,4,,3,dpu_kernel_time,5000,us,sd=100 over 3 runs\n"
                          "p,s,VA,PrIM,4,,4,dpu_kernel_time,7,ms,not recorded\n")
    pts = ms.load([f])
    # errors 0.8 ms (<= 2 x 0.5), 1.5 ms (> 1.0), 150 us (<= 200), and a point without sd
    preds = [Prediction(m, "multi-dpu-kernel", v) for m, v in zip(pts, (10.8, 21.5, 5150, 7.7))]
    s = score(preds)
    g = s["groups"]["multi-dpu-kernel"]
    assert (g["n"], g["n_with_sd"], g["within_2sd"]) == (4, 3, 2)
    assert g["median_rel_sd_pct"] == pytest.approx(2.5)          # of 5 %, 2.5 %, 2 %
    assert spread_rows({"multi-dpu-kernel": g, "dpu-cpu": {"n": 1}}) == [("multi-dpu-kernel", 3, 2, 2.5)]
    assert "n_with_sd" not in score(preds[3:])["overall"]      # no sd: no spread entries


def test_cli_prints_the_spread_when_points_carry_sd(tmp_path, capsys):
    f = tmp_path / "m.csv"
    f.write_text(HEADER + "p,s,mram-latency,beta read&write,1,1,,dma_beta,0.5,cycles/byte,sd=0.01 over 4 runs\n")
    assert cli.main(["validate", "--measurements", str(f), "--quiet", "--report", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "against the measurements' own spread" in out
    assert "microbenchmarks" in out.split("own spread")[1]
    report = (tmp_path / "r" / "REPORT.md").read_text()
    assert "| microbenchmarks | 1 | 1 (100 %) | 2.0 % |" in report.split("Against the measurements' own spread")[1]


def test_points_predicted_alike_get_their_least_error(tmp_path, capsys):
    from pimsim.analysis.predict import Prediction
    from pimsim.analysis.validate import indistinct_rows
    f = tmp_path / "same.csv"
    f.write_text(HEADER + "p,s,SEL,PrIM,4,,1,cpu_dpu_time,1,ms,\n"
                          "p,s,UNI,PrIM,4,,1,cpu_dpu_time,2,ms,\n"
                          "p,s,RED,PrIM,4,,1,cpu_dpu_time,4,ms,\n"
                          "p,s,VA,PrIM,4,,1,cpu_dpu_time,3,ms,\n"
                          "p,s,SEL,PrIM,4,,1,dpu_cpu_time,2,ms,\n")
    pts = ms.load([f])
    # SEL, UNI and RED predicted alike (RED 0.05 % higher: within SAME_PREDICTION), VA apart; the
    # DPU->CPU point shares SEL's prediction but not its metric. The set {1, 2, 4} is best served
    # by 1: errors 0, 50, 75 %. pimsim's 2 ms misses them by 100, 0, 50 %.
    preds = [Prediction(m, g, v) for m, g, v in zip(pts, ["cpu-dpu"] * 4 + ["dpu-cpu"], (2, 2, 2.001, 3.3, 2))]
    g = score(preds)["groups"]["cpu-dpu"]
    assert (g["n_shared"], g["shared_sets"]) == (3, 1)
    assert g["shared_floor_mape"] == pytest.approx(125 / 3)
    assert g["shared_mape"] == pytest.approx((100 + 0 + 49.975) / 3)
    assert g["mape_floor"] == pytest.approx(125 / 4)            # VA counted as exact
    assert "n_shared" not in score(preds)["groups"]["dpu-cpu"]  # alone in its metric
    assert indistinct_rows({"cpu-dpu": g, "dpu-cpu": {"n": 1}})[0][:3] == ("cpu-dpu", 3, 1)
    # predictions of several fits (cross-validation): "predicted alike" means nothing there
    assert "n_shared" not in score(preds, one_preset=False)["groups"]["cpu-dpu"]


def test_cli_and_report_list_points_predicted_alike(tmp_path, capsys):
    f = tmp_path / "m.csv"
    f.write_text(HEADER + "p,s,arith-throughput,ADD_INT32,1,16,1048576,cycles_per_op,6.0,DPU cycles,\n"
                          "p,s,arith-throughput,ADD_UINT32,1,16,1048576,cycles_per_op,6.6,DPU cycles,\n")
    assert cli.main(["validate", "--measurements", str(f), "--quiet", "--report", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "cannot tell apart" in out and "microbenchmarks" in out.split("cannot tell apart")[1]
    report = (tmp_path / "r" / "REPORT.md").read_text()
    # INT32 and UINT32 ADD cost the same in the preset: one set of 2, best value 6.0 (errors 0, 9.1 %)
    assert "| microbenchmarks | 2 | 1 | 4.5 % |" in report.split("cannot tell apart")[1]
