"""Cross-checks between each C kernel (kernels_c/, built with the gcc shim) and its Python twin
(pimsim/kernels/<name>.py, pimsim/workloads/prim/<name>.py):

(a) output: the shim dumps every DPU's symbols before and after each launch (PIMSIM_DUMP_DIR);
    the Python kernel's functional() runs on a DpuMemory holding the same pre-launch bytes and
    must leave the same outputs as the C kernel did;
(b) DMA log: per tasklet, the (direction, bytes) histogram of the shim's DMA log equals what
    the Python timing program issues for the same shape (run_dpu(..., dma_log=True)); the MRAM
    addresses are compared too;
(c) partition: the C host hands every DPU the same shape (sizes, offsets, layout) as the Python
    workload does for the same problem size.
"""
from __future__ import annotations

import collections
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
from kernels_c_helpers import HAVE_TOOLCHAIN, build_cached, build_variant, prand, run

pytestmark = pytest.mark.skipif(not HAVE_TOOLCHAIN, reason="gcc/make not available")

HEAP = "DPU_MRAM_HEAP_POINTER"
ARGS = "DPU_INPUT_ARGUMENTS"
RESULTS = "DPU_RESULTS"
TASKLETS = (1, 11, 16)


def py_kernel(name: str):
    """pimsim.kernels.<name>. Every C kernel has its Python twin now: a missing one fails."""
    try:
        return importlib.import_module(f"pimsim.kernels.{name}")
    except ModuleNotFoundError as e:
        pytest.fail(f"no Python kernel pimsim/kernels/{name}.py for the C kernel: {e}")


def py_workload(name: str):
    try:
        return importlib.import_module(f"pimsim.workloads.prim.{name}")
    except ModuleNotFoundError as e:
        pytest.fail(f"no Python workload pimsim/workloads/prim/{name}.py for the C kernel: {e}")


# ---------------------------------------------------------------------------------------------
# per-kernel adapters: C argument struct -> Python args; where each side leaves its outputs
# ---------------------------------------------------------------------------------------------
@dataclass
class Ctx:
    """What an adapter may need besides the dumped bytes."""
    nt: int
    dpu: int
    launch: int
    opts: dict          # the host options of the run (e.g. {"i": 10001})
    nr_dpus: int


@dataclass
class Spec:
    c_name: str                                   # kernels_c/<c_name>
    py_name: str                                  # pimsim/kernels/<py_name>.py
    c_args: np.dtype                              # the C dpu_arguments_t
    to_py_args: Callable[[Any, np.ndarray, Ctx], np.ndarray]      # (K, c args, ctx) -> Python args
    c_out: Callable[[dict, np.ndarray, Ctx], dict]                # (post dump, c args, ctx) -> arrays
    py_out: Callable[[Any, Any, np.ndarray, Ctx], dict]           # (K, DpuMemory, py args, ctx) -> arrays
    timing_shape: Callable[[Any, np.ndarray, dict, Ctx], Any] | None = None   # data-dependent shapes
    dump_symbols: str = f"{ARGS},{RESULTS}"
    #: DMA directions whose MRAM addresses are not compared (a known Python-side difference)
    address_exempt: tuple = ()
    #: (Python kernel module, NR_TASKLETS) -> pimsim.kernel.Kernel
    kernel_of: Callable[[Any, int], Any] = lambda K, nt: K.KERNEL
    #: extra compiler flags of the C build (a variant build), and params of the Python workload
    cflags: str = ""
    py_params: dict = field(default_factory=dict)
    #: (c DMA log, Python DMA log, shape, ctx) -> True when it compared them itself (schedule-dependent
    #: kernels), False for the default per-tasklet comparison
    dma_compare: Callable[[list, tuple, Any, Ctx], bool] = lambda c_log, py_log, s, c: False
    #: (Python kernel module, Kernel) -> the timing program that issues one DMA per DMA (default KERNEL.program)
    program_of: Callable[[Any, Any], Any] = lambda K, KERNEL: KERNEL.program


def heap(d: dict, dtype, off: int, count: int) -> np.ndarray:
    b = d[HEAP]
    dt = np.dtype(dtype)
    raw = np.zeros(count * dt.itemsize, np.uint8)
    avail = max(0, min(len(b) - off, count * dt.itemsize))
    raw[:avail] = np.frombuffer(b, np.uint8, avail, off) if avail else raw[:0]
    return raw.view(dt)


def sym(d: dict, name: str, dtype) -> np.ndarray:
    return np.frombuffer(d[name], dtype)


def mem_heap(mem, dtype, off, count):
    return mem.read(HEAP, off, count * np.dtype(dtype).itemsize).view(dtype)


U32 = np.uint32


def _va_region(a):
    """B elements the host retrieves: the last DPU's PrIM size can run past its A slot (its
    tail reads B elements as A and writes results nobody retrieves), so compare up to
    transfer_size."""
    s, ts = int(a["size"][0]), int(a["transfer_size"][0])
    return ts, min(s, ts) // 4


def _red_c_out(d, a, c):
    return {"sum": sym(d, RESULTS, np.int64)[:1]}


def _gemv_c_regions(a):
    a = a[0]
    c_off = (int(a["max_rows"]) * int(a["n_size_pad"]) + int(a["n_size_pad"])) * 4
    return c_off, int(a["nr_rows"])


def _sel_valid_first(a, c: Ctx):
    per = int(a["size"][0]) // 8
    n = c.opts["i"]
    return max(0, min(per, n - c.dpu * per)), c.dpu * per


class DataShape:
    """A Python timing shape whose data-dependent counts (SEL selected(), UNI kept()) come from
    the DPU's actual input instead of PrIM's generator formula; everything else delegates."""

    def __init__(self, base, count):
        self._base, self._count = base, count

    def __getattr__(self, name):
        return getattr(self._base, name)


def _sel_timing(K, pyargs, pre, c: Ctx):
    s = K.shape(pyargs)
    a = heap(pre, np.uint64, 0, s.size // 8)
    cum = np.concatenate([[0], np.cumsum(a % np.uint64(2) == 1)])
    sel = lambda lo, hi: int(cum[min(hi, a.size)] - cum[min(lo, a.size)])  # noqa: E731
    ds = DataShape(s, sel)
    ds.selected = sel
    return ds


def _scan_c_out(d, a, c: Ctx, reduce_first: bool):
    size, kernel = int(a["size"][0]), int(a["kernel"][0])
    if reduce_first and kernel == 0:
        return {"total": sym(d, RESULTS, np.int64)[:1]}
    out = {"B": heap(d, np.int64, size, size // 8)}
    if kernel == (1 if reduce_first else 0):
        out["total"] = sym(d, RESULTS, np.int64)[c.nt - 1:c.nt]
    return out


def _scan_py_out(K, mem, a, c: Ctx, reduce_first: bool):
    size, kernel = int(a["size"][0]), int(a["kernel"][0])
    res = mem.view(RESULTS, K.RESULT, 0, K.MAX_TASKLETS)["t_count"]
    if reduce_first and kernel == 0:
        return {"total": res[:1].copy()}
    out = {"B": mem_heap(mem, np.int64, size, size // 8)}
    if kernel == (1 if reduce_first else 0):
        out["total"] = res[c.nt - 1:c.nt].copy()
    return out


def _uni_timing(K, pyargs, pre, c: Ctx):
    """PrIM's input (-g prim): the Python shape's own kept() formula; other inputs: counted."""
    s = K.shape(pyargs)
    if c.opts.get("g", "prim") == "prim":
        return s
    a = heap(pre, np.int64, 0, s.size // 8)
    change = np.concatenate([[0], np.cumsum(a[1:] != a[:-1])])       # change[j]: changes in (0, j]
    ds = DataShape(s, None)
    ds.kept = lambda lo, hi: 1 + int(change[min(hi, a.size) - 1] - change[lo])
    return ds


UNI_C_RESULT = np.dtype({"names": ["t_count", "first", "last"], "formats": [U32, np.int64, np.int64],
                         "offsets": [0, 8, 16], "itemsize": 24})


def _uni_out(res, read_out, c: Ctx):
    n = int(res["t_count"][c.nt - 1])
    return {"count": np.array([n]), "first": res["first"][:1].copy(), "last": res["last"][c.nt - 1:c.nt].copy(),
            "out": read_out(n)}


TS_RESULT = np.dtype([("minValue", np.int32), ("minIndex", U32), ("maxValue", np.int32), ("maxIndex", U32)])


def _ts_out(res, c: Ctx):
    return {"minValue": res["minValue"][:c.nt].copy(), "minIndex": res["minIndex"][:c.nt].copy()}


def _trns_dma(c_log, py_log, s, c: Ctx) -> bool:
    """Step 3 hands out start groups dynamically (shared counter, done bits under a mutex): with
    threads the per-tasklet split varies from run to run, so beyond one tasklet compare what any
    schedule gives: the DMA kinds, and every moved group written exactly once at its address."""
    if s.kernel == 0 or c.nt == 1:
        return False
    gb = s.m * 8
    kinds = lambda log: {(d, b) for _, d, b, *_ in log}  # noqa: E731
    assert kinds(c_log) <= kinds(py_log) | {("read", 8), ("write", 8)}
    moved = lambda log: collections.Counter(m for _, d, b, m, *_ in log if d == "write" and b == gb)  # noqa: E731
    if gb != 8:
        assert moved(c_log) == moved(py_log)
    return True


NW_BL, NW_BL_IN = 16, 2        # kernels_c/nw/common.h defaults


def _nw_scores(read, a):
    """Rows 0..BL, columns 0..BL of every scored block slot (column BL+1 of rows 1..BL holds
    PrIM's stale write-back int, which the Python kernel does not model)."""
    nb = int(a["nblocks"][0])
    w = NW_BL + 2
    return read(0, nb * (NW_BL + 1) * w).reshape(nb, NW_BL + 1, w)[:, :, :NW_BL + 1].copy()


SCAN_ARGS = np.dtype([("size", U32), ("kernel", U32), ("t_count", np.int64)])

SPECS = {
    "va": Spec(
        "va", "va", np.dtype([("size", U32), ("transfer_size", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0]), int(a["transfer_size"][0])),
        lambda d, a, c: {"B": heap(d, np.int32, *_va_region(a))},
        lambda K, mem, a, c: {"B": mem_heap(mem, np.int32, *_va_region(a))}),
    "red": Spec(
        "red", "red", np.dtype([("size", U32), ("pad", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0])),
        _red_c_out,
        lambda K, mem, a, c: {"sum": mem.view(RESULTS, K.RESULT, 0, K.MAX_TASKLETS)["t_count"][:1].copy()}),
    "gemv": Spec(
        "gemv", "gemv", np.dtype([("n_size", U32), ("n_size_pad", U32), ("nr_rows", U32), ("max_rows", U32)]),
        lambda K, a, c: K.make_args(*(int(a[f][0]) for f in ("n_size", "n_size_pad", "nr_rows", "max_rows"))),
        lambda d, a, c: {"C": heap(d, U32, *_gemv_c_regions(a))},
        lambda K, mem, a, c: {"C": mem_heap(mem, U32, *_gemv_c_regions(a))}),
    "sel": Spec(
        "sel", "sel", np.dtype([("size", U32), ("pad", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0]), *_sel_valid_first(a, c)),
        lambda d, a, c: (lambda n: {"count": np.array([n]), "out": heap(d, np.uint64, int(a["size"][0]), n)})(
            int(sym(d, RESULTS, np.dtype([("t_count", U32), ("pad", U32)]))["t_count"][c.nt - 1])),
        lambda K, mem, a, c: (lambda n: {"count": np.array([n]),
                                         "out": mem_heap(mem, np.uint64, int(a["size"][0]), n)})(
            int(mem.view(RESULTS, K.RESULT, 0, K.MAX_TASKLETS)["t_count"][c.nt - 1])),
        timing_shape=_sel_timing),
    "uni": Spec(
        "uni", "uni", np.dtype([("size", U32), ("kernel", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0]), *_sel_valid_first(a, c)),
        lambda d, a, c: _uni_out(sym(d, RESULTS, UNI_C_RESULT), lambda n: heap(d, np.int64, int(a["size"][0]), n), c),
        lambda K, mem, a, c: _uni_out(mem.view(RESULTS, K.RESULT, 0, K.MAX_TASKLETS),
                                      lambda n: mem_heap(mem, np.int64, int(a["size"][0]), n), c),
        timing_shape=_uni_timing, address_exempt=("write",)),
    "bs": Spec(
        "bs", "bs", np.dtype([("input_size", np.uint64), ("slice_per_dpu", np.uint64), ("kernel", U32), ("pad", U32)]),
        lambda K, a, c: K.make_args(int(a["input_size"][0]), int(a["slice_per_dpu"][0]),
                                    c.dpu * int(a["slice_per_dpu"][0])),
        lambda d, a, c: {"found": sym(d, RESULTS, np.int64)[:c.nt].copy()},
        lambda K, mem, a, c: {"found": mem.view(RESULTS, K.RESULT, 0, K.MAX_TASKLETS)["found"][:c.nt].copy()}),
    "hst-s": Spec(
        "hst-s", "hst_s", np.dtype([("size", U32), ("transfer_size", U32), ("bins", U32), ("pad", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0]), int(a["transfer_size"][0]), int(a["bins"][0])),
        lambda d, a, c: {"histo": heap(d, U32, int(a["transfer_size"][0]), int(a["bins"][0]))},
        lambda K, mem, a, c: {"histo": mem_heap(mem, U32, int(a["transfer_size"][0]), int(a["bins"][0]))}),
    "hst-l": Spec(
        "hst-l", "hst_l", np.dtype([("size", U32), ("transfer_size", U32), ("bins", U32), ("pad", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0]), int(a["transfer_size"][0]), int(a["bins"][0])),
        lambda d, a, c: {"histo": heap(d, U32, int(a["transfer_size"][0]), int(a["bins"][0]))},
        lambda K, mem, a, c: {"histo": mem_heap(mem, U32, int(a["transfer_size"][0]), int(a["bins"][0]))},
        kernel_of=lambda K, nt: K.make_kernel(1)),
    "hst-l4": Spec(
        "hst-l", "hst_l", np.dtype([("size", U32), ("transfer_size", U32), ("bins", U32), ("pad", U32)]),
        lambda K, a, c: K.make_args(int(a["size"][0]), int(a["transfer_size"][0]), int(a["bins"][0])),
        lambda d, a, c: {"histo": heap(d, U32, int(a["transfer_size"][0]), int(a["bins"][0]))},
        lambda K, mem, a, c: {"histo": mem_heap(mem, U32, int(a["transfer_size"][0]), int(a["bins"][0]))},
        kernel_of=lambda K, nt: K.make_kernel(4), cflags="-DNR_HISTO=4", py_params={"nr_histo": 4}),
    "scan-ssa": Spec(
        "scan-ssa", "scan_ssa", SCAN_ARGS,
        lambda K, a, c: K.make_args(int(a["size"][0]), int(a["kernel"][0]), int(a["t_count"][0])),
        lambda d, a, c: _scan_c_out(d, a, c, False),
        lambda K, mem, a, c: _scan_py_out(K, mem, a, c, False)),
    "scan-rss": Spec(
        "scan-rss", "scan_rss", SCAN_ARGS,
        lambda K, a, c: K.make_args(int(a["size"][0]), int(a["kernel"][0]), int(a["t_count"][0])),
        lambda d, a, c: _scan_c_out(d, a, c, True),
        lambda K, mem, a, c: _scan_py_out(K, mem, a, c, True)),
    "ts": Spec(
        "ts", "ts", np.dtype([("ts_length", U32), ("query_length", U32), ("query_mean", np.int32),
                              ("query_std", np.int32), ("slice_per_dpu", U32), ("exclusion_zone", np.int32),
                              ("kernel", U32)]),
        lambda K, a, c: K.make_args(*(int(a[f][0]) for f in ("ts_length", "query_length", "query_mean", "query_std",
                                                              "slice_per_dpu"))),
        lambda d, a, c: _ts_out(np.frombuffer(d[RESULTS], TS_RESULT), c),
        lambda K, mem, a, c: _ts_out(mem.view(RESULTS, K.RESULT, 0, K.MAX_TASKLETS), c)),
    "trns": Spec(
        "trns", "trns", np.dtype([("m", U32), ("n", U32), ("M_", U32), ("kernel", U32)]),
        lambda K, a, c: K.make_args(*(int(a[f][0]) for f in ("m", "n", "M_", "kernel"))),
        lambda d, a, c: {"stripe": heap(d, np.int64, 0, int(a["M_"][0]) * int(a["m"][0]) * int(a["n"][0]))},
        lambda K, mem, a, c: {"stripe": mem_heap(mem, np.int64, 0, int(a["M_"][0]) * int(a["m"][0]) * int(a["n"][0]))},
        dump_symbols=ARGS, dma_compare=_trns_dma),
    "mlp": Spec(
        "mlp", "mlp", np.dtype([("n_size", U32), ("n_size_pad", U32), ("nr_rows", U32), ("max_rows", U32)]),
        lambda K, a, c: K.make_args(*(int(a[f][0]) for f in ("n_size", "n_size_pad", "nr_rows", "max_rows"))),
        lambda d, a, c: {"C": heap(d, np.int32, *_gemv_c_regions(a))},
        lambda K, mem, a, c: {"C": mem_heap(mem, np.int32, *_gemv_c_regions(a))}, dump_symbols=ARGS),
    # NW: the Python kernel's program() replays whole diagonals (no per-DMA log): its full_program
    # issues every DMA, without MRAM addresses, so only the per-tasklet histograms are compared
    "nw": Spec(
        "nw", "nw", np.dtype([("nblocks", U32), ("active_blocks", U32), ("penalty", U32), ("dummy", U32)]),
        lambda K, a, c: K.make_args(int(a["nblocks"][0]), int(a["active_blocks"][0]), int(a["penalty"][0])),
        lambda d, a, c: {"scores": _nw_scores(lambda off, cnt: heap(d, np.int32, off, cnt), a)},
        lambda K, mem, a, c: {"scores": _nw_scores(lambda off, cnt: mem_heap(mem, np.int32, off, cnt), a)},
        dump_symbols=ARGS, kernel_of=lambda K, nt: K.make_kernel(NW_BL, NW_BL_IN),
        program_of=lambda K, KERNEL: K.full_program, address_exempt=("read", "write")),
}

# (C kernel, host options, DPUs): sizes that do and do not divide evenly
CASES = [
    ("va", {"i": 10001}, 3), ("va", {"i": 3}, 5), ("va", {"i": 70000}, 2),
    ("red", {"i": 10001}, 3), ("red", {"i": 65537}, 4),
    ("gemv", {"m": 37, "k": 301}, 3), ("gemv", {"m": 100, "k": 700}, 2), ("gemv", {"m": 9, "k": 64}, 1),
    ("sel", {"i": 10001}, 3), ("sel", {"i": 5}, 1),
    ("uni", {"i": 10001, "g": "prim"}, 3), ("uni", {"i": 5, "g": "prim"}, 1), ("uni", {"i": 20000, "g": "rand"}, 2),
    ("bs", {"a": 10000, "i": 1000}, 2), ("bs", {"a": 4099, "i": 333}, 3), ("bs", {"a": 256, "i": 16}, 1),
    ("hst-s", {"i": 10001, "b": 256}, 3), ("hst-s", {"i": 3000, "b": 64}, 2),
    ("hst-l", {"i": 10001, "b": 256}, 3), ("hst-l", {"i": 3000, "b": 64}, 2),
    ("scan-ssa", {"i": 10001}, 3), ("scan-ssa", {"i": 5}, 1),
    ("scan-rss", {"i": 10001}, 3), ("scan-rss", {"i": 40000}, 2),
    ("ts", {"i": 10000, "m": 64}, 3), ("ts", {"i": 1000, "m": 128}, 1),
    # TRNS: stripes a multiple of the DPUs (a partial last round re-allocates a smaller DPU set, as
    # PrIM, which renumbers the shim's DPU launches; tests/test_kernels_c.py covers it)
    ("trns", {"i": 50, "m": 16, "k": 8, "p": 6}, 3), ("trns", {"i": 37, "m": 3, "k": 5, "p": 2}, 2),
    ("mlp", {"m": 37, "k": 31, "g": "rand"}, 3), ("mlp", {"m": 300, "k": 299, "g": "rand"}, 2),
    ("nw", {"i": 64, "p": 1}, 3), ("nw", {"i": 48, "p": 2}, 2),
]


def c_opts(opts: dict) -> list[str]:
    return [x for k, v in opts.items() for x in (f"-{k}", str(v))]


def tasklet_histograms(dmas) -> dict[int, collections.Counter]:
    h: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for t, d, b, *_ in dmas:
        h[t][(d, b)] += 1
    return {t: c for t, c in h.items() if c}


def tasklet_addresses(dmas) -> dict[int, collections.Counter]:
    h: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for t, d, b, m, *_ in dmas:
        h[t][(d, b, m)] += 1
    return {t: c for t, c in h.items() if c}


def crosscheck(spec: Spec, opts: dict, nr_dpus: int, nt: int, tmp_path):
    from pimsim.engine import run_dpu
    from pimsim.kernel import DpuMemory

    K = py_kernel(spec.py_name)
    KERNEL = spec.kernel_of(K, nt)
    exe = (build_variant(nt, spec.c_name, spec.cflags) if spec.cflags else build_cached(nt)) / spec.c_name / "host_app"
    r = run(exe, ["-n", str(nr_dpus), "-x", "1", "-w", "0", "-e", "1", *c_opts(opts)], tmp_path,
            dump=True, dump_symbols=spec.dump_symbols)
    assert r.returncode == 0, r.stderr + r.stdout
    assert r.records["pimsim.result"]["status"] == "OK"
    logs = {(l.dpu, l.launch): l.dmas for l in r.launches}
    assert r.dumps, f"{spec.c_name}: the shim dumped no launch, nothing would be compared"
    assert set(logs) == set(r.dumps)
    shapes = {}
    for (dpu, launch), d in sorted(r.dumps.items()):
        c = Ctx(nt, dpu, launch, opts, nr_dpus)
        cargs = np.frombuffer(d["pre"][ARGS], spec.c_args)
        pyargs = spec.to_py_args(K, cargs, c)
        shapes[(dpu, launch)] = KERNEL.shape(pyargs)
        # (a) output
        mem = DpuMemory()
        pre = np.frombuffer(d["pre"][HEAP], np.uint8)
        mem.write(HEAP, 0, pre, pre.size)
        mem.write(ARGS, 0, pyargs, pyargs.nbytes)
        KERNEL.functional(mem, pyargs, nt)
        want, got = spec.c_out(d["post"], cargs, c), spec.py_out(K, mem, pyargs, c)
        assert want.keys() == got.keys()
        for k in want:
            np.testing.assert_array_equal(got[k], want[k], err_msg=f"{spec.c_name} dpu {dpu} launch {launch}: {k}")
        # (b) DMA log
        shape = spec.timing_shape(K, pyargs, d["pre"], c) if spec.timing_shape else shapes[(dpu, launch)]
        py_log = run_dpu(spec.program_of(K, KERNEL), shape, nt, dma_log=True).dma_log
        c_log = logs[(dpu, launch)]
        if spec.dma_compare(c_log, py_log, shape, c):
            continue
        assert tasklet_histograms(c_log) == tasklet_histograms(py_log), f"{spec.c_name} dpu {dpu} launch {launch}"
        keep = lambda log: [x for x in log if x[1] not in spec.address_exempt]  # noqa: E731
        assert tasklet_addresses(keep(c_log)) == tasklet_addresses(keep(py_log)), \
            f"{spec.c_name} dpu {dpu} launch {launch}"
    return shapes


def python_shapes(spec: Spec, nr_dpus: int, nt: int, size: int, params: dict, monkeypatch) -> dict:
    """(dpu, launch) -> shape of every launch the Python workload makes (timing-only run)."""
    from pimsim.config import load_preset
    from pimsim.host_api import DpuSet

    W = py_workload(spec.py_name)
    KERNEL = spec.kernel_of(py_kernel(spec.py_name), nt)
    seen: dict = {}
    orig = DpuSet.launch

    def launch(self, *a, **kw):
        k = len({l for _, l in seen})
        for dpu in range(self.nr_dpus):
            seen[(dpu, k)] = KERNEL.shape(self.args[dpu])
        return orig(self, *a, **kw)

    monkeypatch.setattr(DpuSet, "launch", launch)
    W.run(nr_dpus, nt, size, {**W.PARAMS, **params, **spec.py_params}, True, load_preset(), 1)
    return seen


# Python workload name, its size parameter and extra params, from the C options
PARTITION = {
    "va": lambda o: (o["i"], {}), "red": lambda o: (o["i"], {}), "sel": lambda o: (o["i"], {}),
    "uni": lambda o: (o["i"], {}), "bs": lambda o: (o["a"], {"queries": o["i"]}),
    "gemv": lambda o: (o["m"], {"n": o["k"]}), "hst-s": lambda o: (o["i"], {"bins": o["b"]}),
    "hst-l": lambda o: (o["i"], {"bins": o["b"]}), "hst-l4": lambda o: (o["i"], {"bins": o["b"]}),
    "scan-ssa": lambda o: (o["i"], {}), "scan-rss": lambda o: (o["i"], {}),
    "ts": lambda o: (o["i"], {"m": o["m"]}),
    "trns": lambda o: (o["i"], {"m": o["m"], "n": o["k"], "N_": o["p"]}),
    "mlp": lambda o: (o["m"], {"n": o["k"]}),
    "nw": lambda o: (o["i"], {"bl": NW_BL, "bl_in": NW_BL_IN, "penalty": o["p"]}),
}


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("kernel,opts,dpus", CASES, ids=[f"{k}-{'-'.join(map(str, o.values()))}-d{d}"
                                                        for k, o, d in CASES])
def test_c_vs_python(kernel, opts, dpus, nt, tmp_path, monkeypatch):
    spec = SPECS[kernel]
    c_shapes = crosscheck(spec, opts, dpus, nt, tmp_path)
    # (c) the C host partitions the problem as the Python workload
    size, params = PARTITION[kernel](opts)
    p_shapes = python_shapes(spec, dpus, nt, size, params, monkeypatch)
    assert c_shapes == p_shapes


def test_c_vs_python_hst_l_nr_histo_4(tmp_path, monkeypatch):
    """HST-L built with NR_HISTO=4 (16 tasklets) against make_kernel(4)."""
    spec = SPECS["hst-l4"]
    c_shapes = crosscheck(spec, {"i": 10001, "b": 256}, 3, 16, tmp_path)
    assert c_shapes == python_shapes(spec, 3, 16, 10001, {"bins": 256}, monkeypatch)


# ---------------------------------------------------------------------------------------------
# SpMV and BFS: PrIM keeps their parameters in the MRAM heap (offset 0), not in a WRAM argument
# symbol, and their Python timing shapes carry data-dependent counts (HintedArgs), rebuilt here
# from each DPU's pre-launch bytes. The Python programs batch equal DMAs (dma_read/dma_write
# count=n: the log lists each, but at the batch's first address), so read addresses are not
# compared (SpMV) or no addresses at all (BFS); counts and sizes per tasklet are.
# ---------------------------------------------------------------------------------------------
def _python_hint_shapes(K, W, nr_dpus: int, nt: int, size: int, params: dict, monkeypatch) -> dict:
    """(dpu, launch) -> the shape the Python workload hands every DPU (timing-only run)."""
    from pimsim.config import load_preset
    from pimsim.host_api import DpuSet

    seen: dict = {}
    orig = DpuSet.launch

    def launch(self, *a, **kw):
        k = len({l for _, l in seen})
        for dpu in range(self.nr_dpus):
            seen[(dpu, k)] = K.KERNEL.shape(self.args[dpu])
        return orig(self, *a, **kw)

    monkeypatch.setattr(DpuSet, "launch", launch)
    W.run(nr_dpus, nt, size, {**W.PARAMS, **params}, True, load_preset(), 1)
    return seen


def _spmv_shape(K, pre: dict, p, nt: int):
    rows = int(p["rows"])
    if rows == 0:
        return K.Shape(0, 0, 0, 0, 0, tuple((0, 0, 0, ()) for _ in range(nt)))
    rp = heap(pre, U32, int(p["row_ptrs_m"]), rows + 1)
    off0, nnz = int(p["row_ptrs_offset"]), int(rp[-1]) - int(p["row_ptrs_offset"])
    col = np.zeros(off0 + nnz, U32)                 # make_shape indexes columns by global nonzero
    col[off0:] = heap(pre, K.NONZERO, int(p["nonzeros_m"]), nnz)["col"]
    lay = {k: int(p[k]) for k in ("row_ptrs_m", "nonzeros_m", "in_vector_m", "out_vector_m")}
    return K.make_shape(rp, col, 0, rows, lay, nt)


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("kind,dpus", [("bcsstk0.02", 3), ("odd", 2), ("tiny", 8)])
def test_c_vs_python_spmv(kind, dpus, nt, tmp_path, monkeypatch):
    from pimsim.engine import run_dpu
    from pimsim.kernel import DpuMemory
    from test_kernels_c import spmv_matrix, write_mtx

    K, W = py_kernel("spmv"), py_workload("spmv")
    nrows, ncols, r, c, v = spmv_matrix(kind)
    path = tmp_path / "a.mtx"
    write_mtx(path, nrows, ncols, r, c, v)
    res = run(build_cached(nt) / "spmv" / "host_app",
              ["-n", str(dpus), "-w", "0", "-e", "1", "-f", str(path), "-g", "file"], tmp_path,
              dump=True, dump_symbols="DPU_CYCLES")
    assert res.returncode == 0, res.stderr + res.stdout
    logs = {(l.dpu, l.launch): l.dmas for l in res.launches}
    assert set(logs) == set(res.dumps) == {(d, 0) for d in range(dpus)}
    shapes = {}
    for (dpu, launch), d in sorted(res.dumps.items()):
        p = heap(d["pre"], K.PARAMS, 0, 1).copy()
        shape = shapes[(dpu, launch)] = _spmv_shape(K, d["pre"], p[0], nt)
        args = K.hinted(p, shape)
        # (a) output: y of the DPU's rows, bit for bit
        mem = DpuMemory()
        pre = np.frombuffer(d["pre"][HEAP], np.uint8)
        mem.write(HEAP, 0, pre, pre.size)
        K.KERNEL.functional(mem, args, nt)
        rows, out_m = int(p["rows"][0]), int(p["out_vector_m"][0])
        np.testing.assert_array_equal(mem_heap(mem, U32, out_m, rows), heap(d["post"], U32, out_m, rows),
                                      err_msg=f"spmv dpu {dpu}: y")
        # (b) DMA log: per tasklet sizes and counts; output-tile write addresses
        py_log = run_dpu(K.KERNEL.program, shape, nt, dma_log=True).dma_log
        c_log = logs[(dpu, launch)]
        assert tasklet_histograms(c_log) == tasklet_histograms(py_log), f"spmv dpu {dpu}"
        writes = lambda log: [x for x in log if x[1] == "write"]  # noqa: E731
        assert tasklet_addresses(writes(c_log)) == tasklet_addresses(writes(py_log)), f"spmv dpu {dpu}"
    # (c) partition and layout: the Python workload on the same file
    assert shapes == _python_hint_shapes(K, W, dpus, nt, max(2, nrows), {"file": str(path), "values": "file"},
                                         monkeypatch)


def _popcount64(w: np.ndarray) -> np.ndarray:
    return np.unpackbits(np.ascontiguousarray(w, np.uint64).view(np.uint8)).reshape(-1, 64).sum(axis=1) \
        if w.size else np.zeros(0, np.int64)


def _bfs_shape(K, pre: dict, p, nt: int):
    """The Python timing shape from one DPU's pre-launch state: per tasklet the update sweep's
    tiles, non-zero, owned, owned non-zero tiles and owned set bits (from the merged frontier in
    the next-frontier slot) and the expand phase's nodes, frontier nodes, edges and neighbours
    not yet visited (visited | frontier), i.e. what the C kernel meets, not the host's BFS."""
    G, n = int(p["nodes"]) // 64, int(p["dpu_nodes"])
    lay = tuple(int(p[k]) for k in ("node_ptrs_m", "neighbors_m", "node_level_m", "visited_m", "current_m", "next_m"))
    nxt = heap(pre, np.uint64, lay[5], G)
    seen = heap(pre, np.uint64, lay[3], G) | nxt
    bits = _popcount64(nxt)
    t0, nt0 = int(p["start_node"]) // 64, n // 64
    upd = []
    for t in range(nt):
        tiles = np.arange(t, G, nt)
        own = (tiles >= t0) & (tiles < t0 + nt0)
        nz = bits[tiles] > 0
        upd.append((tiles.size, int(nz.sum()), int(own.sum()), int((nz & own).sum()), int(bits[tiles][own].sum())))
    ptrs = heap(pre, U32, lay[0], n + 1).astype(np.int64) - int(p["node_ptrs_offset"])
    nbr = heap(pre, U32, lay[1], int(ptrs[-1])).astype(np.int64)
    start = int(p["start_node"])
    node = np.arange(start, start + n)
    front = ((nxt[node // 64] >> (node % 64).astype(np.uint64)) & np.uint64(1)).astype(bool)
    deg = np.diff(ptrs)
    unvisited = ~((seen[nbr // 64] >> (nbr % 64).astype(np.uint64)) & np.uint64(1)).astype(bool)
    hits = np.bincount(np.repeat(np.arange(n), deg)[unvisited], minlength=n) * front
    per = -(-n // nt)
    exp = []
    for t in range(nt):
        a, b = min(n, t * per), min(n, (t + 1) * per)
        exp.append((b - a, int(front[a:b].sum()), int(deg[a:b][front[a:b]].sum()), int(hits[a:b].sum())))
    return K.Shape(G, n, tuple(upd), tuple(exp), lay)


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("kind,dpus", [("gowalla", 3), ("disc", 2), ("path", 4)])
def test_c_vs_python_bfs(kind, dpus, nt, tmp_path, monkeypatch):
    import dataclasses

    from pimsim.engine import run_dpu
    from pimsim.kernel import DpuMemory
    from test_kernels_c import bfs_graph, write_edges

    K, W = py_kernel("bfs"), py_workload("bfs")
    src, dst, hn = bfs_graph(kind)
    path = tmp_path / "g.txt"
    write_edges(path, src, dst, hn)
    res = run(build_cached(nt) / "bfs" / "host_app", ["-n", str(dpus), "-w", "0", "-e", "1", "-f", str(path)],
              tmp_path, dump=True, dump_symbols="DPU_CYCLES")
    assert res.returncode == 0, res.stderr + res.stdout
    logs = {(l.dpu, l.launch): l.dmas for l in res.launches}
    assert set(logs) == set(res.dumps)
    shapes = {}
    for (dpu, launch), d in sorted(res.dumps.items()):
        p = heap(d["pre"], K.PARAMS, 0, 1).copy()
        n, G = int(p["dpu_nodes"][0]), int(p["nodes"][0]) // 64
        if n == 0:          # params all zero but dpuNumNodes (PrIM leaves them unset); tiles as DPU 0's
            shape = K.Shape(int(heap(res.dumps[(0, launch)]["pre"], K.PARAMS, 0, 1)["nodes"][0]) // 64, 0, (), (), ())
        else:
            shape = _bfs_shape(K, d["pre"], p[0], nt)
            # (a) output: levels, visited, current and next frontier after the launch
            mem = DpuMemory()
            pre = np.frombuffer(d["pre"][HEAP], np.uint8)
            mem.write(HEAP, 0, pre, pre.size)
            K.KERNEL.functional(mem, K.hinted(p, shape), nt)
            lay = shape.layout
            for name, off, dt, cnt in (("levels", lay[2], U32, n), ("visited", lay[3], np.uint64, G),
                                       ("current", lay[4], np.uint64, n // 64), ("next", lay[5], np.uint64, G)):
                np.testing.assert_array_equal(mem_heap(mem, dt, off, cnt), heap(d["post"], dt, off, cnt),
                                              err_msg=f"bfs dpu {dpu} launch {launch}: {name}")
        # (b) DMA log: per tasklet counts and sizes (the Python program batches per phase)
        py_log = run_dpu(K.KERNEL.program, shape, nt, dma_log=True).dma_log
        assert tasklet_histograms(logs[(dpu, launch)]) == tasklet_histograms(py_log), f"bfs dpu {dpu} launch {launch}"
        # (c) compared below with the Python workload, whose heap offsets start after the params
        # (it keeps them in a separate DPU_PARAMS symbol), i.e. PrIM's minus 48 B
        shapes[(dpu, launch)] = dataclasses.replace(
            shape, layout=tuple(x - K.PARAMS_BYTES for x in shape.layout)) if n else shape
    assert shapes == _python_hint_shapes(K, W, dpus, nt, 64, {"file": str(path)}, monkeypatch)
