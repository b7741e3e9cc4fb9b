"""Small samples and degenerate data: exact Mann–Whitney, "no variation: no test", no NaN in a reading, the
t-based Hedges' g interval, difference-in-differences without enough data, and Benjamini–Hochberg q-values.

References: scipy's permutation test over every split, full enumeration by hand, statsmodels' two-proportion z
test and `multipletests(method="fdr_bh")`.
"""

import itertools
import math
import random

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from analytics.lib import stats
from analytics.rules import evaluation as ev

# --- exact Mann–Whitney --------------------------------------------------------------------------------------


def test_the_issue_case_gives_the_permutation_p():
    res = stats.mann_whitney([4, 4, 4, 4, 4], [5, 5, 5, 5, 4])
    assert res.p_value == pytest.approx(0.048, abs=0.002)
    assert res.p_value == pytest.approx(12 / 252)  # 12 of the C(10, 5) = 252 splits are as extreme
    assert "exact permutation p" in res.reading_en and "精确置换" in res.reading_zh
    # The normal approximation said 0.020: the exact p is not that.
    assert sps.mannwhitneyu([4] * 5, [5, 5, 5, 5, 4], method="asymptotic").pvalue == pytest.approx(0.020, abs=1e-3)


def _enumerated_p(a, b):
    pooled = a + b
    ranks = sps.rankdata(pooled)
    observed = sum(ranks[: len(a)])
    sums = [sum(ranks[list(c)]) for c in itertools.combinations(range(len(pooled)), len(a))]
    le = sum(s <= observed + 1e-9 for s in sums) / len(sums)
    ge = sum(s >= observed - 1e-9 for s in sums) / len(sums)
    return min(1.0, 2 * min(le, ge))


def test_exact_p_equals_full_enumeration_by_hand():
    rng = random.Random(3)
    for _ in range(15):
        a = [rng.choice([1, 2, 3, 4, 4, 5]) for _ in range(rng.randint(5, 7))]
        b = [rng.choice([2, 3, 4, 5, 5]) for _ in range(rng.randint(5, 7))]
        if len(set(a + b)) == 1:
            continue
        assert stats.mann_whitney(a, b).p_value == pytest.approx(_enumerated_p(a, b), abs=1e-12)


def test_exact_p_equals_scipys_permutation_test_on_random_tied_samples():
    rng = np.random.default_rng(16)
    checked = 0
    for _ in range(60):
        n1, n2 = int(rng.integers(5, 10)), int(rng.integers(5, 10))
        a = rng.choice([1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0], n1).tolist()
        b = rng.choice([2.0, 3.0, 4.0, 4.0, 5.0, 5.0], n2).tolist()
        if len(set(a + b)) == 1:
            continue
        res = stats.mann_whitney(a, b)
        ref = sps.mannwhitneyu(a, b, method=sps.PermutationMethod(n_resamples=np.inf))
        assert res.u == pytest.approx(float(ref.statistic))
        assert res.p_value == pytest.approx(float(ref.pvalue), abs=1e-9)
        checked += 1
    assert checked > 50


def test_a_small_group_against_a_large_one_is_still_exact():
    rng = np.random.default_rng(4)
    a = rng.choice(np.arange(10, 51) / 10, 12).tolist()
    b = rng.choice(np.arange(10, 51) / 10, 150).tolist()
    res = stats.mann_whitney(a, b)
    assert "exact permutation p" in res.reading_en
    # A Monte Carlo permutation p with 20 000 resamples agrees within its own error (≈ 0.0035 at p = 0.5).
    ref = sps.mannwhitneyu(a, b, method=sps.PermutationMethod(n_resamples=20_000, rng=1)).pvalue
    assert res.p_value == pytest.approx(ref, abs=0.015)


def test_large_groups_keep_the_normal_approximation():
    rng = np.random.default_rng(5)
    a = rng.choice([1, 2, 3, 4, 5], 40).tolist()
    b = rng.choice([1, 2, 3, 4, 5], 45).tolist()
    res = stats.mann_whitney(a, b)
    assert res.p_value == pytest.approx(sps.mannwhitneyu(a, b, method="asymptotic").pvalue, rel=1e-12)
    assert "exact" not in res.reading_en


# --- no variation: no test ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("x1,n1,x2,n2", [(20, 20, 30, 30), (0, 12, 0, 40)])
def test_pooled_rate_zero_or_one_is_no_test(x1, n1, x2, n2):
    res = stats.two_proportion_z(x1, n1, x2, n2)
    assert res.no_variation and res.enough_data and res.p_value is None and res.z is None and res.diff_ci is None
    assert "no variation, so no test" in res.reading_en and "无法检验" in res.reading_zh


def test_one_miss_is_variation_and_is_tested_like_statsmodels():
    res = stats.two_proportion_z(19, 20, 30, 30)
    z, p = proportions_ztest([19, 30], [20, 30])
    assert not res.no_variation and res.z == pytest.approx(z) and res.p_value == pytest.approx(p)


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")  # scipy, on the all-4 group
def test_no_spread_in_means_or_ranks_is_no_test():
    means = stats.welch_t([4.0] * 8, [4.0] * 9)
    ranks = stats.mann_whitney([4.0] * 8, [4.0] * 9)
    assert means.no_variation and means.df is None and means.p_value is None
    assert ranks.no_variation and ranks.p_value is None and ranks.u is None
    # Spread in one group is enough for Welch's test, which then matches scipy.
    some = stats.welch_t([4.0] * 8, [4.0] * 8 + [5.0])
    assert not some.no_variation
    assert some.p_value == pytest.approx(sps.ttest_ind([4.0] * 8, [4.0] * 8 + [5.0], equal_var=False).pvalue)


@pytest.mark.parametrize(
    "a,b",
    [
        ([4.0] * 6, [4.0] * 6),
        ([5.0] * 6, [1.0] * 6),
        ([4.0] * 6, [4.0] * 5 + [5.0]),
        ([1.0, 5.0] * 3, [3.0] * 6),
        ([4.0] * 2, [5.0] * 30),
        ([], [4.0, 5.0]),
    ],
)
def test_no_reading_ever_says_nan(a, b):
    for res in (stats.welch_t(a, b), stats.mann_whitney(a, b)):
        assert "nan" not in res.reading_en.lower() and "nan" not in res.reading_zh.lower()
    es = stats.effect_size(mean1=4.0, sd1=float("nan"), n1=6, mean2=3.0, sd2=1.0, n2=6)
    assert es.hedges_g is None and es.magnitude == "n/a"


# --- Hedges' g interval -------------------------------------------------------------------------------------------


def test_hedges_g_interval_uses_the_t_critical_value():
    res = stats.effect_size(mean1=4.4, sd1=0.5, n1=6, mean2=3.9, sd2=0.6, n2=7)
    se = math.sqrt(13 / 42 + res.hedges_g**2 / 26)
    t_crit = sps.t.ppf(0.975, 11)  # 2.200985…
    assert res.g_ci.low == pytest.approx(res.hedges_g - t_crit * se, rel=1e-12)
    assert res.g_ci.high == pytest.approx(res.hedges_g + t_crit * se, rel=1e-12)
    # Large samples: the t value is the normal one to three decimals.
    big = stats.effect_size(mean1=4.4, sd1=0.5, n1=3000, mean2=3.9, sd2=0.6, n2=3000)
    se_big = math.sqrt(6000 / 9e6 + big.hedges_g**2 / 12000)
    assert (big.g_ci.high - big.hedges_g) / se_big == pytest.approx(1.959964, abs=1e-3)


# --- difference-in-differences -----------------------------------------------------------------------------------


def test_did_with_an_empty_or_one_record_cell_is_not_enough_data():
    empty = ev.did_proportions(
        treated_before=(30, 50), treated_after=(45, 50), control_before=(0, 0), control_after=(170, 200)
    )
    assert not empty.enough_data and empty.estimate is None and empty.p_value is None
    one = {
        "treated_before": ev.CellStats(n=4, total=12.0, total_sq=38.0),
        "treated_after": ev.CellStats(n=1, total=4.0, total_sq=16.0),
        "control_before": ev.CellStats(n=2, total=6.0, total_sq=20.0),
        "control_after": ev.CellStats(n=2, total=7.0, total_sq=25.0),
    }
    assert not ev.did_means(**one).enough_data
    two = {**one, "treated_after": ev.CellStats(n=2, total=9.0, total_sq=41.0)}
    assert ev.did_means(**two).enough_data


def test_did_without_any_spread_is_no_test():
    flat = ev.did_proportions(
        treated_before=(10, 10), treated_after=(10, 10), control_before=(20, 20), control_after=(20, 20)
    )
    assert flat.no_variation and flat.p_value is None and not flat.significant()


# --- Benjamini–Hochberg -------------------------------------------------------------------------------------------


def test_q_values_equal_statsmodels_fdr_bh():
    rng = np.random.default_rng(9)
    for _ in range(50):
        p = rng.uniform(0, 1, int(rng.integers(1, 30))) ** 3
        assert stats.bh_q_values(p.tolist()) == pytest.approx(multipletests(p, method="fdr_bh")[1].tolist())


def test_tests_without_a_p_value_are_left_out_of_the_family():
    q = stats.bh_q_values([0.01, None, 0.04])
    assert q[1] is None and q[0] == pytest.approx(0.02) and q[2] == pytest.approx(0.04)


def test_a_family_of_tests_reads_and_decides_by_q():
    tests = [
        stats.two_proportion_z(45, 100, 30, 100),  # p ≈ 0.029
        stats.two_proportion_z(52, 100, 50, 100),
        stats.two_proportion_z(51, 100, 50, 100),
        stats.two_proportion_z(1, 4, 2, 4),  # not enough data: no p, no q
    ]
    family = stats.with_q_values(tests)
    expected = multipletests([t.p_value for t in tests[:3]], method="fdr_bh")[1]
    assert [t.q_value for t in family[:3]] == pytest.approx(expected.tolist())
    assert family[3].q_value is None and family[3].reading_en == tests[3].reading_en
    assert tests[0].significant() and not family[0].significant()  # p < 0.05 but q > 0.05
    assert "Among the 3 tests shown together, q = " in family[0].reading_en
    assert "Benjamini–Hochberg" in family[0].reading_zh and "错误发现率" in family[0].reading_zh


def test_a_single_test_keeps_its_p_sentence():
    [only] = stats.with_q_values([stats.two_proportion_z(45, 100, 30, 100)])
    assert only.q_value == pytest.approx(only.p_value) and "shown together" not in only.reading_en
    assert only.significant()


# --- in the report -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_report_json_has_the_exact_rank_p_and_q_values_beside_every_p(db):
    from analytics.quality import report
    from analytics.tests.test_comparison import make_group

    # Priority 1 rated its tickets 4, 4, 4, 4, 4; everyone else 5, 5, 5, 5, 4.
    make_group(1, n_t=5, follow=0.0, sat_other=(4,), n_c=12)
    make_group(3, n_t=5, follow=0.0, sat_other=(5, 5, 5, 5, 4), n_c=12)
    data = report.report_json(priority=1)
    tests = data["comparison"]["tests"]
    ranks = tests["ticket_satisfaction_ranks"]
    assert ranks["p_value"] == pytest.approx(0.048, abs=0.002)
    family = [t for t in tests.values()] + [d["test"] for d in data["comparison"]["distributions"]]
    with_p = [t for t in family if t["p_value"] is not None]
    assert len(with_p) >= 2
    expected = multipletests([t["p_value"] for t in with_p], method="fdr_bh")[1]
    assert [t["q_value"] for t in with_p] == pytest.approx(expected.tolist())
    assert all(t["q_value"] is None for t in family if t["p_value"] is None)
    assert "q = " in ranks["reading_en"] and "Benjamini–Hochberg" in ranks["reading_en"]


def test_chi_square_names_the_groups_in_the_language_of_the_reading():
    table = [[30, 20], [20, 30]]
    test = stats.chi_square(
        table, ("Priority 1", "other customers"), ("a", "b"), row_labels_zh=("优先级 1", "其他客户")
    )
    assert "优先级 1、其他客户" in test.reading_zh and "Priority" not in test.reading_zh
    assert "Priority 1, other customers" in test.reading_en
    few = stats.chi_square([[1, 2], [3, 4]], ("A", "B"), row_labels_zh=("甲", "乙"))
    assert "甲 3" in few.reading_zh and "A 3" in few.reading_en
