"""PrIM TS host program (TS/host/app.c): the best match of one query in a time series (int32).

ts_size is padded to a multiple of DPUs x tasklets x m; series and query are i % 127; the host
precomputes each subsequence's mean and sigma (PrIM's compute_ts_statistics: sigma is the
root mean square, because the host subtracts the not yet filled AMean, which is still 0), sends
the arguments with a serial dpu_copy_to per DPU, the query to every DPU and each DPU's slice
(+ m) of series, means and sigmas (push_xfer), launches, pulls every tasklet's minimum
(push_xfer) and keeps the smallest positive one. PrIM checks it against its own host STREAMP.
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import ts as K
from pimsim.workloads.prim._common import check_dpus, check_size, slices

NAME = "TS"
DESCRIPTION = "Time-series analysis (STREAMP matrix profile of one query), int32 (PrIM TS)"
DEFAULT_SIZE = 524_288          # PrIM run_strong_rank.py: -n 524288 (m = 256)
PARAMS = {"m": 256}             # query length (-m), a multiple of BLOCK/4 = 64
SIZE_MEANING = "time-series length (total, split over DPUs); --param m=QUERY_LENGTH"
STRONG_LARGE_SIZE = 33_554_432
WEAK_SIZE_PER_DPU = 524_288


def padded_size(n: int, nr_dpus: int, tasklets: int, m: int) -> int:
    unit = nr_dpus * tasklets * m
    return n if n % unit == 0 else n + unit - n % unit


def statistics(ts: np.ndarray, m: int, total: int):
    """PrIM's compute_ts_statistics, into arrays of `total` entries (the rest stays 0)."""
    c = np.concatenate(([0.0], np.cumsum(ts, dtype=np.float64)))
    c2 = np.concatenate(([0.0], np.cumsum(ts.astype(np.float64) ** 2)))
    prof = ts.size - m
    sums = c[m:m + prof] - c[:prof]
    sq = c2[m:m + prof] - c2[:prof]
    mean = np.zeros(total, np.int32)
    sigma = np.zeros(total, np.int32)
    mean[:prof] = (sums / m).astype(np.int32)
    sigma[:prof] = np.sqrt(sq / m).astype(np.int32)
    return mean, sigma


def host_streamp(ts, mean, sigma, query, m, qmean, qstd, profile_length) -> int:
    dots = np.correlate(ts[:profile_length + m - 1].astype(np.int64), query.astype(np.int64), "valid")[:profile_length]
    num = (dots - np.int64(m) * mean[:profile_length].astype(np.int64) * qmean).astype(np.int32).astype(np.int64)
    den = (sigma[:profile_length].astype(np.int64) * qstd).astype(np.int32).astype(np.int64)
    q = np.where(den == 0, -1, np.abs(num) // np.where(den == 0, 1, np.abs(den)) * np.sign(num) * np.sign(den))
    dist = 2 * (m - q)
    return int(min(dist.min(), 2**31 - 1))


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    m = params["m"]
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < K.DOTPIP or m % K.DOTPIP:
        raise PimsimError(f"TS: m = {m!r}: the query length must be a positive multiple of {K.DOTPIP}")
    m = int(m)
    ts_size = padded_size(n, nr, tasklets, m)
    per = ts_size // nr
    es = K.T.itemsize
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    qmean = qstd = 0
    if not timing_only:
        total = ts_size + m          # the last DPU's slice + m reaches past the series (zeros)
        series = np.zeros(total, np.int32)
        series[:ts_size] = np.arange(ts_size) % K.MAX_DATA_VAL
        query = (np.arange(m) % K.MAX_DATA_VAL).astype(np.int32)
        mean, sigma = statistics(series[:ts_size], m, total)
        qm = query.mean()
        qmean, qstd = int(qm), int(np.sqrt(((query - qm) ** 2).mean()))
    args = K.make_args(ts_size, m, qmean, qstd, per)
    for d in range(nr):                       # PrIM: dpu_copy_to per DPU
        s.copy_to(d, "DPU_INPUT_ARGUMENTS", args)
    if timing_only:
        s.push_xfer(K.HEAP, [Placeholder(m * es)] * nr)
        for k in range(3):
            s.push_xfer(K.HEAP, slices((per + m) * es, nr), offset=(m + k * (per + m)) * es)
    else:
        s.push_xfer(K.HEAP, [query] * nr)
        for k, arr in enumerate((series, mean, sigma)):
            s.push_xfer(K.HEAP, [arr[d * per:d * per + per + m] for d in range(nr)], offset=(m + k * (per + m)) * es)
    s.launch()
    got = s.push_xfer_from(K.RESULTS, tasklets * K.RESULT.itemsize)
    s.host_compute(nbytes=nr * tasklets * K.RESULT.itemsize, ops=2 * nr * tasklets)
    if timing_only:
        return s.result(verified=None)
    best, best_idx = 2**31 - 1, 0
    for d, g in enumerate(got):
        r = g.view(K.RESULT)[:tasklets]
        for v, i in zip(r["minValue"].tolist(), r["minIndex"].tolist()):
            if 0 < v < best:
                best, best_idx = v, i + d * per
    ref = host_streamp(series, mean, sigma, query, m, qmean, qstd, ts_size - m - 1)
    return s.result(outputs={"min_value": best, "min_index": best_idx}, verified=best == ref)
