"""Helpers for the kernels_c tests: build with the gcc shim, run a host program,
reproduce its seeded inputs in numpy, parse the DMA log, and compute the DMA
pattern each kernel's partitioning rule implies (see kernels_c/README.md)."""

from __future__ import annotations

import collections
import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KERNELS_C = ROOT / "kernels_c"

#: MRAM<->WRAM block of the kernels (BL=10, as the PrIM Makefiles).
BLOCK_SIZE = 1024
#: largest single DMA (UPMEM SDK mram_read/mram_write).
DMA_MAX = 2048
#: exit status of a program stopped by a shim rule (kernels_c/shim/include/pimsim_shim.h).
SHIM_FAULT_EXIT = 3

HAVE_TOOLCHAIN = shutil.which("gcc") is not None and shutil.which("make") is not None


def build(build_dir: Path, nr_tasklets: int, kernels: list[str], extra: list[str] = ()) -> Path:
    """`make SDK=shim` the given kernels (+ shim rule tests) into build_dir."""
    cmd = ["make", "-s", "-C", str(KERNELS_C), "SDK=shim", f"NR_TASKLETS={nr_tasklets}",
           f"BUILD={build_dir}", f"KERNELS={' '.join(kernels)}", f"-j{os.cpu_count() or 1}", *extra]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"build failed: {' '.join(cmd)}\n{res.stdout}\n{res.stderr}")
    return build_dir


#: every kernel with a C twin (kernels_c/<name>/dpu/task.c)
ALL_KERNELS = sorted(p.parent.parent.name for p in KERNELS_C.glob("*/dpu/task.c"))


@functools.lru_cache(maxsize=None)
def build_cached(nr_tasklets: int) -> Path:
    """All kernels + the shim rule tests for `nr_tasklets`, built once per test process
    (shared by every kernels_c test module) into a private temporary directory."""
    root = Path(tempfile.mkdtemp(prefix=f"pimsim-kernels-c-t{nr_tasklets}-"))
    return build(root, nr_tasklets, ALL_KERNELS, ["all", "shim-tests"])


@functools.lru_cache(maxsize=None)
def build_variant(nr_tasklets: int, kernel: str, cflags: str) -> Path:
    """One kernel built with extra compiler flags (e.g. -DNR_HISTO=4), once per process."""
    root = Path(tempfile.mkdtemp(prefix=f"pimsim-kernels-c-t{nr_tasklets}-{kernel}-"))
    return build(root, nr_tasklets, [kernel], [f"EXTRA_CFLAGS={cflags}"])


# ---- the host programs' PRNG (kernels_c/common/pimsim_host.h) ----
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def prand(seed: int, stream: int, n: int, start: int = 0) -> np.ndarray:
    """pimsim_rand(seed, stream, i) for i in [start, start+n), as uint64."""
    with np.errstate(over="ignore"):
        key = _mix64(np.array([np.uint64(seed) * _GOLDEN + np.uint64(stream)], dtype=np.uint64))[0]
        i = np.arange(start + 1, start + n + 1, dtype=np.uint64)
        return _mix64(key + i * _GOLDEN)


# ---- running ----
@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    cycles: dict[int, int] = field(default_factory=dict)
    output: bytes = b""
    launches: list["Launch"] = field(default_factory=list)
    #: (dpu, launch) -> {"pre"|"post": {symbol: bytes}} with dump=True (shim PIMSIM_DUMP_DIR)
    dumps: dict[tuple[int, int], dict[str, dict[str, bytes]]] = field(default_factory=dict)


@dataclass
class Launch:
    dpu: int
    launch: int
    nr_tasklets: int
    dmas: list[tuple[int, str, int, int, int]]  # tasklet, direction, bytes, mram_addr, wram_addr

    def histogram(self) -> dict[int, collections.Counter]:
        """tasklet -> Counter{(direction, bytes): count}"""
        h: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
        for t, d, b, _, _ in self.dmas:
            h[t][(d, b)] += 1
        return dict(h)


def parse_dma_log(text: str) -> list[Launch]:
    launches: list[Launch] = []
    for line in text.splitlines():
        if line.startswith("#"):
            kv = dict(p.split("=") for p in line[1:].split())
            launches.append(Launch(int(kv["dpu"]), int(kv["launch"]), int(kv["nr_tasklets"]), []))
        elif line:
            t, d, b, m, w = line.split(",")
            launches[-1].dmas.append((int(t), d, int(b), int(m), int(w)))
    return launches


def load_dumps(d: Path) -> dict[tuple[int, int], dict[str, dict[str, bytes]]]:
    """Files dpu<i>_launch<k>_<pre|post>_<SYMBOL>.bin written by the shim (host_rt.c)."""
    out: dict = {}
    for f in sorted(d.glob("dpu*_launch*_*.bin")):
        dpu, launch, when, sym = f.stem.split("_", 3)
        out.setdefault((int(dpu[3:]), int(launch[6:])), {"pre": {}, "post": {}})[when][sym] = f.read_bytes()
    return out


def run(exe: Path, args: list[str], tmp: Path, dma_log: bool = True, dump: bool = False,
        dump_symbols: str | None = None) -> Run:
    out = tmp / "out.bin"
    log = tmp / "dma.csv"
    env = dict(os.environ)
    for k in ("PIMSIM_DMA_LOG", "PIMSIM_DUMP_DIR", "PIMSIM_DUMP_SYMBOLS"):
        env.pop(k, None)
    if dma_log:
        env["PIMSIM_DMA_LOG"] = str(log)
    dump_dir = tmp / "dump"
    if dump:
        shutil.rmtree(dump_dir, ignore_errors=True)
        dump_dir.mkdir()
        env["PIMSIM_DUMP_DIR"] = str(dump_dir)
        if dump_symbols:
            env["PIMSIM_DUMP_SYMBOLS"] = dump_symbols
    res = subprocess.run([str(exe), *args, "-o", str(out)], capture_output=True, text=True, env=env, timeout=120)
    r = Run(res.returncode, res.stdout, res.stderr)
    for line in res.stdout.splitlines():
        if line.startswith("pimsim."):
            name, *kvs = line.split()
            kv = dict(p.split("=", 1) for p in kvs)
            if name == "pimsim.cycles":
                r.cycles[int(kv["dpu"])] = int(kv["cycles"])
            else:
                r.records[name] = kv
    if out.exists():
        r.output = out.read_bytes()
    if dma_log and log.exists():
        r.launches = parse_dma_log(log.read_text())
    if dump:
        r.dumps = load_dumps(dump_dir)
    return r


# ---- partitioning rules (mirror kernels_c/common/pimsim_host.h) ----
def divceil(a: int, b: int) -> int:
    return -(-a // b)


def round_up(a: int, b: int) -> int:
    return divceil(a, b) * b


def align8(x: int, elem_bytes: int) -> int:
    """PrIM's `(x * sizeof(T)) % 8 ? roundup(x, 8) : x` with roundup(x, 8) = (x/8)*8 + 8."""
    return (x // 8) * 8 + 8 if (x * elem_bytes) % 8 else x


def chunk_1d(n: int, nr_dpus: int, elem_bytes: int) -> int:
    return align8(divceil(n, nr_dpus), elem_bytes)


def count_1d(n: int, chunk: int, i: int) -> int:
    return max(0, min(chunk, n - i * chunk))


def va_count(n: int, chunk: int, nr_dpus: int, i: int, elem_bytes: int) -> int:
    """PrIM VA: DPUs < D-1 get chunk, the last align8(n) - (D-1)*chunk (0 past the data)."""
    total8 = align8(n, elem_bytes)
    if i * chunk >= total8:
        return 0
    return total8 - i * chunk if i == nr_dpus - 1 else min(chunk, total8 - i * chunk)


def strided_blocks(nbytes: int, tasklet: int, nr_tasklets: int, block: int = BLOCK_SIZE) -> list[int]:
    """Block lengths tasklet `tasklet` handles: offsets t*B, t*B + T*B, ... below nbytes."""
    return [min(block, nbytes - off) for off in range(tasklet * block, nbytes, nr_tasklets * block)]


def histo(pairs) -> collections.Counter:
    return collections.Counter(pairs)


