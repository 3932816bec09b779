"""Two Poisson rates compared (a student potential's PS4 openings against its teacher's): the exact conditional
test against scipy's binomial test, the interval's closed form when one side saw nothing, and its coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sei_lmp.analysis.transport import overdispersion, poisson_rate_ratio


@pytest.mark.parametrize("n1, e1, n2, e2", [(35, 1008.0, 0, 192.0), (12, 50.0, 3, 40.0), (4, 10.0, 9, 10.0)])
def test_p_value_is_the_binomial_test_of_the_split(n1, e1, n2, e2):
    out = poisson_rate_ratio(n1, e1, n2, e2)
    expected = stats.binomtest(n1, n1 + n2, e1 / (e1 + e2), alternative="greater").pvalue
    assert out.p_greater == pytest.approx(expected, rel=1e-12)
    if n2:
        assert out.ratio == pytest.approx(n1 / e1 / (n2 / e2))
        assert out.low < out.ratio < out.high


def test_nothing_seen_by_the_second_gives_a_lower_bound_only():
    # Clopper-Pearson with n2 = 0: the lower end of p is (alpha/2)^(1/n1), so the ratio's is p/(1-p) * e2/e1
    n1, e1, e2 = 20, 100.0, 50.0
    out = poisson_rate_ratio(n1, e1, 0, e2)
    p = 0.025 ** (1 / n1)
    assert out.low == pytest.approx(p / (1 - p) * e2 / e1, rel=1e-10)
    assert math.isinf(out.high) and math.isinf(out.ratio)
    # with nothing on either side nothing is decided
    none = poisson_rate_ratio(0, 1.0, 0, 1.0)
    assert math.isnan(none.ratio) and none.p_greater == 1.0 and math.isinf(none.high)


def test_interval_covers_the_true_ratio_at_least_as_often_as_promised():
    rng = np.random.default_rng(7)
    e1, e2, r1, r2 = 30.0, 80.0, 0.4, 0.1          # true ratio 4, about 12 and 8 events
    covered = []
    for n1, n2 in zip(rng.poisson(r1 * e1, 2000), rng.poisson(r2 * e2, 2000)):
        out = poisson_rate_ratio(int(n1), e1, int(n2), e2)
        covered.append(out.low <= r1 / r2 <= out.high)
    assert 0.94 <= np.mean(covered) <= 0.995          # exact intervals are conservative, not useless


def test_bad_exposures_are_refused():
    with pytest.raises(ValueError, match="exposures > 0"):
        poisson_rate_ratio(3, 0.0, 1, 1.0)


def test_dispersion_divides_both_counts():
    # quasi-Poisson with dispersion 2: 20 against 4 events weigh as 10 against 2
    halved = poisson_rate_ratio(20, 30.0, 4, 10.0, dispersion=2.0)
    plain = poisson_rate_ratio(10, 30.0, 2, 10.0)
    assert (halved.low, halved.high, halved.p_greater) == pytest.approx((plain.low, plain.high, plain.p_greater))
    assert halved.ratio == pytest.approx(20 / 30 / (4 / 10)) and halved.dispersion == 2.0
    assert poisson_rate_ratio(20, 30.0, 4, 10.0).p_greater < halved.p_greater      # less evidence, larger p
    with pytest.raises(ValueError, match="dispersion >= 1"):
        poisson_rate_ratio(1, 1.0, 1, 1.0, dispersion=0.5)


def test_overdispersion_is_one_for_poisson_runs_and_large_for_drifting_ones():
    rng = np.random.default_rng(3)
    exposures = np.array([320.0, 320.0, 160.0, 640.0])
    poisson_runs = [overdispersion(rng.poisson(0.05 * exposures), exposures) for _ in range(400)]
    # the Pearson statistic over k - 1 has mean 1 for Poisson counts; floored at 1 its mean is a little above
    assert 1.0 <= np.mean(poisson_runs) < 1.6
    # runs whose rate itself varies (gamma, shape 2) scatter far more than Poisson
    drifting = [overdispersion(rng.poisson(rng.gamma(2.0, 0.025, 4) * exposures), exposures) for _ in range(400)]
    assert np.median(drifting) > 3
    assert overdispersion([5], [10.0]) == 1.0 and overdispersion([0, 0], [1.0, 1.0]) == 1.0
    # a worked case: 32, 10, 9 openings over 320 anion-ps each scatter about their mean 17 with chi2 = 19.88
    assert overdispersion([32, 10, 9], [320.0] * 3) == pytest.approx((15 ** 2 + 7 ** 2 + 8 ** 2) / 17 / 2)
