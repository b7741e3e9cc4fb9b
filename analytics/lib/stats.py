"""Statistical tests with plain-language readings (pure Python + scipy; no Django).

Every result is a frozen dataclass carrying n per group, the effect, its interval where defined, the test
statistic, the two-sided p-value and a one-sentence reading in English and Chinese. Below a minimum sample
(`MIN_N_PROPORTION` per group for proportions and distributions, `MIN_N_MEAN` per group for means and ranks)
a result has `enough_data=False`, no test statistic and a "not enough data" reading instead of a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np


class _ScipyStats:
    """`scipy.stats`, imported on first use: it costs about 60 MB and 4 s in every process that merely imports
    this module (the web, the workers, an import), most of which never run a test."""

    def __getattr__(self, name: str):
        from scipy import stats

        return getattr(stats, name)


sps = _ScipyStats()

MIN_N_PROPORTION = 10
MIN_N_MEAN = 5
DEFAULT_ALPHA = 0.05

__all__ = [
    "DEFAULT_ALPHA",
    "DriftTest",
    "MIN_N_MEAN",
    "MIN_N_PROPORTION",
    "MIN_N_CORRELATION",
    "ChiSquareTest",
    "Correlation",
    "EffectSize",
    "Interval",
    "MeanTest",
    "ProportionTest",
    "RankTest",
    "chi_square",
    "drift_tests",
    "drop_p_value",
    "effect_size",
    "chance_text",
    "format_p",
    "jeffreys_probability_at_least",
    "mean_interval",
    "bh_q_values",
    "format_q",
    "with_q_values",
    "mann_whitney",
    "spearman",
    "two_proportion_z",
    "welch_t",
    "welch_t_from_stats",
    "wilson_interval",
]


@dataclass(frozen=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float
    confidence: float = 0.95


def _significant(enough_data: bool, p_value: float | None, alpha: float, q_value: float | None = None) -> bool:
    # Shown in a family of tests, the verdict is the false-discovery-controlled one (q), not the single p.
    decisive = q_value if q_value is not None else p_value
    return bool(enough_data and decisive is not None and decisive < alpha)


@dataclass(frozen=True)
class ProportionTest:
    """Pooled two-proportion z-test of p1 − p2 with the Wald (unpooled) interval of the difference."""

    x1: int
    n1: int
    x2: int
    n2: int
    p1: float | None
    p2: float | None
    diff: float | None
    z: float | None
    p_value: float | None
    diff_ci: Interval | None
    enough_data: bool
    reading_en: str
    reading_zh: str
    no_variation: bool = False  # every value the same: no test is defined, so none is run
    q_value: float | None = None  # Benjamini–Hochberg, set by `with_q_values` when tests are shown together

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """True when there is enough data and p < alpha (q < alpha when a q-value was set for a family of tests)."""
        return _significant(self.enough_data, self.p_value, alpha, self.q_value)


@dataclass(frozen=True)
class EffectSize:
    """Cohen's d (pooled SD) and Hedges' g (small-sample corrected) with a normal-approximation interval for g."""

    n1: int
    n2: int
    cohens_d: float | None
    hedges_g: float | None
    g_ci: Interval | None
    magnitude: str


@dataclass(frozen=True)
class MeanTest:
    """Welch's t-test of mean1 − mean2 with the effect size."""

    n1: int
    n2: int
    mean1: float | None
    mean2: float | None
    sd1: float | None
    sd2: float | None
    diff: float | None
    t: float | None
    df: float | None
    p_value: float | None
    diff_ci: Interval | None
    cohens_d: float | None
    hedges_g: float | None
    g_ci: Interval | None
    enough_data: bool
    reading_en: str
    reading_zh: str
    no_variation: bool = False  # every value the same: no test is defined, so none is run
    q_value: float | None = None  # Benjamini–Hochberg, set by `with_q_values` when tests are shown together

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """True when there is enough data and p < alpha (q < alpha when a q-value was set for a family of tests)."""
        return _significant(self.enough_data, self.p_value, alpha, self.q_value)


@dataclass(frozen=True)
class RankTest:
    """Mann–Whitney U test (two-sided) with the rank-biserial correlation (P(a > b) − P(a < b))."""

    n1: int
    n2: int
    median1: float | None
    median2: float | None
    u: float | None
    p_value: float | None
    rank_biserial: float | None
    enough_data: bool
    reading_en: str
    reading_zh: str
    no_variation: bool = False  # every value the same: no test is defined, so none is run
    q_value: float | None = None  # Benjamini–Hochberg, set by `with_q_values` when tests are shown together

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """True when there is enough data and p < alpha (q < alpha when a q-value was set for a family of tests)."""
        return _significant(self.enough_data, self.p_value, alpha, self.q_value)


@dataclass(frozen=True)
class ChiSquareTest:
    """Chi-square test of independence (no continuity correction) with Cramér's V."""

    n: int
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    observed: tuple[tuple[int, ...], ...]
    expected: tuple[tuple[float, ...], ...] | None
    chi2: float | None
    dof: int | None
    p_value: float | None
    cramers_v: float | None
    low_expected: bool
    enough_data: bool
    reading_en: str
    reading_zh: str
    q_value: float | None = None  # Benjamini–Hochberg, set by `with_q_values` when tests are shown together

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """True when there is enough data and p < alpha (q < alpha when a q-value was set for a family of tests)."""
        return _significant(self.enough_data, self.p_value, alpha, self.q_value)


# --- formatting helpers --------------------------------------------------------------------------------------


def format_p(p: float | None) -> str:
    """A p-value as people read it: 'p = 0.028', 'p < 0.001'."""
    if p is None:
        return "p = n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _pts(x: float) -> str:
    return f"{x * 100:+.1f}"


# The normal and Student-t tails are read from `scipy.special` directly: they are the functions
# `scipy.stats.norm` and `scipy.stats.t` evaluate (ndtr/ndtri, stdtr/stdtrit), so the numbers are the same to the
# last bit, without the distribution objects' argument handling, which costs ~100 µs a call (a dashboard widget
# runs dozens of tests).
def _norm_sf(x: float) -> float:
    from scipy import special as sc  # on first use, as scipy.stats above

    return float(sc.ndtr(-x))


def _t_sf(x: float, df: float) -> float:
    from scipy import special as sc  # on first use, as scipy.stats above

    return float(sc.stdtr(df, -x))


def _t_ppf(q: float, df: float) -> float:
    from scipy import special as sc  # on first use, as scipy.stats above

    return float(sc.stdtrit(df, q))


@lru_cache(maxsize=32)
def _z_crit(confidence: float) -> float:
    from scipy import special as sc  # on first use, as scipy.stats above

    return float(sc.ndtri(1 - (1 - confidence) / 2))


def _verdict(significant: bool, alpha: float = DEFAULT_ALPHA) -> tuple[str, str]:
    if significant:
        return (
            f"statistically significant at the {alpha:g} level",
            f"在 {alpha:g} 水平上具有统计显著性",
        )
    return (
        f"not statistically significant at the {alpha:g} level (could be chance)",
        f"在 {alpha:g} 水平上不显著（可能是偶然波动）",
    )


def _magnitude(d: float | None) -> str:
    """Cohen's conventional labels: negligible < 0.2 ≤ small < 0.5 ≤ medium < 0.8 ≤ large."""
    if d is None:
        return "n/a"
    a = abs(d)
    if a < 0.2:
        return "negligible"
    if a < 0.5:
        return "small"
    if a < 0.8:
        return "medium"
    return "large"


_MAGNITUDE_ZH = {"negligible": "可忽略", "small": "小", "medium": "中等", "large": "大", "n/a": "无法计算"}


def _labels(labels: tuple[str, str] | None, labels_zh: tuple[str, str] | None) -> tuple[tuple[str, str], ...]:
    en = labels or ("group 1", "group 2")
    zh = labels_zh or labels or ("组1", "组2")
    return en, zh


# --- proportions ---------------------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for successes/n; (0, 1) when n is 0."""
    if n <= 0:
        return Interval(0.0, 1.0, confidence)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n, got {successes}/{n}")
    z = _z_crit(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(max(0.0, centre - half), min(1.0, centre + half), confidence)


def jeffreys_probability_at_least(successes: int, n: int, threshold: float) -> float | None:
    """Posterior probability that the true rate is ≥ `threshold` under the Jeffreys prior Beta(½, ½).

    With x successes of n the posterior is Beta(x + ½, n − x + ½), so the chance is 1 − BetaCDF(threshold);
    None without observations (the prior alone says nothing about a service).
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n, got {successes}/{n}")
    # The survival function keeps precision when the chance is tiny (1 − cdf would round to 0).
    return float(sps.beta.sf(threshold, successes + 0.5, n - successes + 0.5))


def chance_text(probability: float) -> tuple[str, str]:
    """A probability as people say it: ('a 3% chance', '为 3%'), ('less than a 1% chance', '不到 1%')."""
    if probability < 0.01:
        return "less than a 1% chance", "不到 1%"
    if probability > 0.99:
        return "more than a 99% chance", "超过 99%"
    text = f"{probability * 100:.0f}%"
    return f"a {text} chance", f"为 {text}"


def two_proportion_z(
    x1: int,
    n1: int,
    x2: int,
    n2: int,
    *,
    labels: tuple[str, str] | None = None,
    labels_zh: tuple[str, str] | None = None,
    confidence: float = 0.95,
) -> ProportionTest:
    """Pooled two-proportion z-test (two-sided) of x1/n1 vs x2/n2, with the Wald interval of the difference."""
    for x, n in ((x1, n1), (x2, n2)):
        if n < 0 or not 0 <= x <= max(n, 0):
            raise ValueError(f"need 0 <= x <= n, got {x}/{n}")
    (l1, l2), (z1, z2) = _labels(labels, labels_zh)
    p1 = x1 / n1 if n1 else None
    p2 = x2 / n2 if n2 else None
    diff = p1 - p2 if p1 is not None and p2 is not None else None
    enough = n1 >= MIN_N_PROPORTION and n2 >= MIN_N_PROPORTION
    if not enough:
        return ProportionTest(
            x1, n1, x2, n2, p1, p2, diff, None, None, None, False,
            f"Not enough data to compare {l1} ({x1}/{n1}) with {l2} ({x2}/{n2}): "
            f"each group needs at least {MIN_N_PROPORTION}.",
            f"数据不足，无法比较{z1}（{x1}/{n1}）与{z2}（{x2}/{n2}）：每组至少需要 {MIN_N_PROPORTION} 条。",
        )  # fmt: skip
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0, 1):
        # Both groups all-or-nothing in the same way: there is nothing a test could tell apart.
        return ProportionTest(
            x1, n1, x2, n2, p1, p2, diff, None, None, None, True,
            f"{l1}: {_pct(p1)} ({x1}/{n1}) and {l2}: {_pct(p2)} ({x2}/{n2}): no variation, so no test.",
            f"{z1}：{_pct(p1)}（{x1}/{n1}），{z2}：{_pct(p2)}（{x2}/{n2}）：数据没有变化，无法检验。",
            no_variation=True,
        )  # fmt: skip
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = diff / se
    p_value = 2 * _norm_sf(abs(z))
    se_diff = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    crit = _z_crit(confidence)
    ci = Interval(diff - crit * se_diff, diff + crit * se_diff, confidence)
    sig = _significant(True, p_value, DEFAULT_ALPHA)
    v_en, v_zh = _verdict(sig)
    conf = f"{confidence * 100:g}%"
    reading_en = (
        f"{l1}: {_pct(p1)} ({x1}/{n1}) vs {l2}: {_pct(p2)} ({x2}/{n2}); difference {_pts(diff)} points "
        f"({conf} CI {_pts(ci.low)} to {_pts(ci.high)}), z = {z:.2f}, {format_p(p_value)}: {v_en}."
    )
    reading_zh = (
        f"{z1}：{_pct(p1)}（{x1}/{n1}），{z2}：{_pct(p2)}（{x2}/{n2}）；差异 {_pts(diff)} 个百分点"
        f"（{conf} 置信区间 {_pts(ci.low)} 至 {_pts(ci.high)}），z = {z:.2f}，{format_p(p_value)}：{v_zh}。"
    )
    return ProportionTest(x1, n1, x2, n2, p1, p2, diff, z, p_value, ci, True, reading_en, reading_zh)


# --- means ---------------------------------------------------------------------------------------------------


def effect_size(
    *, mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int, confidence: float = 0.95
) -> EffectSize:
    """Cohen's d with the pooled SD √(((n1−1)s1² + (n2−1)s2²)/(n1+n2−2)), Hedges' g and its interval."""
    if n1 < 2 or n2 < 2 or sd1 is None or sd2 is None:
        return EffectSize(n1, n2, None, None, None, "n/a")
    pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    if pooled == 0:
        return EffectSize(n1, n2, None, None, None, "n/a")
    d = (mean1 - mean2) / pooled
    j = 1 - 3 / (4 * (n1 + n2) - 9)
    g = j * d
    if not math.isfinite(g):
        return EffectSize(n1, n2, None, None, None, "n/a")
    # Hedges & Olkin (1985) standard error of g, with the t critical value on n1 + n2 − 2 degrees of freedom so
    # that small samples get the wider interval they deserve (the normal value is its large-sample limit).
    se_g = math.sqrt((n1 + n2) / (n1 * n2) + g * g / (2 * (n1 + n2)))
    crit = _t_ppf(1 - (1 - confidence) / 2, n1 + n2 - 2)
    return EffectSize(n1, n2, d, g, Interval(g - crit * se_g, g + crit * se_g, confidence), _magnitude(g))


def mean_interval(mean: float | None, sd: float | None, n: int, confidence: float = 0.95) -> Interval | None:
    """Student-t interval of a mean, mean ± t(n−1)·sd/√n; None with fewer than two values."""
    if n < 2 or mean is None or sd is None:
        return None
    half = _t_ppf(1 - (1 - confidence) / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean - half, mean + half, confidence)


def welch_t_from_stats(
    *,
    mean1: float,
    sd1: float,
    n1: int,
    mean2: float,
    sd2: float,
    n2: int,
    labels: tuple[str, str] | None = None,
    labels_zh: tuple[str, str] | None = None,
    confidence: float = 0.95,
) -> MeanTest:
    """Welch's t-test (two-sided) of mean1 − mean2 from summary statistics (sd with ddof=1)."""
    (l1, l2), (z1, z2) = _labels(labels, labels_zh)
    has_means = n1 > 0 and n2 > 0 and mean1 is not None and mean2 is not None
    diff = mean1 - mean2 if has_means else None
    enough = n1 >= MIN_N_MEAN and n2 >= MIN_N_MEAN and sd1 is not None and sd2 is not None
    if not enough:
        return MeanTest(
            n1, n2, mean1 if n1 else None, mean2 if n2 else None, sd1, sd2, diff,
            None, None, None, None, None, None, None, False,
            f"Not enough data to compare {l1} (n = {n1}) with {l2} (n = {n2}): "
            f"each group needs at least {MIN_N_MEAN}.",
            f"数据不足，无法比较{z1}（n = {n1}）与{z2}（n = {n2}）：每组至少需要 {MIN_N_MEAN} 条。",
        )  # fmt: skip
    v1, v2 = sd1**2 / n1, sd2**2 / n2
    se = math.sqrt(v1 + v2)
    es = effect_size(mean1=mean1, sd1=sd1, n1=n1, mean2=mean2, sd2=sd2, n2=n2, confidence=confidence)
    if se == 0:
        # No spread in either group: a t-test (and its degrees of freedom) is not defined, so none is run.
        return MeanTest(
            n1, n2, mean1, mean2, sd1, sd2, diff, None, None, None, None, None, None, None, True,
            f"{l1}: mean {mean1:.2f} (n = {n1}) and {l2}: mean {mean2:.2f} (n = {n2}): no variation within "
            "either group, so no test.",
            f"{z1}：均值 {mean1:.2f}（n = {n1}），{z2}：均值 {mean2:.2f}（n = {n2}）：两组内部均无变化，无法检验。",
            no_variation=True,
        )  # fmt: skip
    t = diff / se
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    p_value = 2 * _t_sf(abs(t), df)
    crit = _t_ppf(1 - (1 - confidence) / 2, df)
    ci = Interval(diff - crit * se, diff + crit * se, confidence)
    sig = _significant(True, p_value, DEFAULT_ALPHA)
    v_en, v_zh = _verdict(sig)
    conf = f"{confidence * 100:g}%"
    t_en = f"Welch t = {t:.2f} (df {df:.1f}), "
    t_zh = f"Welch t = {t:.2f}（自由度 {df:.1f}），"
    g_en = f"; Hedges' g = {es.hedges_g:.2f} ({es.magnitude} effect)" if es.hedges_g is not None else ""
    g_zh = f"；Hedges' g = {es.hedges_g:.2f}（{_MAGNITUDE_ZH[es.magnitude]}效应）" if es.hedges_g is not None else ""
    reading_en = (
        f"{l1}: mean {mean1:.2f} (n = {n1}) vs {l2}: mean {mean2:.2f} (n = {n2}); difference {diff:+.2f} "
        f"({conf} CI {ci.low:+.2f} to {ci.high:+.2f}), {t_en}{format_p(p_value)}: {v_en}{g_en}."
    )
    reading_zh = (
        f"{z1}：均值 {mean1:.2f}（n = {n1}），{z2}：均值 {mean2:.2f}（n = {n2}）；差异 {diff:+.2f}"
        f"（{conf} 置信区间 {ci.low:+.2f} 至 {ci.high:+.2f}），{t_zh}{format_p(p_value)}：{v_zh}{g_zh}。"
    )
    return MeanTest(
        n1, n2, mean1, mean2, sd1, sd2, diff, t, df, p_value, ci,
        es.cohens_d, es.hedges_g, es.g_ci, True, reading_en, reading_zh,
    )  # fmt: skip


def _mean_sd(values: Sequence[float]) -> tuple[float | None, float | None]:
    n = len(values)
    if n == 0:
        return None, None
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))


def welch_t(
    a: Sequence[float],
    b: Sequence[float],
    *,
    labels: tuple[str, str] | None = None,
    labels_zh: tuple[str, str] | None = None,
    confidence: float = 0.95,
) -> MeanTest:
    """Welch's t-test (two-sided) of mean(a) − mean(b) with Cohen's d and Hedges' g."""
    a = [float(v) for v in a]
    b = [float(v) for v in b]
    mean1, sd1 = _mean_sd(a)
    mean2, sd2 = _mean_sd(b)
    return welch_t_from_stats(
        mean1=mean1, sd1=sd1, n1=len(a), mean2=mean2, sd2=sd2, n2=len(b),
        labels=labels, labels_zh=labels_zh, confidence=confidence,
    )  # fmt: skip


# --- ranks ---------------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


EXACT_RANK_MAX_GROUP = 20  # either group this small: the exact permutation p (the normal one is off with ties)
EXACT_RANK_MAX_CELLS = 200_000  # bound on the exact counting table (≈ 0.2 s); past it the normal approximation


def _rank_sum_distribution(ranks2: list[int], k: int) -> np.ndarray:
    """How many k-subsets of the pooled values have each doubled rank sum (midranks × 2 are integers).

    Tied values are interchangeable, so each tie group of size m contributes C(m, j) ways to take j of them:
    the count table is built group by group instead of value by value.
    """
    groups: dict[int, int] = {}
    for r in ranks2:
        groups[r] = groups.get(r, 0) + 1
    top = sum(sorted(ranks2)[-k:]) if k else 0
    ways = np.zeros((k + 1, top + 1))
    ways[0, 0] = 1.0
    for rank, m in groups.items():
        nxt = ways.copy()
        for j in range(1, min(m, k) + 1):
            shift = j * rank
            if shift > top:
                break
            nxt[j:, shift:] += math.comb(m, j) * ways[:-j, : top + 1 - shift]
        ways = nxt
    return ways[k]


def _mann_whitney_u_p(a: list[float], b: list[float]) -> tuple[float, float, str]:
    """U of `a` and the two-sided p: exact over all splits of the pooled values when a group is small, else scipy's
    tie-corrected normal approximation. The exact p is 2·min(P(U ≤ u), P(U ≥ u)), capped at 1 (as scipy's
    permutation test defines it)."""
    n1, n2 = len(a), len(b)
    small = min(n1, n2)
    if small <= EXACT_RANK_MAX_GROUP and small * 2 * (n1 + n2) * small <= EXACT_RANK_MAX_CELLS:
        ranks = sps.rankdata(a + b)
        ranks2 = [round(2 * r) for r in ranks]
        first = n1 <= n2  # count subsets of the smaller group's size
        k = n1 if first else n2
        observed = sum(ranks2[:n1]) if first else sum(ranks2[n1:])
        dist = _rank_sum_distribution(ranks2, k)
        total = dist.sum()
        p_le, p_ge = dist[: observed + 1].sum() / total, dist[observed:].sum() / total
        p_value = min(1.0, 2 * min(p_le, p_ge))
        u = float(sum(ranks[:n1]) - n1 * (n1 + 1) / 2)
        return u, float(p_value), "exact"
    res = sps.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
    return float(res.statistic), float(res.pvalue), "asymptotic"


def mann_whitney(
    a: Sequence[float],
    b: Sequence[float],
    *,
    labels: tuple[str, str] | None = None,
    labels_zh: tuple[str, str] | None = None,
) -> RankTest:
    """Mann–Whitney U (two-sided) with the rank-biserial correlation; an exact permutation p when either group has
    at most `EXACT_RANK_MAX_GROUP` values, the tie-corrected normal approximation otherwise."""
    a = [float(v) for v in a]
    b = [float(v) for v in b]
    (l1, l2), (z1, z2) = _labels(labels, labels_zh)
    n1, n2 = len(a), len(b)
    m1, m2 = _median(a), _median(b)
    if n1 < MIN_N_MEAN or n2 < MIN_N_MEAN:
        return RankTest(
            n1, n2, m1, m2, None, None, None, False,
            f"Not enough data to compare {l1} (n = {n1}) with {l2} (n = {n2}): "
            f"each group needs at least {MIN_N_MEAN}.",
            f"数据不足，无法比较{z1}（n = {n1}）与{z2}（n = {n2}）：每组至少需要 {MIN_N_MEAN} 条。",
        )  # fmt: skip
    if len(set(a) | set(b)) == 1:
        # Every value identical: ranks carry no information, so no test is run.
        return RankTest(
            n1, n2, m1, m2, None, None, None, True,
            f"{l1} (n = {n1}) and {l2} (n = {n2}) all gave {m1:.2f}: no variation, so no test.",
            f"{z1}（n = {n1}）与{z2}（n = {n2}）全部为 {m1:.2f}：数据没有变化，无法检验。",
            no_variation=True,
        )  # fmt: skip
    u, p_value, method = _mann_whitney_u_p(a, b)
    r = 2 * u / (n1 * n2) - 1
    v_en, v_zh = _verdict(_significant(True, p_value, DEFAULT_ALPHA))
    method_en = " (exact permutation p)" if method == "exact" else ""
    method_zh = "（精确置换 p 值）" if method == "exact" else ""
    reading_en = (
        f"{l1}: median {m1:.2f} (n = {n1}) vs {l2}: median {m2:.2f} (n = {n2}); Mann–Whitney U = {u:.1f}, "
        f"rank-biserial r = {r:+.2f}, {format_p(p_value)}{method_en}: {v_en}."
    )
    reading_zh = (
        f"{z1}：中位数 {m1:.2f}（n = {n1}），{z2}：中位数 {m2:.2f}（n = {n2}）；Mann–Whitney U = {u:.1f}，"
        f"秩二列相关 r = {r:+.2f}，{format_p(p_value)}{method_zh}：{v_zh}。"
    )
    return RankTest(n1, n2, m1, m2, u, p_value, r, True, reading_en, reading_zh)


# --- distributions -------------------------------------------------------------------------------------------


def chi_square(
    table: list[list[int]],
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    *,
    what: str = "the distribution",
    what_zh: str = "分布",
    row_labels_zh: Sequence[str] | None = None,
) -> ChiSquareTest:
    """Chi-square test of independence of rows (groups) and columns (categories), with Cramér's V.

    Empty categories (all-zero columns) are dropped before testing; every group needs at least
    `MIN_N_PROPORTION` observations and at least two categories must be used, otherwise not enough data.
    """
    rows = [[int(c) for c in row] for row in table]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("table must be a non-empty rectangular list of lists")
    row_labels = tuple(row_labels or (f"row {i + 1}" for i in range(len(rows))))
    row_labels_zh = tuple(row_labels_zh or row_labels)  # the Chinese reading names the groups in Chinese
    col_labels = tuple(col_labels or (f"col {j + 1}" for j in range(len(rows[0]))))
    observed = tuple(tuple(r) for r in rows)
    n = sum(map(sum, rows))
    used_cols = [j for j in range(len(rows[0])) if any(r[j] for r in rows)]
    enough = len(rows) >= 2 and len(used_cols) >= 2 and all(sum(r) >= MIN_N_PROPORTION for r in rows)
    if not enough:
        sizes = ", ".join(f"{lab} {sum(r)}" for lab, r in zip(row_labels, rows, strict=True))
        sizes_zh = "，".join(f"{lab} {sum(r)}" for lab, r in zip(row_labels_zh, rows, strict=True))
        return ChiSquareTest(
            n, row_labels, col_labels, observed, None, None, None, None, None, False, False,
            f"Not enough data to compare {what} ({sizes}): each group needs at least {MIN_N_PROPORTION} "
            "and at least two categories must occur.",
            f"数据不足，无法比较{what_zh}（{sizes_zh}）：每组至少需要 {MIN_N_PROPORTION} 条，且至少出现两个类别。",
        )  # fmt: skip
    reduced = [[r[j] for j in used_cols] for r in rows]
    res = sps.chi2_contingency(reduced, correction=False)
    chi2, p_value, dof = float(res.statistic), float(res.pvalue), int(res.dof)
    exp_reduced = res.expected_freq.tolist()
    expected = []
    for i in range(len(rows)):
        full = [0.0] * len(rows[0])
        for k, j in enumerate(used_cols):
            full[j] = float(exp_reduced[i][k])
        expected.append(tuple(full))
    k = min(len(rows), len(used_cols))
    cramers_v = math.sqrt(chi2 / (n * (k - 1))) if k > 1 else None
    cells = [e for r in exp_reduced for e in r]
    # Cochran's rule: the chi-square approximation is doubtful when over 20% of expected counts are below 5.
    low_expected = sum(e < 5 for e in cells) > 0.2 * len(cells)
    v_en, v_zh = _verdict(_significant(True, p_value, DEFAULT_ALPHA))
    caution_en = " Some expected counts are small, so treat the p-value with caution." if low_expected else ""
    caution_zh = " 部分期望频数较小，p 值仅供参考。" if low_expected else ""
    reading_en = (
        f"Comparing {what} across {', '.join(row_labels)} (n = {n}): chi-square = {chi2:.2f}, df = {dof}, "
        f"{format_p(p_value)}, Cramér's V = {cramers_v:.2f}: {v_en}.{caution_en}"
    )
    reading_zh = (
        f"比较{'、'.join(row_labels_zh)}的{what_zh}（n = {n}）：卡方 = {chi2:.2f}，自由度 = {dof}，"
        f"{format_p(p_value)}，Cramér's V = {cramers_v:.2f}：{v_zh}。{caution_zh}"
    )
    return ChiSquareTest(
        n, row_labels, col_labels, observed, tuple(expected), chi2, dof, p_value, cramers_v,
        low_expected, True, reading_en, reading_zh,
    )  # fmt: skip


# --- correlation ---------------------------------------------------------------------------------------------

MIN_N_CORRELATION = 10


@dataclass(frozen=True)
class Correlation:
    """Spearman rank correlation (two-sided p) between a sub-metric and the score."""

    n: int
    rho: float | None
    p_value: float | None
    enough_data: bool
    reading_en: str
    reading_zh: str
    q_value: float | None = None  # Benjamini–Hochberg, set by `with_q_values` when tests are shown together

    def significant(self, alpha: float = DEFAULT_ALPHA) -> bool:
        """True when there is enough data and p < alpha (q < alpha when a q-value was set for a family of tests)."""
        return _significant(self.enough_data, self.p_value, alpha, self.q_value)


def _constant(values: Sequence[float]) -> bool:
    first = values[0]
    return all(v == first for v in values)


def _strength(rho: float) -> tuple[str, str]:
    a = abs(rho)
    if a < 0.1:
        return "no", "几乎没有"
    if a < 0.3:
        return "a weak", "较弱的"
    if a < 0.5:
        return "a moderate", "中等的"
    return "a strong", "较强的"


def spearman(
    x: Sequence[float], y: Sequence[float], *, what: str = "the sub-metric", what_zh: str = "该子指标"
) -> Correlation:
    """Spearman's rho between paired x and y (pairs with a missing value must be removed by the caller)."""
    if len(x) != len(y):
        raise ValueError("x and y must have the same length")
    n = len(x)
    if n < MIN_N_CORRELATION or _constant(x) or _constant(y):
        return Correlation(
            n, None, None, False,
            f"Not enough data to relate {what} to the score (n = {n}; at least {MIN_N_CORRELATION} "
            "paired values with some variation are needed).",
            f"数据不足，无法分析{what_zh}与评分的关系（n = {n}；至少需要 {MIN_N_CORRELATION} 对且有变化的数据）。",
        )  # fmt: skip
    res = sps.spearmanr(x, y)  # x, y may be lists or numpy arrays
    rho, p_value = float(res.statistic), float(res.pvalue)
    s_en, s_zh = _strength(rho)
    direction_en = "higher values go with higher scores" if rho > 0 else "higher values go with lower scores"
    direction_zh = "数值越高评分越高" if rho > 0 else "数值越高评分越低"
    v_en, v_zh = _verdict(_significant(True, p_value, DEFAULT_ALPHA))
    reading_en = (
        f"{what.capitalize()} shows {s_en} relation with the score (Spearman rho = {rho:+.2f}, n = {n}, "
        f"{format_p(p_value)}; {direction_en}): {v_en}."
    )
    reading_zh = (
        f"{what_zh}与评分呈{s_zh}相关（Spearman rho = {rho:+.2f}，n = {n}，{format_p(p_value)}；"
        f"{direction_zh}）：{v_zh}。"
    )
    return Correlation(n, rho, p_value, True, reading_en, reading_zh)


# --- several tests shown together ------------------------------------------------------------------------------


def bh_q_values(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values) of a family; None (no test) stays None and is not counted.

    q_(i) = min over j ≥ i of m·p_(j)/j for the sorted p-values, capped at 1 (Benjamini & Hochberg 1995).
    """
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(present)
    q: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = present[rank - 1]
        running = min(running, p * m / rank)
        q[i] = running
    return q


def format_q(q: float) -> str:
    """A q-value as people read it: 'q = 0.041', 'q < 0.001'."""
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


def with_q_values(results: Sequence, alpha: float = DEFAULT_ALPHA) -> list:
    """The tests of one family with their Benjamini–Hochberg q-values set and, when there is more than one test,
    a closing sentence that gives the verdict by q (the one `significant()` then uses)."""
    qs = bh_q_values([r.p_value if r.enough_data else None for r in results])
    tested = sum(q is not None for q in qs)
    out = []
    for result, q in zip(results, qs, strict=True):
        if q is None:
            out.append(result)
            continue
        if tested < 2:
            out.append(replace(result, q_value=q))
            continue
        sig = q < alpha
        verdict_en = "still significant" if sig else "not significant"
        verdict_zh = "仍然显著" if sig else "不显著"
        out.append(
            replace(
                result,
                q_value=q,
                reading_en=f"{result.reading_en} Among the {tested} tests shown together, {format_q(q)} "
                f"(Benjamini–Hochberg): {verdict_en} at the {alpha:g} false-discovery level.",
                reading_zh=f"{result.reading_zh}在同时给出的 {tested} 项检验中，{format_q(q)}（Benjamini–Hochberg）："
                f"在 {alpha:g} 错误发现率水平上{verdict_zh}。",
            )
        )
    return out


# --- drift: a recent window against the cell's own baseline ---------------------------------------------------


@dataclass(frozen=True)
class DriftTest:
    """One cell's drop test: the recent window's satisfied share against what its own baseline predicts.

    `expected` is the baseline rate, `observed` the recent one; `p_value` is one-sided (a drop), `q_value` its
    Benjamini–Hochberg adjustment over every cell tested in the same run; both None when a window is too small.
    """

    x_recent: int
    n_recent: int
    x_baseline: int
    n_baseline: int
    expected: float | None
    observed: float | None
    p_value: float | None
    q_value: float | None
    enough_data: bool

    def flagged(self, fdr: float = DEFAULT_ALPHA) -> bool:
        """A drop, with the false-discovery rate of the run held at `fdr`."""
        if not self.enough_data or self.q_value is None:
            return False
        return self.q_value < fdr and self.observed < self.expected


def drop_p_value(x_recent: int, n_recent: int, x_baseline: int, n_baseline: int) -> float:
    """One-sided p of a drop: P(X ≤ x_recent) for X ~ BetaBinomial(n_recent, x_b + ½, n_b − x_b + ½).

    The recent count is compared with the posterior predictive of the baseline under the Jeffreys prior, so the
    baseline's own uncertainty is counted (a short baseline asks for a bigger drop) and the test stays exact for
    small windows and all-satisfied baselines, where a normal approximation breaks down.
    """
    for x, n in ((x_recent, n_recent), (x_baseline, n_baseline)):
        if n < 0 or not 0 <= x <= max(n, 0):
            raise ValueError(f"need 0 <= x <= n, got {x}/{n}")
    a, b = x_baseline + 0.5, n_baseline - x_baseline + 0.5
    return float(min(1.0, sps.betabinom.cdf(x_recent, n_recent, a, b)))


def drift_tests(cells: Sequence[tuple[int, int, int, int]], *, min_n: int = MIN_N_PROPORTION) -> list[DriftTest]:
    """Drop tests for every cell of one run, (x_recent, n_recent, x_baseline, n_baseline) each, with their q-values.

    A cell with fewer than `min_n` responses in either window is not tested and does not count in the family.
    """
    raw = []
    for x_r, n_r, x_b, n_b in cells:
        enough = n_r >= min_n and n_b >= min_n
        p = drop_p_value(x_r, n_r, x_b, n_b) if enough else None
        raw.append((x_r, n_r, x_b, n_b, enough, p))
    qs = bh_q_values([p for *_rest, p in raw])
    return [
        DriftTest(
            x_r,
            n_r,
            x_b,
            n_b,
            expected=x_b / n_b if n_b else None,
            observed=x_r / n_r if n_r else None,
            p_value=p,
            q_value=q,
            enough_data=enough,
        )  # fmt: skip
        for (x_r, n_r, x_b, n_b, enough, p), q in zip(raw, qs, strict=True)
    ]
