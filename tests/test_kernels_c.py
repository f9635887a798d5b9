"""kernels_c: each C kernel built with the gcc shim against numpy references and the
DMA pattern its partitioning rule implies (kernels_c/README.md); the shim's own rules."""
import collections
import os
import shutil
import subprocess

import numpy as np
import pytest
from kernels_c_helpers import (BLOCK_SIZE, DMA_MAX, HAVE_TOOLCHAIN, KERNELS_C, SHIM_FAULT_EXIT, Run, build,
                               build_cached, build_variant, chunk_1d, count_1d, divceil, histo, prand, round_up, run,
                               strided_blocks, va_count)

pytestmark = pytest.mark.skipif(not HAVE_TOOLCHAIN, reason="gcc/make not available")

TASKLETS = (1, 11, 16)


@pytest.fixture(scope="session")
def builds():
    """NR_TASKLETS -> build dir with every kernel and the shim rule tests."""
    return {nt: build_cached(nt) for nt in TASKLETS}


def exe(builds, nt, kernel):
    return builds[nt] / kernel / "host_app"


def common_args(dpus, *extra):
    return ["-n", str(dpus), "-x", "1", "-w", "0", "-e", "1", *map(str, extra)]


def check_ok(r: Run):
    assert r.returncode == 0, r.stderr + r.stdout
    assert r.records["pimsim.result"]["status"] == "OK"
    t = r.records["pimsim.time_ms"]
    assert set(t) >= {"cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu"}


def launch_histograms(r: Run, nr_dpus: int) -> list[dict[int, collections.Counter]]:
    assert [l.dpu for l in r.launches] == list(range(nr_dpus)), "one launch per DPU expected"
    return [l.histogram() for l in r.launches]


def drop_empty(h: dict[int, collections.Counter]) -> dict[int, collections.Counter]:
    return {t: c for t, c in h.items() if c}


# ---- VA ----
@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n", [(1, 1), (1, 4096), (3, 10001), (4, 70000), (5, 3)])
def test_va(builds, tmp_path, nt, dpus, n):
    r = run(exe(builds, nt, "va"), common_args(dpus, "-i", n), tmp_path)
    check_ok(r)
    a = (prand(1, 0, n) >> np.uint64(34)).astype(np.int32)
    b = (prand(1, 1, n) >> np.uint64(34)).astype(np.int32)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int32), a + b)
    chunk = chunk_1d(n, dpus, 4)
    for i, h in enumerate(launch_histograms(r, dpus)):
        nbytes = va_count(n, chunk, dpus, i, 4) * 4
        exp = {t: histo([(d, l) for l in strided_blocks(nbytes, t, nt) for d in ("read", "read", "write")])
               for t in range(nt)}
        assert h == drop_empty(exp)


# ---- RED ----
@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n", [(1, 1), (2, 2048), (3, 10001), (4, 65537)])
def test_red(builds, tmp_path, nt, dpus, n):
    r = run(exe(builds, nt, "red"), common_args(dpus, "-i", n), tmp_path)
    check_ok(r)
    a = (prand(1, 0, n) >> np.uint64(32)).astype(np.int64)
    assert np.frombuffer(r.output, np.int64)[0] == a.sum()
    chunk = chunk_1d(n, dpus, 8)
    for i, h in enumerate(launch_histograms(r, dpus)):
        nbytes = count_1d(n, chunk, i) * 8
        exp = {t: histo(("read", l) for l in strided_blocks(nbytes, t, nt)) for t in range(nt)}
        assert h == drop_empty(exp)


def test_red_tree_variant(tmp_path):
    """The handshake tree reduction (-DRED_TREE) gives the same sum."""
    b = build(tmp_path / "tree", 16, ["red"], ["EXTRA_CFLAGS=-DRED_TREE"])
    for nt_args in (common_args(2, "-i", 30001),):
        r = run(b / "red" / "host_app", nt_args, tmp_path)
        check_ok(r)
        a = (prand(1, 0, 30001) >> np.uint64(32)).astype(np.int64)
        assert np.frombuffer(r.output, np.int64)[0] == a.sum()


# ---- GEMV ----
@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,m,k", [(1, 8, 256), (3, 37, 301), (2, 100, 700), (4, 3, 5)])
def test_gemv(builds, tmp_path, nt, dpus, m, k):
    r = run(exe(builds, nt, "gemv"), common_args(dpus, "-m", m, "-k", k), tmp_path)
    check_ok(r)
    a = (prand(1, 0, m * k) % np.uint64(50)).astype(np.uint32).reshape(m, k)
    b = (prand(1, 1, k) % np.uint64(50)).astype(np.uint32)
    ref = (a.astype(np.uint64) @ b.astype(np.uint64)).astype(np.uint32)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.uint32), ref)
    blocks_per_row = divceil(k, BLOCK_SIZE // 4)
    for i, h in enumerate(launch_histograms(r, dpus)):
        rows = m // dpus + (i < m % dpus)
        pairs = divceil(rows, 2)
        exp = {}
        for t in range(nt):
            my = pairs // nt + (t < pairs % nt)
            first = t * (pairs // nt) + min(t, pairs % nt)
            my_rows = [r for p in range(first, first + my) for r in (2 * p, 2 * p + 1) if r < rows]
            # rows starting 4 bytes past an 8-byte boundary (packed rows, odd k): one extra
            # 8-byte read per block for the block's last element (PrIM)
            odd = sum((r * k) % 2 for r in my_rows)
            exp[t] = histo([("read", BLOCK_SIZE)] * (2 * blocks_per_row * len(my_rows))
                           + [("read", 8)] * (blocks_per_row * odd) + [("write", 8)] * my)
        assert h == drop_empty(exp)


# ---- SEL ----
@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n", [(1, 5), (3, 10001), (2, 40000)])
def test_sel(builds, tmp_path, nt, dpus, n):
    r = run(exe(builds, nt, "sel"), common_args(dpus, "-i", n), tmp_path)
    check_ok(r)
    a = prand(1, 0, n)
    kept = a[a % np.uint64(2) == 1]
    np.testing.assert_array_equal(np.frombuffer(r.output, np.uint64), kept)
    regs = BLOCK_SIZE // 8
    chunk = round_up(divceil(n, dpus), nt * regs)
    padded = np.zeros(chunk * dpus, np.uint64)
    padded[:n] = a
    for i, h in enumerate(launch_histograms(r, dpus)):
        blocks = padded[i * chunk:(i + 1) * chunk].reshape(-1, regs)
        exp = {t: collections.Counter() for t in range(nt)}
        for bidx, blk in enumerate(blocks):
            t = bidx % nt
            exp[t][("read", BLOCK_SIZE)] += 1
            nk = int((blk % np.uint64(2) == 1).sum())
            if nk:
                exp[t][("write", nk * 8)] += 1
        assert h == drop_empty(exp)


# ---- UNI ----
def uni_input(n: int, gen: str) -> np.ndarray:
    k = np.arange(n, dtype=np.int64)
    return np.where(k % 2 == 0, k, k + 1) if gen == "prim" else (prand(1, 0, n) % np.uint64(3)).astype(np.int64)


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n,gen", [(1, 5, "prim"), (3, 10001, "prim"), (3, 10001, "rand"), (2, 40000, "rand"),
                                        (4, 300, "rand")])
def test_uni(builds, tmp_path, nt, dpus, n, gen):
    r = run(exe(builds, nt, "uni"), common_args(dpus, "-i", n, "-g", gen), tmp_path)
    check_ok(r)
    a = uni_input(n, gen)
    keep = np.ones(n, bool)
    keep[1:] = a[1:] != a[:-1]
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int64), a[keep])
    regs = BLOCK_SIZE // 8
    chunk = round_up(divceil(n, dpus), nt * regs)
    padded = np.full(chunk * dpus, a[-1], np.int64)
    padded[:n] = a
    for i, h in enumerate(launch_histograms(r, dpus)):
        blocks = padded[i * chunk:(i + 1) * chunk].reshape(-1, regs)
        exp = {t: collections.Counter() for t in range(nt)}
        for bidx, blk in enumerate(blocks):
            exp[bidx % nt][("read", BLOCK_SIZE)] += 1
            exp[bidx % nt][("write", 8 * (1 + int((blk[1:] != blk[:-1]).sum())))] += 1
        assert h == drop_empty(exp)


# ---- BS ----
BS_BLOCK = 256      # PrIM's BS Makefile does not pass BL: BLOCK_SIZE = 256 bytes


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n,q", [(1, 256, 16), (2, 10000, 1000), (3, 4099, 333)])
def test_bs(builds, tmp_path, nt, dpus, n, q):
    r = run(exe(builds, nt, "bs"), ["-n", str(dpus), "-a", str(n), "-i", str(q), "-w", "0", "-e", "1"], tmp_path)
    check_ok(r)     # every tasklet's found index equals the host's replay of the DPU search
    unit = dpus * nt
    q = divceil(q, unit) * unit
    per = q // unit
    found = np.frombuffer(r.output, np.int64).reshape(dpus, nt)
    assert found.max() <= n - 1 + BS_BLOCK // 8
    assert r.records["pimsim.bs"]["prim_check"] in ("OK", "FAIL")   # PrIM's max check (fails: PrIM bug)
    for i, h in enumerate(launch_histograms(r, dpus)):
        for t in range(nt):
            c = h.get(t, collections.Counter())
            assert set(c) <= {("read", 8), ("read", BS_BLOCK)}
            assert c[("read", 8)] == per                        # one query each
            assert c[("read", BS_BLOCK)] >= 3 * per             # two aux blocks + >= 1 search block each
        for t, d, b, m, w in r.launches[i].dmas:
            if b == 8:                                          # query t*per + k of this DPU
                assert n * 8 + t * per * 8 <= m < n * 8 + (t + 1) * per * 8


def test_bs_small_array_rejected(builds, tmp_path):
    r = run(exe(builds, 16, "bs"), ["-n", "1", "-a", "255", "-i", "16", "-w", "0", "-e", "1"], tmp_path)
    assert r.returncode == 1 and "needs >= 256 elements" in r.stderr


# ---- HST-S ----
@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n,bins", [(1, 5, 2), (3, 10001, 256), (2, 50000, 64), (1, 3000, 1024)])
@pytest.mark.parametrize("kernel", ["hst-s", "hst-l"])
def test_hst(builds, tmp_path, nt, dpus, n, bins, kernel):
    r = run(exe(builds, nt, kernel), common_args(dpus, "-i", n, "-b", bins), tmp_path)
    histos = nt if kernel == "hst-s" else 1     # private per tasklet / one shared (NR_HISTO=1)
    if histos * bins * 4 + nt * BLOCK_SIZE + nt * 1024 > 65536:
        # private histograms + blocks + 1 KB stacks do not fit the 64 KB WRAM
        assert r.returncode == SHIM_FAULT_EXIT and "WRAM overflow" in r.stderr
        return
    check_ok(r)
    px = (prand(1, 0, n) >> np.uint64(64 - 12)).astype(np.uint64)
    ref = np.bincount(((px * np.uint64(bins)) >> np.uint64(12)).astype(np.int64), minlength=bins)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.uint32), ref)
    chunk = chunk_1d(n, dpus, 4)
    for i, h in enumerate(launch_histograms(r, dpus)):
        nbytes = count_1d(n, chunk, i) * 4
        exp = {t: histo(("read", round_up(l, 8)) for l in strided_blocks(nbytes, t, nt)) for t in range(nt)}
        hb = bins * 4
        exp[0].update(("write", min(DMA_MAX, hb - o)) for o in range(0, hb, DMA_MAX))
        assert h == drop_empty(exp)


def test_hst_l_nr_histo_4(tmp_path):
    """NR_HISTO=4 at 16 tasklets: four shared histograms, same output and DMAs; 4 x 4096
    bins do not fit in WRAM (the shim stops it, as the SDK's allocator would)."""
    b = build_variant(16, "hst-l", "-DNR_HISTO=4")
    r = run(b / "hst-l" / "host_app", common_args(3, "-i", 10001, "-b", 256), tmp_path)
    check_ok(r)
    px = (prand(1, 0, 10001) >> np.uint64(64 - 12)).astype(np.uint64)
    ref = np.bincount(((px * np.uint64(256)) >> np.uint64(12)).astype(np.int64), minlength=256)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.uint32), ref)
    r = run(b / "hst-l" / "host_app", common_args(1, "-i", 1000, "-b", 4096), tmp_path)
    assert r.returncode == SHIM_FAULT_EXIT and "WRAM overflow" in r.stderr


# ---- SCAN-SSA / SCAN-RSS ----
@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("kernel", ["scan-ssa", "scan-rss"])
@pytest.mark.parametrize("dpus,n", [(1, 5), (3, 10001), (2, 40000)])
def test_scan(builds, tmp_path, nt, kernel, dpus, n):
    r = run(exe(builds, nt, kernel), common_args(dpus, "-i", n), tmp_path)
    check_ok(r)
    a = (prand(1, 0, n) >> np.uint64(32)).astype(np.int64)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int64), np.cumsum(a))
    chunk = round_up(divceil(n, dpus), nt * (BLOCK_SIZE // 8))
    blocks_of = [len(range(t, chunk * 8 // BLOCK_SIZE, nt)) for t in range(nt)]
    # two launches per DPU: all DPUs run pass 0, then all run pass 1
    assert [(l.dpu, l.launch) for l in r.launches] == [(i, p) for p in (0, 1) for i in range(dpus)]
    for l in r.launches:
        rw = histo({("read", BLOCK_SIZE): 1, ("write", BLOCK_SIZE): 1})
        ro = histo({("read", BLOCK_SIZE): 1})
        per_block = ro if (kernel == "scan-rss" and l.launch == 0) else rw
        exp = {t: collections.Counter({k: v * blocks_of[t] for k, v in per_block.items()}) for t in range(nt)}
        assert l.histogram() == drop_empty(exp)


# ---- the shim itself ----
def shim_test(builds, nt, name, tmp_path, dpus=1):
    return run(builds[nt] / "shim-tests" / name / "host_app", ["-n", str(dpus)], tmp_path)


@pytest.mark.parametrize("name,message", [
    ("dma_size", "mram_read: size 12 bytes is not a multiple of 8"),
    ("dma_align_mram", "mram_read: MRAM address 0x8000004 is not 8-byte aligned"),
    ("dma_align_wram", "mram_write: WRAM address"),
    ("wram_overflow", "WRAM overflow"),
    ("static_wram_overflow", "WRAM overflow at load: static 70000"),
])
def test_shim_rejects(builds, tmp_path, name, message):
    r = shim_test(builds, 16, name, tmp_path)
    assert r.returncode == SHIM_FAULT_EXIT
    assert message in r.stderr
    assert "launched" not in r.stdout


def test_shim_wram_overflow_names_limit(builds, tmp_path):
    r = shim_test(builds, 16, "wram_overflow", tmp_path)
    assert "mem_alloc(24576)" in r.stderr and "stacks 16 x 1024" in r.stderr and "65536" in r.stderr


def test_shim_dma_range(tmp_path):
    """A 2056-byte DMA exceeds the SDK maximum of 2048 bytes."""
    src = tmp_path / "big.c"
    src.write_text('#include <alloc.h>\n#include <defs.h>\n#include <mram.h>\n'
                   'int main(void){ if(me()==0){ mem_reset(); char *b = mem_alloc(4096);'
                   ' mram_read(DPU_MRAM_HEAP_POINTER, b, 2056);} return 0; }\n')
    inc = KERNELS_C / "shim" / "include"
    so = tmp_path / "big.so"
    for cmd in (["gcc", "-fPIC", "-pthread", "-I", str(inc), "-DNR_TASKLETS=1", "-Dmain=__pimsim_dpu_main",
                 "-shared", "-o", str(so), str(src), str(KERNELS_C / "shim" / "src" / "dpu_rt.c")],
                ["gcc", "-pthread", "-I", str(KERNELS_C / "shim" / "host"), "-I", str(inc),
                 f'-DDPU_BINARY="{so}"', "-o", str(tmp_path / "host"),
                 str(KERNELS_C / "shim" / "tests" / "host_launch.c"), str(KERNELS_C / "shim" / "src" / "host_rt.c"),
                 "-ldl"]):
        subprocess.run(cmd, check=True, capture_output=True)
    r = run(tmp_path / "host", [], tmp_path)
    assert r.returncode == SHIM_FAULT_EXIT
    assert "size 2056 bytes is outside the SDK DMA range 8..2048 bytes" in r.stderr


@pytest.mark.parametrize("nt", TASKLETS)
def test_shim_primitives_and_log(builds, tmp_path, nt):
    """Barrier, mutex, handshake chain and perfcounter work on every DPU; the log
    has one section per DPU launch with the expected DMAs."""
    r = shim_test(builds, nt, "dma_ok", tmp_path, dpus=3)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("result 1") == 3
    assert [l.dpu for l in r.launches] == [0, 1, 2]
    for l in r.launches:
        assert l.nr_tasklets == nt
        exp = {t: histo([("read", 8), ("read", 2048), ("write", 16)]) for t in range(nt)}
        assert l.histogram() == exp
        for t, d, b, m, w in l.dmas:
            assert m == t * 4096 + (2048 if d == "write" else 0)
            assert w % 8 == 0 and w > 0


def test_no_dma_log_without_env(builds, tmp_path):
    r = run(exe(builds, 1, "va"), common_args(1, "-i", 100), tmp_path, dma_log=False)
    check_ok(r)
    assert not (tmp_path / "dma.csv").exists()


def test_weak_scaling_default(builds, tmp_path):
    """-x 0 (PrIM default): -i is per DPU."""
    r = run(exe(builds, 16, "va"), ["-n", "2", "-i", "1000", "-w", "0", "-e", "1"], tmp_path, dma_log=False)
    check_ok(r)
    assert r.records["pimsim.params"]["size"] == "2000"
    assert len(r.output) == 2000 * 4
    assert set(r.cycles) == {0, 1}


@pytest.mark.skipif(all(shutil.which(t) for t in ("dpu-upmem-dpurte-clang", "dpu-pkg-config")),
                    reason="the UPMEM SDK is installed here")
def test_make_sdk_upmem_names_missing_tools(tmp_path):
    r = subprocess.run(["make", "-C", str(KERNELS_C), "SDK=upmem", f"BUILD={tmp_path}", "KERNELS=va"],
                       capture_output=True, text=True, env=dict(os.environ, PATH="/usr/bin:/bin"))
    assert r.returncode != 0
    assert "dpu-upmem-dpurte-clang" in r.stderr and "dpu-pkg-config" in r.stderr


# ---- TS ----
TS_BLOCK = 256      # PrIM TS common.h falls back to BL=8; 1 KB blocks would overflow WRAM at 16 tasklets
TS_DOTPIP = TS_BLOCK // 4


def ts_inputs(ts_size: int, m: int):
    """PrIM's series/query (i % 127) padded with m zeros, and its host statistics."""
    total = ts_size + m
    series = np.zeros(total, np.int64)
    series[:ts_size] = np.arange(ts_size) % 127
    query = np.arange(m, dtype=np.int64) % 127
    c = np.concatenate(([0.0], np.cumsum(series[:ts_size], dtype=np.float64)))
    c2 = np.concatenate(([0.0], np.cumsum(series[:ts_size].astype(np.float64) ** 2)))
    prof = ts_size - m
    mean = np.zeros(total, np.int64)
    sigma = np.zeros(total, np.int64)
    mean[:prof] = ((c[m:m + prof] - c[:prof]) / m).astype(np.int32)
    sigma[:prof] = np.sqrt((c2[m:m + prof] - c2[:prof]) / m).astype(np.int32)
    return series, query, mean, sigma


def i32(x):
    return np.asarray(x, np.int64).astype(np.int32).astype(np.int64)


def ts_distances(series, query, mean, sigma, m, qmean, qstd, positions):
    dots = np.correlate(series, query, "valid")[positions]
    num = i32(dots - i32(m * mean[positions] * qmean))
    den = i32(sigma[positions] * qstd)
    q = np.where(den == 0, -1, np.abs(num) // np.where(den == 0, 1, np.abs(den)) * np.sign(num) * np.sign(den))
    return i32(2 * (m - q))


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n,m", [(1, 1000, 64), (3, 10000, 64), (2, 5000, 128)])
def test_ts(builds, tmp_path, nt, dpus, n, m):
    r = run(exe(builds, nt, "ts"), common_args(dpus, "-i", n, "-m", m), tmp_path)
    check_ok(r)      # the smallest positive minimum equals PrIM's host STREAMP
    unit = dpus * nt * m
    ts_size = round_up(n, unit)
    per = ts_size // dpus
    series, query, mean, sigma = ts_inputs(ts_size, m)
    qmean, qstd = int(r.records["pimsim.ts"]["query_mean"]), int(r.records["pimsim.ts"]["query_std"])
    res = np.frombuffer(r.output, np.dtype([("v", np.int32), ("i", np.uint32), ("mv", np.int32), ("mi", np.uint32)]))
    res = res.reshape(dpus, nt)
    hists = launch_histograms(r, dpus)
    for d in range(dpus):
        exp_h = {}
        for t in range(nt):
            start = t * (per // nt)
            end = min(start + per // nt - 1, per - m)
            groups = list(range(start, end, TS_DOTPIP))
            if groups:
                local = np.array([i + k for i in groups for k in range(TS_DOTPIP)])
                dist = ts_distances(series, query, mean, sigma, m, qmean, qstd, d * per + local)
                assert (int(res[d, t]["v"]), int(res[d, t]["i"])) == (int(dist.min()), int(local[dist.argmin()]))
            else:
                assert (int(res[d, t]["v"]), int(res[d, t]["i"])) == (2**31 - 1, 0)
            exp_h[t] = histo({("read", TS_BLOCK): len(groups) * (3 * (m // TS_DOTPIP) + 2)})
        assert hists[d] == drop_empty({t: c for t, c in exp_h.items() if sum(c.values())})


# ---- TRNS ----
def trns_next(g: int, M_: int, n: int) -> int:
    return g * M_ - (M_ * n - 1) * (g // n)


def trns_step3_sequential(m: int, n: int, M_: int) -> collections.Counter:
    """The step-3 DMAs of one tasklet doing all the work (PrIM's algorithm run in order)."""
    tile_max, gb = M_ * n - 1, m * 8
    done = [False] * (M_ * n)
    h = collections.Counter()
    for tile in range(tile_max):
        nxt = trns_next(tile, M_, n)
        if nxt == tile:
            continue
        h[("read", gb)] += 1
        h[("read", 8)] += 1
        d = done[tile]
        while not d:
            h[("read", gb)] += 1
            h[("read", 8)] += 1
            h[("write", 8)] += 1
            d, done[nxt] = done[nxt], True
            if not d:
                h[("write", gb)] += 1
            nxt = trns_next(nxt, M_, n)
    return h


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,M_,m,n,N_", [(1, 20, 16, 8, 1), (3, 50, 16, 8, 7), (2, 37, 3, 5, 2), (4, 5, 32, 9, 3)])
def test_trns(builds, tmp_path, nt, dpus, M_, m, n, N_):
    r = run(exe(builds, nt, "trns"), common_args(dpus, "-i", M_, "-m", m, "-k", n, "-p", N_), tmp_path)
    if nt * (2 * m * n * 8 + 1024) > 65536:     # step 2's two tiles per tasklet + stacks overflow WRAM
        assert r.returncode == SHIM_FAULT_EXIT and "WRAM overflow" in r.stderr
        return
    check_ok(r)
    a = (prand(1, 0, M_ * m * N_ * n) >> np.uint64(33)).astype(np.int64).reshape(M_ * m, N_ * n)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int64), a.T.reshape(-1))
    # rounds of min(D, stripes left) DPUs; a new DPU set (launch numbers from 0) when that count changes
    rounds = [min(dpus, N_ - s) for s in range(0, N_, dpus)]
    expect = []
    launch_base = {}
    prev = None
    for act in rounds:
        base = 0 if act != prev else launch_base[act] + 2
        launch_base[act] = base
        prev = act
        expect += [(d, base + step) for step in (0, 1) for d in range(act)]
    assert [(l.dpu, l.launch) for l in r.launches] == expect
    tile_bytes, gb = m * n * 8, m * 8
    pieces = [min(DMA_MAX, tile_bytes - o) for o in range(0, tile_bytes, DMA_MAX)]
    movers = sum(1 for g in range(M_ * n - 1) if trns_next(g, M_, n) != g)
    for l in r.launches:
        h = drop_empty(l.histogram())
        if l.launch % 2 == 0:           # step 2: tiles round-robin, each read and written in pieces
            exp = {t: histo([(d, p) for _ in range(t, M_, nt) for d in ("read", "write") for p in pieces])
                   for t in range(nt)}
            assert h == drop_empty(exp)
        elif nt == 1:
            assert h == {0: trns_step3_sequential(m, n, M_)}
        else:                           # dynamic schedule: every moved group is written exactly once
            tot = sum(h.values(), collections.Counter())
            assert set(tot) <= {("read", gb), ("read", 8), ("write", gb), ("write", 8)}
            if gb != 8:
                assert tot[("write", gb)] == movers
                assert tot[("write", 8)] >= movers
            writes = collections.Counter(mm for _, d, b, mm, _ in l.dmas if d == "write" and b == gb)
            assert gb == 8 or set(writes.values()) <= {1}


# ---- MLP ----
def gemv_like_histogram(rows: int, k: int, nt: int) -> dict[int, collections.Counter]:
    """GEMV/MLP per-tasklet DMAs of a DPU with `rows` packed rows of `k` 4-byte elements."""
    blocks_per_row = divceil(k, BLOCK_SIZE // 4)
    pairs = divceil(rows, 2)
    exp = {}
    for t in range(nt):
        my = pairs // nt + (t < pairs % nt)
        first = t * (pairs // nt) + min(t, pairs % nt)
        my_rows = [r for p in range(first, first + my) for r in (2 * p, 2 * p + 1) if r < rows]
        odd = sum((r * k) % 2 for r in my_rows)
        exp[t] = histo([("read", BLOCK_SIZE)] * (2 * blocks_per_row * len(my_rows))
                       + [("read", 8)] * (blocks_per_row * odd) + [("write", 8)] * my)
    return drop_empty(exp)


def mlp_inputs(m: int, n: int, gen: str):
    i = np.arange(m * n, dtype=np.int64)
    j = np.arange(n, dtype=np.int64)
    if gen == "prim":
        ws = [np.where(i % 100 < 98, 0, (l + i) % 2).reshape(m, n) for l in range(3)]
        b = np.where(j % 50 < 48, 0, j % 2)
    else:
        ws = [(prand(1, 1 + l, m * n) % np.uint64(2)).astype(np.int64).reshape(m, n) for l in range(3)]
        b = (prand(1, 0, n) % np.uint64(2)).astype(np.int64)
    return ws, b


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,m,k,gen", [(1, 8, 3, "prim"), (3, 37, 31, "rand"), (2, 300, 299, "rand"),
                                          (4, 100, 100, "prim")])
def test_mlp(builds, tmp_path, nt, dpus, m, k, gen):
    r = run(exe(builds, nt, "mlp"), common_args(dpus, "-m", m, "-k", k, "-g", gen), tmp_path)
    check_ok(r)
    ws, x = mlp_inputs(m, k, gen)
    for w in ws:
        x = np.maximum(0, w @ x[:k])
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int32), x.astype(np.int32))
    assert [(l.dpu, l.launch) for l in r.launches] == [(i, l) for l in range(3) for i in range(dpus)]
    for l in r.launches:
        rows = m // dpus + (l.dpu < m % dpus)
        assert drop_empty(l.histogram()) == gemv_like_histogram(rows, k, nt)


# ---- NW ----
NW_BL, NW_BL_IN = 16, 2         # kernels_c/nw/common.h defaults (PrIM: BL 16, the run script's BL_IN 2)


def nw_scores(n: int, penalty: int) -> np.ndarray:
    ref = ((prand(1, 0, n * n) % np.uint64(16)).astype(np.int64) - 4).reshape(n, n)
    s = np.zeros((n + 1, n + 1), np.int64)
    s[0, :] = -np.arange(n + 1) * penalty
    s[:, 0] = -np.arange(n + 1) * penalty
    for i in range(1, n + 1):       # row by row: the west term is a running maximum
        nw_n = np.maximum(s[i - 1, :-1] + ref[i - 1], s[i - 1, 1:] - penalty)
        for j in range(1, n + 1):
            s[i, j] = max(nw_n[j - 1], s[i, j - 1] - penalty)
    return s


def nw_launch_histogram(nblocks: int, nt: int, bl: int, bl_in: int) -> dict[int, collections.Counter]:
    rep = bl // bl_in
    subs = collections.Counter()
    for k in list(range(rep + 1)) + [rep - b + 1 for b in range(2, rep + 1)]:
        c, mod = divmod(k, nt)
        for t in range(nt):
            subs[t] += nblocks * (c + (t < mod))
    per = histo([("read", (bl_in + 2) * 4)] + [("read", 8)] * bl_in + [("read", bl_in * 4)] * bl_in
                + [("write", (bl_in + 2) * 4)] * bl_in)
    return {t: collections.Counter({kk: v * subs[t] for kk, v in per.items()}) for t in range(nt) if subs[t]}


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,n,penalty", [(1, 16, 1), (3, 64, 1), (2, 48, 2), (5, 80, 3)])
def test_nw(builds, tmp_path, nt, dpus, n, penalty):
    r = run(exe(builds, nt, "nw"), ["-n", str(dpus), "-i", str(n), "-p", str(penalty), "-w", "0", "-e", "1"],
            tmp_path)
    check_ok(r)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int32).reshape(n + 1, n + 1), nw_scores(n, penalty))
    nb = n // NW_BL
    ks = list(range(1, nb + 1)) + list(range(nb - 1, 0, -1))
    assert [(l.dpu, l.launch) for l in r.launches] == [(i, k) for k in range(len(ks)) for i in range(dpus)]
    for l in r.launches:
        k = ks[l.launch]
        d = min(k, dpus)
        nblocks = k // d + (l.dpu < k % d) if l.dpu < d else 0
        assert drop_empty(l.histogram()) == nw_launch_histogram(nblocks, nt, NW_BL, NW_BL_IN)


def test_nw_block_variant(tmp_path):
    """NW_BL=8, NW_BL_IN=4 (compile-time, as PrIM's BL/BL_IN): same scores, 24-byte row DMAs."""
    b = build_variant(11, "nw", "-DNW_BL=8 -DNW_BL_IN=4")
    r = run(b / "nw" / "host_app", ["-n", "2", "-i", "40", "-w", "0", "-e", "1"], tmp_path)
    check_ok(r)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.int32).reshape(41, 41), nw_scores(40, 1))
    ks = [1, 2, 3, 4, 5, 4, 3, 2, 1]
    for l in r.launches:
        k = ks[l.launch]
        d = min(k, 2)
        nblocks = k // d + (l.dpu < k % d) if l.dpu < d else 0
        assert drop_empty(l.histogram()) == nw_launch_histogram(nblocks, 11, 8, 4)


# ---- SpMV ----
SPMV_PAGE = 256         # SDK seqread page (SEQREAD_CACHE_SIZE); every (re)fill reads 2 pages
SPMV_TILE = 64          # floats per input/output tile


def write_mtx(path, nrows: int, ncols: int, r: np.ndarray, c: np.ndarray, v: np.ndarray | None = None,
              banner: bool = True) -> None:
    """A coordinate Matrix Market file (1-based), entries in the given order."""
    with open(path, "w") as f:
        if banner:
            f.write(f"%%MatrixMarket matrix coordinate {'pattern' if v is None else 'real'} general\n% pimsim test\n")
        f.write(f"{nrows} {ncols} {len(r)}\n")
        cols = [np.asarray(r) + 1, np.asarray(c) + 1] + ([] if v is None else [np.asarray(v)])
        np.savetxt(f, np.column_stack(cols), fmt=["%d", "%d"] + ([] if v is None else ["%.9g"]))


def spmv_matrix(kind: str, seed: int = 3):
    """(nrows, ncols, rows, cols, file values) of a test matrix, COO in file order."""
    if kind.startswith("bcsstk"):                  # bcsstk30-like (pimsim's SpMV generator), shuffled
        from pimsim.workloads.prim import inputs
        m = inputs.bcsstk30_like(seed, scale=float(kind[6:]))
        r = np.repeat(np.arange(m.nrows), np.diff(m.row_ptr.astype(np.int64)))
        order = np.random.default_rng(seed).permutation(r.size)
        return m.nrows, m.ncols, r[order], m.col.astype(np.int64)[order], None
    rng = np.random.default_rng(seed)
    nrows, ncols, nnz = {"odd": (9, 300, 40), "tiny": (6, 5, 7), "wide": (101, 2000, 900)}[kind]
    r = rng.integers(0, nrows, nnz)
    r[r == 3] = 4                                   # row 3 (and the padding row of odd counts) stays empty
    return nrows, ncols, r, rng.integers(0, ncols, nnz), rng.random(nnz).astype(np.float32) * 4 - 2


def spmv_csr(nrows, ncols, r, c, v, gen: str, seed: int = 1):
    """PrIM's readCOOMatrix + coo2csr (stable, odd rows padded) and the values of -g `gen`."""
    nrows += nrows % 2
    order = np.argsort(r, kind="stable")
    ptr = np.zeros(nrows + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=nrows), out=ptr[1:])
    col = np.asarray(c, np.int64)[order]
    if gen == "rand":
        val = ((prand(seed, 0, col.size) >> np.uint64(40)).astype(np.float32) / np.float32(1 << 24))
        x = ((prand(seed, 1, ncols) >> np.uint64(40)).astype(np.float32) / np.float32(1 << 24))
    else:
        val = (np.asarray(v, np.float32)[order] if gen == "file" and v is not None
               else np.ones(col.size, np.float32))
        x = np.ones(ncols, np.float32)
    return nrows, ptr, col, val, x


def spmv_reference(ptr, col, val, x) -> np.ndarray:
    """float32 row sums in CSR order (the DPU's order), vectorised over the k-th entry of every row."""
    n = ptr.size - 1
    y = np.zeros(n, np.float32)
    deg = np.diff(ptr)
    for k in range(int(deg.max(initial=0))):
        rows = np.flatnonzero(deg > k)
        i = ptr[rows] + k
        y[rows] = (y[rows] + (val[i] * x[col[i]]).astype(np.float32)).astype(np.float32)
    return y


def spmv_histograms(ptr, col, ncols: int, dpus: int, nt: int) -> list[dict[int, collections.Counter]]:
    """Per DPU, per tasklet: params read, two seqread windows (+1 per page crossing), input tile 0
    (+1 per change of col / 64), 256-byte output tiles and the partial last one (PrIM SpMV)."""
    r8 = lambda b: round_up(b, 8)  # noqa: E731
    even = lambda x: (x + 1) // 2 * 2  # noqa: E731
    nrows = ptr.size - 1
    per = even((nrows - 1) // dpus + 1)
    out = []
    for d in range(dpus):
        s = d * per
        rows = 0 if s > nrows else min(per, nrows - s)
        off0 = int(ptr[s]) if rows else 0
        nnz = int(ptr[s + rows]) - off0 if rows else 0
        rp_m = 24
        nz_m = rp_m + r8((rows + 1) * 4)
        h = {}
        tper = even(((rows - 1) % (1 << 32)) // nt + 1)
        for t in range(nt):
            c = collections.Counter({("read", 24): 1})
            first = t * tper
            n = 0 if first > rows else min(tper, rows - first)
            if n:
                a_r = rp_m + 4 * first
                k0, k1 = int(ptr[s + first]) - off0, int(ptr[s + first + n]) - off0
                a_n = nz_m + 8 * k0
                c[("read", 2 * SPMV_PAGE)] = 2 + (a_r % SPMV_PAGE + 4 * n) // SPMV_PAGE \
                    + (a_n % SPMV_PAGE + 8 * (k1 - k0)) // SPMV_PAGE
                tiles = np.concatenate([[0], col[off0 + k0:off0 + k1] // SPMV_TILE])
                c[("read", 256)] = 1 + int(np.count_nonzero(tiles[1:] != tiles[:-1]))
                if n // SPMV_TILE:
                    c[("write", 256)] = n // SPMV_TILE
                if n % SPMV_TILE:
                    c[("write", 4 * (n % SPMV_TILE))] += 1
            h[t] = c
        out.append(h)
    return out


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,kind,gen", [(1, "bcsstk0.005", "ones"), (3, "bcsstk0.02", "rand"),
                                           (4, "wide", "file"), (2, "odd", "rand"), (8, "tiny", "file")])
def test_spmv(builds, tmp_path, nt, dpus, kind, gen):
    nrows, ncols, r, c, v = spmv_matrix(kind)
    write_mtx(tmp_path / "a.mtx", nrows, ncols, r, c, v, banner=kind != "odd")
    r_ = run(exe(builds, nt, "spmv"), ["-n", str(dpus), "-w", "0", "-e", "1", "-f", str(tmp_path / "a.mtx"),
                                       "-g", gen], tmp_path)
    check_ok(r_)
    n, ptr, col, val, x = spmv_csr(nrows, ncols, r, c, v, gen)
    np.testing.assert_array_equal(np.frombuffer(r_.output, np.float32), spmv_reference(ptr, col, val, x))
    for h, want in zip(launch_histograms(r_, dpus), spmv_histograms(ptr, col, ncols, dpus, nt)):
        assert h == drop_empty(want)


def test_spmv_bad_file(builds, tmp_path):
    (tmp_path / "bad.mtx").write_text("3 3 2\n1 1\n4 1\n")
    r = run(exe(builds, 16, "spmv"), ["-f", str(tmp_path / "bad.mtx"), "-w", "0", "-e", "1"], tmp_path)
    assert r.returncode == 1 and "bad entry" in r.stderr


# ---- BFS ----
def write_edges(path, src, dst, header_nodes: int | None) -> None:
    """PrIM's edge list (`nodes cols edges` line) or, without header_nodes, a SNAP one."""
    with open(path, "w") as f:
        if header_nodes is None:
            f.write("# SNAP-style edge list (pimsim test)\n# FromNodeId\tToNodeId\n")
        else:
            f.write(f"{header_nodes} {header_nodes} {len(src)}\n")
        np.savetxt(f, np.column_stack([src, dst]), fmt="%d", delimiter="\t" if header_nodes is None else " ")


def bfs_graph(kind: str, seed: int = 5):
    """(src, dst, header nodes or None) of a test graph, edges in file order (both directions)."""
    rng = np.random.default_rng(seed)
    if kind in ("rmat", "gowalla"):
        from pimsim.workloads.prim import inputs
        g = inputs.rmat(seed, nodes=300, edge_factor=4) if kind == "rmat" else inputs.gowalla_like(seed, scale=0.005)
        src = np.repeat(np.arange(g.nrows), np.diff(g.row_ptr.astype(np.int64)))
        order = rng.permutation(src.size)
        return src[order], g.col.astype(np.int64)[order], (300 if kind == "rmat" else g.nrows)
    if kind == "disc":          # two components (+ isolated ids), SNAP format, 150 ids -> 192 nodes
        u = rng.integers(0, 60, 200)
        v = rng.integers(0, 60, 200)
        u2 = rng.integers(80, 150, 100)
        v2 = rng.integers(80, 150, 100)
        a, b = np.concatenate([u, u2, [149]]), np.concatenate([v, v2, [148]])
        return np.concatenate([a, b]), np.concatenate([b, a]), None
    # "path": a path 0-1-...-69 (70 levels over 128 nodes)
    a = np.arange(69)
    return np.concatenate([a, a + 1]), np.concatenate([a + 1, a]), 70


def bfs_csr(src, dst, header_nodes):
    n = header_nodes if header_nodes is not None else int(max(src.max(), dst.max())) + 1
    n = round_up(n, 64)
    order = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    return ptr, np.asarray(dst, np.int64)[order]


def bfs_levels(ptr, nbr) -> np.ndarray:
    n = ptr.size - 1
    level = np.zeros(n, np.int64)
    level[0] = 1
    frontier, lv = np.array([0]), 1
    while frontier.size:
        deg = ptr[frontier + 1] - ptr[frontier]
        idx = np.repeat(ptr[frontier] - np.cumsum(deg) + deg, deg) + np.arange(deg.sum())
        new = np.unique(nbr[idx])
        new = new[level[new] == 0]
        level[new] = lv + 1
        frontier, lv = new, lv + 1
    return level


def bfs_histograms(ptr, nbr, level, dpus: int, nt: int) -> list[list[dict[int, collections.Counter]]]:
    """[launch][dpu] -> tasklet -> {(dir, bytes): n}: the 48-byte params read, then 8-byte DMAs
    (update: per swept tile 1 read, +1 read 2 writes if non-zero, +1 write if owned, +1 read
    1 write per owned set bit; expand: per node 1 read, per frontier node 2, per edge 2, per
    unvisited neighbour 1 read 1 write)."""
    n = ptr.size - 1
    G = n // 64
    per = round_up((n - 1) // dpus + 1, 64)
    deg = np.diff(ptr)
    src = np.repeat(np.arange(n), deg)
    hits_of = lambda lv: np.bincount(src[(level[src] == lv) & (level[nbr] == lv + 1)], minlength=n)  # noqa: E731
    out = []
    for lv in range(1, int(level.max()) + 1):
        f = level == lv
        bits = f.reshape(G, 64).sum(axis=1)
        hits = hits_of(lv)
        launch = []
        for d in range(dpus):
            s = d * per
            nd = 0 if s > n else min(per, n - s)
            h = {t: collections.Counter({("read", 48): 1}) for t in range(nt)}
            if nd:
                own = np.zeros(G, bool)
                own[s // 64:(s + nd) // 64] = True
                tper = divceil(nd, nt)
                for t in range(nt):
                    tiles = np.arange(t, G, nt)
                    nz = bits[tiles] > 0
                    ob = own[tiles]
                    a, b = s + min(nd, t * tper), s + min(nd, (t + 1) * tper)
                    fr = f[a:b]
                    r8 = (tiles.size + nz.sum() + bits[tiles][ob].sum() + (b - a) + 2 * fr.sum()
                          + 2 * deg[a:b][fr].sum() + hits[a:b].sum())
                    w8 = 2 * nz.sum() + ob.sum() + bits[tiles][ob].sum() + hits[a:b].sum()
                    h[t][("read", 8)] += int(r8)
                    h[t][("write", 8)] += int(w8)
            launch.append({t: +c for t, c in h.items()})
        out.append(launch)
    return out


@pytest.mark.parametrize("nt", TASKLETS)
@pytest.mark.parametrize("dpus,kind", [(1, "rmat"), (3, "gowalla"), (2, "disc"), (4, "path")])
def test_bfs(builds, tmp_path, nt, dpus, kind):
    src, dst, hn = bfs_graph(kind)
    write_edges(tmp_path / "g.txt", src, dst, hn)
    r = run(exe(builds, nt, "bfs"), ["-n", str(dpus), "-w", "0", "-e", "1", "-f", str(tmp_path / "g.txt")], tmp_path)
    check_ok(r)
    ptr, nbr = bfs_csr(src, dst, hn)
    level = bfs_levels(ptr, nbr)
    np.testing.assert_array_equal(np.frombuffer(r.output, np.uint32), level)
    want = bfs_histograms(ptr, nbr, level, dpus, nt)
    assert int(r.records["pimsim.bfs"]["levels"]) == len(want) == level.max()
    assert [(l.dpu, l.launch) for l in r.launches] == [(i, k) for k in range(len(want)) for i in range(dpus)]
    for l in r.launches:
        assert drop_empty(l.histogram()) == want[l.launch][l.dpu], f"launch {l.launch} dpu {l.dpu}"


def test_bfs_bad_file(builds, tmp_path):
    (tmp_path / "g.txt").write_text("64 64 2\n0 1\n1 70\n")
    r = run(exe(builds, 16, "bfs"), ["-f", str(tmp_path / "g.txt"), "-w", "0", "-e", "1"], tmp_path)
    assert r.returncode == 1 and "node id 70" in r.stderr
