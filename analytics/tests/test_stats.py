"""analytics.stats against independent computations: scipy called another way, or numbers worked by hand."""

import dataclasses
import itertools
import math
import random

import numpy as np
import pytest
from scipy import special
from scipy import stats as sps

from analytics.lib import stats

# --- Wilson interval ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (10, 10), (19, 27), (130, 270), (950, 1000), (3, 7)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_matches_scipy_binomtest(k, n, confidence):
    expected = sps.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    got = stats.wilson_interval(k, n, confidence)
    assert got.low == pytest.approx(expected.low, abs=1e-12)
    assert got.high == pytest.approx(expected.high, abs=1e-12)
    assert got.confidence == confidence


def test_wilson_by_hand_and_edge_cases():
    # 8/10 at 95%: centre (0.8 + 1.96²/20)/(1 + 1.96²/10), half 1.96·√(0.016 + 1.96²/400)/(1 + 1.96²/10).
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.8 * 0.2 / 10 + z * z / 400) / (1 + z * z / 10)
    got = stats.wilson_interval(8, 10)
    assert (got.low, got.high) == pytest.approx((centre - half, centre + half))
    assert (round(got.low, 3), round(got.high, 3)) == (0.490, 0.943)
    assert stats.wilson_interval(0, 0) == stats.Interval(0.0, 1.0)
    with pytest.raises(ValueError):
        stats.wilson_interval(11, 10)


# --- two-proportion z ----------------------------------------------------------------------------------------


def test_two_proportion_reference_numbers():
    res = stats.two_proportion_z(19, 27, 130, 270)
    assert round(res.z, 2) == 2.20
    assert round(res.p_value, 3) == 0.028
    assert res.p1 == pytest.approx(19 / 27) and res.p2 == pytest.approx(130 / 270)
    assert res.diff == pytest.approx(19 / 27 - 130 / 270)
    assert res.enough_data and res.significant() and not res.significant(alpha=0.01)
    assert "z = 2.20" in res.reading_en and "p = 0.028" in res.reading_en and "significant" in res.reading_en
    assert "显著" in res.reading_zh


@pytest.mark.parametrize("x1,n1,x2,n2", [(19, 27, 130, 270), (5, 40, 12, 45), (300, 1000, 280, 1000), (0, 12, 3, 15)])
def test_two_proportion_z_squared_is_the_uncorrected_chi_square(x1, n1, x2, n2):
    res = stats.two_proportion_z(x1, n1, x2, n2)
    chi2 = sps.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert res.z**2 == pytest.approx(chi2.statistic, rel=1e-9)
    assert res.p_value == pytest.approx(chi2.pvalue, rel=1e-9)


def test_two_proportion_wald_interval_by_hand():
    res = stats.two_proportion_z(19, 27, 130, 270)
    p1, p2 = 19 / 27, 130 / 270
    se = math.sqrt(p1 * (1 - p1) / 27 + p2 * (1 - p2) / 270)
    assert res.diff_ci.low == pytest.approx(p1 - p2 - 1.959963984540054 * se)
    assert res.diff_ci.high == pytest.approx(p1 - p2 + 1.959963984540054 * se)


def test_two_proportion_not_enough_data_gives_no_verdict():
    res = stats.two_proportion_z(5, 9, 50, 100)
    assert not res.enough_data
    assert res.z is None and res.p_value is None and res.diff_ci is None
    assert res.p1 == pytest.approx(5 / 9)
    assert not res.significant()
    assert "Not enough data" in res.reading_en and "数据不足" in res.reading_zh
    assert stats.two_proportion_z(0, 0, 0, 0).p1 is None


def test_two_proportion_identical_all_zero_groups():
    res = stats.two_proportion_z(0, 20, 0, 30)
    # No variation at all: no test is run rather than p = 1 (DESIGN §8: say what cannot be said).
    assert res.no_variation and res.z is None and res.p_value is None and not res.significant()
    assert "no variation, so no test" in res.reading_en and "无法检验" in res.reading_zh


def test_labels_appear_in_readings():
    res = stats.two_proportion_z(19, 27, 130, 270, labels=("Priority 1", "Others"), labels_zh=("优先级1", "其他"))
    assert res.reading_en.startswith("Priority 1: 70.4% (19/27) vs Others: 48.1% (130/270)")
    assert res.reading_zh.startswith("优先级1：70.4%")


# --- Welch t and effect sizes --------------------------------------------------------------------------------


def _samples(seed, n1, n2, shift=0.3):
    rng = np.random.default_rng(seed)
    return rng.normal(3.8, 0.9, n1).round(1).tolist(), rng.normal(3.8 - shift, 1.3, n2).round(1).tolist()


@pytest.mark.parametrize("seed,n1,n2", [(1, 8, 12), (2, 30, 200), (3, 150, 140), (4, 5, 5)])
def test_welch_matches_scipy_ttest_ind(seed, n1, n2):
    a, b = _samples(seed, n1, n2)
    res = stats.welch_t(a, b)
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert res.t == pytest.approx(ref.statistic, rel=1e-9)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.df == pytest.approx(ref.df, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert (res.diff_ci.low, res.diff_ci.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert res.mean1 == pytest.approx(np.mean(a)) and res.sd2 == pytest.approx(np.std(b, ddof=1))


def test_welch_from_stats_equals_welch_on_rows():
    a, b = _samples(7, 40, 60)
    from_rows = stats.welch_t(a, b)
    from_stats = stats.welch_t_from_stats(
        mean1=float(np.mean(a)), sd1=float(np.std(a, ddof=1)), n1=len(a),
        mean2=float(np.mean(b)), sd2=float(np.std(b, ddof=1)), n2=len(b),
    )  # fmt: skip
    for field in ("t", "df", "p_value", "cohens_d", "hedges_g"):
        assert getattr(from_stats, field) == pytest.approx(getattr(from_rows, field), rel=1e-9)
    ref = sps.ttest_ind_from_stats(
        np.mean(a), np.std(a, ddof=1), len(a), np.mean(b), np.std(b, ddof=1), len(b), equal_var=False
    )
    assert from_stats.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_cohens_d_and_hedges_g_by_hand():
    # Worked example: means 4.2 / 3.6, sds 0.8 / 1.0, n 20 / 25.
    # pooled sd = √((19·0.64 + 24·1.0)/43) = √(36.16/43) = 0.917022…; d = 0.6/0.917022 = 0.654291…
    res = stats.effect_size(mean1=4.2, sd1=0.8, n1=20, mean2=3.6, sd2=1.0, n2=25)
    pooled = math.sqrt((19 * 0.64 + 24 * 1.0) / 43)
    assert pooled == pytest.approx(0.917022, abs=1e-6)
    assert res.cohens_d == pytest.approx(0.654291, abs=1e-6)
    # Hedges' exact correction J = Γ(df/2) / (√(df/2) Γ((df−1)/2)); our 1 − 3/(4·45 − 9) approximates it closely.
    df = 43
    j_exact = special.gamma(df / 2) / (math.sqrt(df / 2) * special.gamma((df - 1) / 2))
    assert res.hedges_g == pytest.approx(j_exact * res.cohens_d, rel=1e-4)
    se = math.sqrt(45 / 500 + res.hedges_g**2 / 90)
    # The t critical value on 43 degrees of freedom, 2.016692…, not the normal 1.959964.
    assert res.g_ci.low == pytest.approx(res.hedges_g - 2.0166921992278 * se)
    assert res.magnitude == "medium"


def test_mean_test_carries_effect_size_and_readings():
    a, b = _samples(3, 150, 140, shift=0.6)
    res = stats.welch_t(a, b, labels=("P1", "Others"))
    es = stats.effect_size(
        mean1=res.mean1, sd1=res.sd1, n1=res.n1, mean2=res.mean2, sd2=res.sd2, n2=res.n2
    )  # fmt: skip
    assert res.cohens_d == es.cohens_d and res.hedges_g == es.hedges_g and res.g_ci == es.g_ci
    assert res.significant()
    assert "Hedges' g" in res.reading_en and "P1: mean" in res.reading_en
    assert "效应" in res.reading_zh


def test_welch_not_enough_data():
    res = stats.welch_t([4, 5, 3, 4], [1, 2, 3, 4, 5, 4])
    assert not res.enough_data and res.t is None and res.p_value is None and not res.significant()
    assert res.mean1 == pytest.approx(4.0)
    assert "at least 5" in res.reading_en
    empty = stats.welch_t([], [])
    assert empty.mean1 is None and empty.diff is None


def test_welch_without_spread():
    same = stats.welch_t([4] * 6, [4] * 7)
    assert same.no_variation and same.p_value is None and same.t is None and same.df is None
    assert same.cohens_d is None and not same.significant()
    # Apart but without spread: the difference is reported, yet no t, df or p is invented.
    apart = stats.welch_t([5] * 6, [3] * 7)
    assert apart.no_variation and apart.diff == 2.0 and apart.p_value is None and not apart.significant()
    assert "no variation within either group, so no test" in apart.reading_en and "nan" not in apart.reading_en


# --- Mann–Whitney --------------------------------------------------------------------------------------------


def _u_by_counting(a, b):
    return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x, y in itertools.product(a, b))


def _asymptotic_p(a, b, u):
    # Normal approximation with tie correction and continuity correction (Sheskin; as scipy's asymptotic method).
    n1, n2 = len(a), len(b)
    n = n1 + n2
    _, counts = np.unique(a + b, return_counts=True)
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - float(np.sum(counts**3 - counts)) / (n * (n - 1))))
    z = (abs(u - n1 * n2 / 2) - 0.5) / sigma
    return 2 * sps.norm.sf(z)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mann_whitney_by_counting_pairs(seed):
    rng = random.Random(seed)
    a = [rng.choice([1, 2, 3, 4, 4, 5, 5]) for _ in range(40)]
    b = [rng.choice([1, 2, 3, 3, 4, 4, 5]) for _ in range(55)]
    res = stats.mann_whitney(a, b)
    u = _u_by_counting(a, b)
    assert res.u == pytest.approx(u)
    assert res.p_value == pytest.approx(_asymptotic_p(a, b, u), rel=1e-9)
    greater = sum(x > y for x, y in itertools.product(a, b))
    less = sum(x < y for x, y in itertools.product(a, b))
    assert res.rank_biserial == pytest.approx((greater - less) / (len(a) * len(b)))
    assert res.median1 == pytest.approx(float(np.median(a)))


def test_mann_whitney_small_samples_and_constant_values():
    assert not stats.mann_whitney([1, 2, 3, 4], [1, 2, 3, 4, 5]).enough_data
    flat = stats.mann_whitney([3] * 6, [3] * 8)
    assert flat.no_variation and flat.p_value is None and flat.rank_biserial is None and not flat.significant()
    # Complete separation: every a beats every b, r = +1.
    sep = stats.mann_whitney([5, 6, 7, 8, 9], [1, 2, 3, 4, 0])
    assert sep.rank_biserial == 1.0 and sep.u == 25
    assert sep.p_value == pytest.approx(2 / math.comb(10, 5))  # exact: 2 of C(10, 5) orderings are as extreme
    assert "rank-biserial" in sep.reading_en and "秩二列" in sep.reading_zh


# --- chi-square ----------------------------------------------------------------------------------------------


def test_chi_square_by_hand():
    table = [[30, 50, 20], [45, 40, 15]]
    res = stats.chi_square(table, ["P1", "Others"], ["high", "medium", "low"], what="urgency", what_zh="紧急程度")
    obs = np.array(table, dtype=float)
    exp = obs.sum(axis=1, keepdims=True) * obs.sum(axis=0, keepdims=True) / obs.sum()
    chi2 = float(((obs - exp) ** 2 / exp).sum())
    assert res.chi2 == pytest.approx(chi2)
    assert res.dof == 2
    assert res.p_value == pytest.approx(float(sps.chi2.sf(chi2, 2)))
    assert res.cramers_v == pytest.approx(math.sqrt(chi2 / (200 * 1)))
    assert np.allclose(res.expected, exp)
    assert res.n == 200 and not res.low_expected
    assert "urgency" in res.reading_en and "紧急程度" in res.reading_zh


def test_chi_square_2x2_agrees_with_two_proportion_z():
    chi = stats.chi_square([[19, 8], [130, 140]])
    z = stats.two_proportion_z(19, 27, 130, 270)
    assert chi.chi2 == pytest.approx(z.z**2) and chi.p_value == pytest.approx(z.p_value)


def test_chi_square_drops_empty_categories_and_flags_small_expected_counts():
    res = stats.chi_square([[10, 0, 2], [9, 0, 3]], ["a", "b"], ["x", "unused", "y"])
    ref = sps.chi2_contingency([[10, 2], [9, 3]], correction=False)
    assert res.chi2 == pytest.approx(ref.statistic) and res.dof == 1
    assert res.expected[0][1] == 0.0
    assert res.low_expected and "caution" in res.reading_en


def test_chi_square_not_enough_data():
    assert not stats.chi_square([[5, 3], [20, 20]]).enough_data
    only_one_category = stats.chi_square([[12, 0], [20, 0]])
    assert not only_one_category.enough_data and only_one_category.p_value is None
    assert not only_one_category.significant()
    with pytest.raises(ValueError):
        stats.chi_square([[1, 2], [3]])


def test_results_are_frozen_and_serialisable():
    res = stats.two_proportion_z(19, 27, 130, 270)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.z = 0
    assert dataclasses.asdict(res)["diff_ci"]["confidence"] == 0.95


def test_format_p():
    assert stats.format_p(0.0004) == "p < 0.001"
    assert stats.format_p(0.02797) == "p = 0.028"
    assert stats.format_p(None) == "p = n/a"


def test_stats_module_does_not_import_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(stats))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "django" not in imported


# --- Spearman ------------------------------------------------------------------------------------------------


def test_spearman_by_ranking_and_pearson():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 80).tolist()
    y = [round(min(5, max(1, v * 0.6 + rng.normal(1.5, 0.8))), 1) for v in x]
    res = stats.spearman(x, y, what="accuracy", what_zh="准确性")
    rx, ry = sps.rankdata(x), sps.rankdata(y)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    t = rho * math.sqrt((80 - 2) / (1 - rho**2))
    assert res.rho == pytest.approx(rho)
    assert res.p_value == pytest.approx(2 * sps.t.sf(abs(t), 78))
    assert res.n == 80 and res.significant() and "Accuracy shows" in res.reading_en and "准确性" in res.reading_zh


def test_spearman_not_enough_data():
    assert not stats.spearman([1, 2, 3], [3, 2, 1]).enough_data
    assert not stats.spearman([2] * 20, list(range(20))).enough_data


def test_tails_read_from_scipy_special_equal_the_distribution_objects_to_the_last_bit():
    # The tests call scipy.special directly for speed; they must be the very numbers scipy.stats gives.
    rng = np.random.default_rng(7)
    for _ in range(2_000):
        x, df, q = rng.normal() * 6, rng.uniform(1, 10_000), rng.uniform(0.5, 0.99999)
        assert stats._t_sf(x, df) == float(sps.t.sf(x, df))
        assert stats._t_ppf(q, df) == float(sps.t.ppf(q, df))
        assert stats._norm_sf(x) == float(sps.norm.sf(x))
    assert stats._z_crit(0.95) == float(sps.norm.ppf(0.975))
