"""PrIM's qualitative findings (Gomez-Luna et al., IEEE Access 2022), reproduced on pimsim:
- weak scaling: the DPU kernel time stays nearly flat as DPUs (and the problem) grow;
- tasklet scaling on one DPU: 1 -> 11 tasklets is close to linear for a compute-bound kernel
  (the 11-stage revolver pipeline fills), and saturates after 11;
- VA end to end: host<->DPU transfers take longer than the kernel.
"""
import pytest

from pimsim.workloads import prim


def kernel_ms(name, **kw):
    return prim.run(name, timing_only=True, **kw).time_ms["dpu_kernel"]


@pytest.mark.parametrize("name,per_dpu,params", [("VA", 65_536, None), ("RED", 131_072, None),
                                                 ("GEMV", 256, {"n": 256}), ("SEL", 65_536, None)])
def test_weak_scaling_kernel_time_is_flat(name, per_dpu, params):
    times = [kernel_ms(name, dpus=d, size=per_dpu * d, params=params) for d in (1, 4, 16, 64)]
    assert max(times) / min(times) < 1.05, times


def test_tasklet_scaling_linear_to_11_then_saturates():
    # GEMV's multiply-accumulate (software __mulsi3) makes it compute-bound
    t = {k: kernel_ms("GEMV", dpus=1, tasklets=k, size=512, params={"n": 256}) for k in (1, 2, 4, 8, 11, 16)}
    for k in (2, 4, 8):
        assert t[1] / t[k] > 0.9 * k, (k, t)
    assert t[1] / t[11] > 0.8 * 11, t
    assert t[11] / t[16] < 1.1, t           # no gain beyond the pipeline depth


def test_tasklet_scaling_doubling_gains_match_prim_range():
    # PrIM slides p.47-50: each doubling 1 -> 8 tasklets gives 1.5-2.0x, 8 -> 16 gives 1.2-1.5x or less
    t = {k: kernel_ms("VA", dpus=1, tasklets=k, size=262_144) for k in (1, 2, 4, 8, 16)}
    for a, b in ((1, 2), (2, 4), (4, 8)):
        assert 1.5 <= t[a] / t[b] <= 2.05, (a, b, t)
    assert t[8] / t[16] <= 1.5, t


@pytest.mark.parametrize("dpus", [1, 16, 64])
def test_transfers_dominate_va_end_to_end(dpus):
    r = prim.run("VA", dpus=dpus, timing_only=True)      # PrIM's 1-rank size, 2,621,440 elements
    t = r.time_ms
    assert t["cpu_dpu"] + t["dpu_cpu"] > t["dpu_kernel"], t
