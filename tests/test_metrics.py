"""Metrics against values computed by hand on a tiny set."""
import math

import numpy as np
import pytest

from pimsim.analysis import metrics

# measured m = [1, 2, 4], predicted p = [1.1, 1.8, 5]
#   |p-m|/m = [0.1, 0.1, 0.25] -> MAPE 15 %, median 10 %, max 25 %
#   signed (p-m)/m = [0.1, -0.1, 0.25] -> mean 8.333 %
#   mean(m) = 7/3; SS_tot = (4/3)^2 + (1/3)^2 + (5/3)^2 = 42/9 = 4.6667
#   SS_res = 0.01 + 0.04 + 1 = 1.05 -> R^2 = 1 - 1.05 / 4.6667 = 0.775
M = [1.0, 2.0, 4.0]
P = [1.1, 1.8, 5.0]


def test_summary_matches_hand_computed_values():
    s = metrics.summary(M, P)
    assert s["n"] == 3
    assert s["mape"] == pytest.approx(15.0)
    assert s["median_abs_pct_err"] == pytest.approx(10.0)
    assert s["max_abs_pct_err"] == pytest.approx(25.0)
    assert s["mean_pct_err"] == pytest.approx(25.0 / 3)
    assert s["r2"] == pytest.approx(0.775)


def test_r2_log_hand_computed():
    # log10 m = [0, 0.30103, 0.60206]; mean 0.30103; SS_tot = 2 * 0.30103^2
    lm = [0.0, math.log10(2), math.log10(4)]
    lp = [math.log10(1.1), math.log10(1.8), math.log10(5)]
    ss_res = sum((a - b) ** 2 for a, b in zip(lm, lp))
    ss_tot = 2 * math.log10(2) ** 2
    assert metrics.r2_log(M, P) == pytest.approx(1 - ss_res / ss_tot)


def test_perfect_prediction():
    s = metrics.summary(M, M)
    assert s["r2"] == 1.0 and s["mape"] == 0.0 and s["max_abs_pct_err"] == 0.0


def test_degenerate_sets():
    assert metrics.summary([], [])["mape"] is None
    one = metrics.summary([2.0], [3.0])
    assert one["r2"] is None and one["mape"] == pytest.approx(50.0)
    assert metrics.r2([5.0, 5.0], [4.0, 6.0]) is None  # no variance in the measured values


def test_zero_measured_value_is_rejected():
    with pytest.raises(ValueError, match="measured values > 0"):
        metrics.summary([0.0, 1.0], [0.1, 1.0])
    with pytest.raises(ValueError, match="measured has 2 values, predicted 3"):
        metrics.summary([1.0, 2.0], [1.0, 2.0, 3.0])


# ---- bootstrap interval of the MAPE

def test_interval_of_two_points_by_hand():
    # errors [0, 10]: a resample's mean is 0 (p = 1/4), 5 (1/2) or 10 (1/4), so the 2.5th and
    # 97.5th percentiles of 2,000 resampled means are 0 and 10.
    assert metrics.mape_interval([0.0, 10.0], min_points=2) == (0.0, 10.0)


def test_interval_of_equal_errors_is_that_error():
    assert metrics.mape_interval([7.5] * 12) == (7.5, 7.5)


def test_interval_brackets_the_mape_and_narrows_with_more_points():
    ape = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0]
    lo, hi = metrics.mape_interval(ape)
    mape = sum(ape) / len(ape)
    assert min(ape) <= lo < mape < hi <= max(ape)
    lo16, hi16 = metrics.mape_interval(ape * 16)     # same errors, 16x the points
    assert lo < lo16 < mape < hi16 < hi
    assert metrics.mape_interval(ape) == (lo, hi)    # fixed seed: the same interval every time


def test_summary_carries_the_interval_only_for_enough_points():
    assert metrics.summary(M, P)["mape_ci95"] is None                 # 3 points < CI_MIN_POINTS
    m = [1.0, 2.0, 4.0, 8.0, 16.0]
    p = [1.1, 1.8, 5.0, 8.0, 12.0]
    s = metrics.summary(m, p)
    lo, hi = s["mape_ci95"]
    assert lo <= s["mape"] <= hi


def test_interval_level_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="interval level 1.5"):
        metrics.mape_interval([1.0] * 10, level=1.5)


def test_number_and_interval_text():
    assert metrics.number_text(7.649) == "7.6"
    assert metrics.number_text(0.12345, 3, " %") == "0.123 %"
    assert metrics.number_text(None) == "-" and metrics.number_text(None, none="–") == "–"
    assert metrics.interval_text((4.21, 11.66)) == "4.2-11.7"
    assert metrics.interval_text(None) == "-" and metrics.interval_text(None, none="–") == "–"
    assert metrics.interval_text((4.21, 11.66), unit=" %") == "4.2-11.7 %"


def test_shared_value_errors_by_hand():
    # weights 1/m = 1, 0.5, 0.25 (sum 1.75): the weighted median is 1; at 2 the mean error would
    # be (100 + 0 + 50) / 3 = 50 % against (0 + 50 + 75) / 3 = 41.7 % at 1
    assert metrics.shared_value_errors([1.0, 2.0, 4.0]) == pytest.approx([0.0, 50.0, 75.0])
    assert metrics.shared_value_errors([4.0, 1.0, 2.0]) == pytest.approx([75.0, 0.0, 50.0])   # order kept
    assert metrics.shared_value_errors([10.0, 11.0]) == pytest.approx([0.0, 100 / 11])      # 10 beats 11 (10 %)
    assert metrics.shared_value_errors([3.0]) == pytest.approx([0.0])
    assert metrics.shared_value_errors([]).size == 0
    with pytest.raises(ValueError, match="> 0"):
        metrics.shared_value_errors([1.0, 0.0])


def test_shared_value_is_the_least_mape_of_any_one_value():
    m = np.array([0.9, 1.7, 1.8, 3.3, 3.4])
    best = metrics.shared_value_errors(m).mean()
    for c in np.linspace(0.5, 4.0, 701):
        assert np.mean(100 * np.abs(c - m) / m) >= best - 1e-9
