"""Did a measure work? Before/after effect evaluation of a measure's scope, with a difference-in-differences.

Method (docs/improvements.md has the worked numbers):
- Windows: the *after* window runs from the measure's start date to today (inclusive); the *before* (baseline)
  window has the same number of days and ends the day before the start.
- In scope: the measure's service type / customer / segment; the control group is every record outside that
  scope in the same windows. Self-rated records are left out, as in the dashboard metrics.
- Mean score: Welch's t-test of after − before, Cohen's d (pooled SD) and Hedges' g with its interval.
- Satisfaction rate (score ≥ 4): pooled two-proportion z-test of after − before.
- Difference-in-differences: (after − before in scope) − (after − before outside), for the rate and the mean,
  with a normal-approximation standard error √(Σ var_i / n_i) over the four independent cells.
- Verdict: *improved* when the before/after change of the rate or of the mean is significant (α = 0.05) and
  positive, none is significant and negative, and — when the control group has enough data — the
  difference-in-differences of that same metric is significant and positive too (a company-wide rise is not the
  measure's effect). *worse* mirrors it. Fewer than `MIN_N_PROPORTION` responses in a window: *not enough data
  yet*. Otherwise *no detectable change*.
- n needed (per window, 80% power, two-sided α = 0.05) for a rate change p₀ → p₁:
  n = [z₀.₉₇₅·√(2·p̄(1−p̄)) + z₀.₈·√(p₀(1−p₀) + p₁(1−p₁))]² / (p₁ − p₀)², p̄ = (p₀ + p₁)/2,
  with p₁ = p₀ + the observed change (at least half a point), or p₀ + 5 points while there is not enough data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

from django.db.models import Count, FloatField, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from analytics.lib import metrics
from analytics.lib.stats import (
    MIN_N_PROPORTION,
    Interval,
    MeanTest,
    ProportionTest,
    sps,  # scipy.stats, imported on first use
    two_proportion_z,
    welch_t_from_stats,
)
from satisfaction.feedback.models import DISSATISFIED_BELOW, HIGH_SATISFIED_MIN, SATISFIED_MIN, SatisfactionRecord
from satisfaction.helpdesk.selectors import handled_by_q
from satisfaction.improvements.models import ImprovementMeasure, MeasureEvaluation
from satisfaction.improvements.selectors import measures_to_evaluate
from satisfaction.improvements.services import evaluation_record

ALPHA = 0.05
POWER = 0.80
DEFAULT_DETECTABLE_CHANGE = 0.05
MIN_DETECTABLE_CHANGE = 0.005
N_NEEDED_CAP = 1_000_000
BASELINE_DAYS = 90
Verdict = MeasureEvaluation.Verdict


# --- scope and aggregates ------------------------------------------------------------------------------------


def scope_q(*, service_type_id: int | None = None, customer_id: int | None = None, segment_priority=None) -> Q:
    """The filter on SatisfactionRecord for a measure/suggestion scope (empty Q = every record)."""
    q = Q()
    if service_type_id is not None:
        q &= Q(service_type_id=service_type_id)
    if customer_id is not None:
        q &= Q(customer_id=customer_id)
    if segment_priority is not None:
        q &= metrics.segment_filter(segment_priority)
    return q


def handler_q(measure: ImprovementMeasure) -> Q:
    """The records of the tickets and complaints handled by the measure's agent or team (empty Q: no target)."""
    target = {"agent": measure.agent, "agent_name": measure.agent_name, "team": measure.team}
    if not (measure.agent_id or measure.agent_name or measure.team_id):
        return Q()
    return handled_by_q("ticket__", **target) | handled_by_q("complaint__", **target)


def measure_scope_q(measure: ImprovementMeasure) -> Q:
    """The records a measure is meant to improve: its scope, and its agent's or team's cases when it names one
    (the treated group; every other record is the control)."""
    return scope_q(
        service_type_id=measure.service_type_id,
        customer_id=measure.customer_id,
        segment_priority=measure.segment_priority,
    ) & handler_q(measure)


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware datetimes [start 00:00, end+1 00:00) in the project's time zone."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


@dataclass(frozen=True)
class CellStats:
    """Sufficient statistics of the scores in one group: n, Σx, Σx², satisfied / high / dissatisfied counts."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    satisfied: int = 0
    high: int = 0
    dissatisfied: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        var = (self.total_sq - self.total * self.total / self.n) / (self.n - 1)
        return math.sqrt(max(var, 0.0))

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.n if self.n else None


def _cell_aggregates(prefix: str, cond: Q) -> dict:
    score = Cast("score", FloatField())
    return {
        f"{prefix}_n": Count("id", filter=cond),
        f"{prefix}_total": Sum(score, filter=cond),
        f"{prefix}_total_sq": Sum(score * score, filter=cond, output_field=FloatField()),
        f"{prefix}_satisfied": Count("id", filter=cond & Q(score__gte=SATISFIED_MIN)),
        f"{prefix}_high": Count("id", filter=cond & Q(score__gte=HIGH_SATISFIED_MIN)),
        f"{prefix}_dissatisfied": Count("id", filter=cond & Q(score__lt=DISSATISFIED_BELOW)),
    }


def _cell(row: dict, prefix: str) -> CellStats:
    return CellStats(
        n=row[f"{prefix}_n"] or 0,
        total=row[f"{prefix}_total"] or 0.0,
        total_sq=row[f"{prefix}_total_sq"] or 0.0,
        satisfied=row[f"{prefix}_satisfied"] or 0,
        high=row[f"{prefix}_high"] or 0,
        dissatisfied=row[f"{prefix}_dissatisfied"] or 0,
    )


def cell_stats(cells: dict[str, Q], *, include_self_rated: bool = False) -> dict[str, CellStats]:
    """Sufficient statistics for several record filters, in one aggregate query."""
    qs = SatisfactionRecord.objects.order_by()
    if not include_self_rated:
        qs = qs.filter(self_rated=False)
    aggregates = {}
    for name, cond in cells.items():
        aggregates.update(_cell_aggregates(name, cond))
    row = qs.aggregate(**aggregates)
    return {name: _cell(row, name) for name in cells}


def _between(start: dt.date, end: dt.date) -> Q:
    lo, hi = day_bounds(start, end)
    return Q(created_at__gte=lo, created_at__lt=hi)


def measure_scope(measure: ImprovementMeasure, *, start: dt.date, end: dt.date) -> metrics.Scope:
    """The metrics scope of a measure over the given dates."""
    return metrics.Scope(
        start=start,
        end=end,
        service_types=(measure.service_type.code,) if measure.service_type_id else (),
        segment_priority=measure.segment_priority,
        customer_id=measure.customer_id,
    )


def baseline_for_measure(measure: ImprovementMeasure, *, today: dt.date | None = None) -> dict:
    """The KPIs of a measure's scope over the last `BASELINE_DAYS` days, captured when it is created."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=BASELINE_DAYS - 1)
    # Raw records, not snapshots: a baseline is captured once and must be exact even if a snapshot lags.
    k = metrics.kpis(measure_scope(measure, start=start, end=today), source="raw", where=handler_q(measure))
    ci = k.satisfaction_rate_ci
    return {
        "count": k.count,
        "avg_score": k.avg_score,
        "score_sd": k.score_sd,
        "satisfaction_rate": k.satisfaction_rate,
        "satisfaction_rate_ci": [ci.low, ci.high],
        "high_satisfaction_rate": k.high_satisfaction_rate,
        "dissatisfaction_rate": k.dissatisfaction_rate,
        "window_start": start.isoformat(),
        "window_end": today.isoformat(),
        "captured_at": timezone.now().isoformat(),
    }


# --- difference-in-differences and power ---------------------------------------------------------------------


@dataclass(frozen=True)
class DiffInDiff:
    """(treated after − treated before) − (control after − control before), with a normal-approximation test.

    `enough_data` is False (and every number None) when a cell has fewer than `MIN_DID_CELL` records: an empty
    cell has no rate, and a one-record cell has no spread to weigh it by.
    """

    estimate: float | None
    se: float | None
    z: float | None
    p_value: float | None
    ci: Interval | None
    enough_data: bool = True
    no_variation: bool = False  # all four cells without spread: no test is defined

    def significant(self, alpha: float = ALPHA) -> bool:
        return self.p_value is not None and self.p_value < alpha


MIN_DID_CELL = 2
NOT_ENOUGH_DID = DiffInDiff(None, None, None, None, None, enough_data=False)


def _did(estimate: float, variances: list[float], confidence: float = 0.95) -> DiffInDiff:
    se = math.sqrt(sum(variances))
    crit = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    if se == 0:
        return DiffInDiff(estimate, 0.0, None, None, None, no_variation=True)
    z = estimate / se
    return DiffInDiff(
        estimate, se, z, float(2 * sps.norm.sf(abs(z))), Interval(estimate - crit * se, estimate + crit * se)
    )


def did_proportions(
    *, treated_before: tuple[int, int], treated_after: tuple[int, int], control_before: tuple[int, int],
    control_after: tuple[int, int],
) -> DiffInDiff:  # fmt: skip
    """DiD of satisfaction rates from (satisfied, n) per cell; SE = √(Σ p(1−p)/n)."""
    cells = [treated_after, treated_before, control_after, control_before]
    if min(n for _, n in cells) < MIN_DID_CELL:
        return NOT_ENOUGH_DID
    p = [x / n for x, n in cells]
    estimate = (p[0] - p[1]) - (p[2] - p[3])
    return _did(estimate, [pi * (1 - pi) / n for pi, (_, n) in zip(p, cells, strict=True)])


def did_means(*, treated_before: CellStats, treated_after: CellStats, control_before: CellStats,
              control_after: CellStats) -> DiffInDiff:  # fmt: skip
    """DiD of mean scores; SE = √(Σ s²/n) over the four cells (sd with ddof = 1)."""
    cells = [treated_after, treated_before, control_after, control_before]
    if min(c.n for c in cells) < MIN_DID_CELL:
        return NOT_ENOUGH_DID
    estimate = (cells[0].mean - cells[1].mean) - (cells[2].mean - cells[3].mean)
    return _did(estimate, [(c.sd or 0.0) ** 2 / c.n for c in cells])


def n_needed_for_rate_change(p0: float, p1: float, *, alpha: float = ALPHA, power: float = POWER) -> int:
    """Responses per window to detect a rate change p0 → p1 (two-sided z-test); formula in the module docstring."""
    if p0 == p1:
        return N_NEEDED_CAP
    za = float(sps.norm.ppf(1 - alpha / 2))
    zb = float(sps.norm.ppf(power))
    pbar = (p0 + p1) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1))
    return min(N_NEEDED_CAP, math.ceil(num * num / (p1 - p0) ** 2))


# --- the evaluation ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """The before (baseline) and after windows, inclusive dates, of equal length."""

    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date

    @property
    def days(self) -> int:
        return (self.after_end - self.after_start).days + 1


def evaluation_windows(start: dt.date, today: dt.date) -> Windows:
    """After = start … today; before = the same number of days ending the day before start."""
    days = max((today - start).days + 1, 1)
    after_end = start + dt.timedelta(days=days - 1)
    return Windows(start - dt.timedelta(days=days), start - dt.timedelta(days=1), start, after_end)


@dataclass(frozen=True)
class EffectEvaluation:
    """Everything the evaluation found, ready to store as a MeasureEvaluation and to show."""

    measure_id: int
    windows: Windows
    treated_before: CellStats
    treated_after: CellStats
    control_before: CellStats
    control_after: CellStats
    score_test: MeanTest
    rate_test: ProportionTest
    did_rate: DiffInDiff | None
    did_score: DiffInDiff | None
    verdict: str
    n_needed: int | None
    reading_en: str
    reading_zh: str
    notes: list[str] = field(default_factory=list)

    def as_record_values(self) -> dict:
        """Field values for `satisfaction.improvements.services.evaluation_record`."""
        w = self.windows
        return {
            "before_start": w.before_start,
            "before_end": w.before_end,
            "after_start": w.after_start,
            "after_end": w.after_end,
            "n_before": self.treated_before.n,
            "n_after": self.treated_after.n,
            "mean_before": self.treated_before.mean,
            "mean_after": self.treated_after.mean,
            "rate_before": self.treated_before.rate,
            "rate_after": self.treated_after.rate,
            "score_p_value": self.score_test.p_value,
            "cohens_d": self.score_test.cohens_d,
            "rate_p_value": self.rate_test.p_value,
            "did_rate": self.did_rate.estimate if self.did_rate else None,
            "did_score": self.did_score.estimate if self.did_score else None,
            "verdict": self.verdict,
            "n_needed": self.n_needed,
            "reading_en": self.reading_en,
            "reading_zh": self.reading_zh,
            "details": _jsonable(
                {
                    "cells": {
                        "treated_before": asdict(self.treated_before),
                        "treated_after": asdict(self.treated_after),
                        "control_before": asdict(self.control_before),
                        "control_after": asdict(self.control_after),
                    },
                    "score_test": asdict(self.score_test),
                    "rate_test": asdict(self.rate_test),
                    "did_rate": asdict(self.did_rate) if self.did_rate else None,
                    "did_score": asdict(self.did_score) if self.did_score else None,
                }
            ),
        }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _direction(test_significant: bool, diff: float | None, did: DiffInDiff | None) -> int:
    """+1 / −1 when this metric moved significantly (and, with a control group, beyond the control), else 0."""
    if not test_significant or not diff:
        return 0
    sign = 1 if diff > 0 else -1
    if did is not None and not (did.significant() and did.estimate is not None and (did.estimate > 0) == (sign > 0)):
        return 0
    return sign


def _verdict(score_test, rate_test, did_score, did_rate) -> str:
    moves = {
        _direction(score_test.significant(ALPHA), score_test.diff, did_score),
        _direction(rate_test.significant(ALPHA), rate_test.diff, did_rate),
    }
    if 1 in moves and -1 not in moves:
        return Verdict.IMPROVED
    if -1 in moves and 1 not in moves:
        return Verdict.WORSE
    return Verdict.NO_CHANGE


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _reading(ev: dict) -> tuple[str, str]:
    tb, ta, verdict = ev["treated_before"], ev["treated_after"], ev["verdict"]
    w: Windows = ev["windows"]
    head_en = (
        f"{w.days}-day windows: before {tb.n} responses ({_pct(tb.rate)} satisfied), "
        f"after {ta.n} responses ({_pct(ta.rate)} satisfied)."
    )
    head_zh = (
        f"各 {w.days} 天窗口：实施前 {tb.n} 条（满意率 {_pct(tb.rate)}），实施后 {ta.n} 条（满意率 {_pct(ta.rate)}）。"
    )
    if verdict == Verdict.NOT_ENOUGH_DATA:
        return (
            f"{head_en} Not enough data yet: each window needs at least {MIN_N_PROPORTION} responses, and about "
            f"{ev['n_needed']} per window to detect a {ev['detectable'] * 100:.1f}-point change in the rate.",
            f"{head_zh}数据尚不足：每个窗口至少需要 {MIN_N_PROPORTION} 条反馈，检测满意率 "
            f"{ev['detectable'] * 100:.1f} 个百分点的变化约需每窗口 {ev['n_needed']} 条。",
        )
    did = ev["did_rate"]
    did_en = (
        f" Against records outside the scope, the difference-in-differences of the rate is "
        f"{did.estimate * 100:+.1f} points (95% CI {did.ci.low * 100:+.1f} to {did.ci.high * 100:+.1f})."
        if did and did.ci is not None
        else " No comparison group with enough data outside the scope."
    )
    did_zh = (
        f"与范围外记录相比，满意率的双重差分为 {did.estimate * 100:+.1f} 个百分点"
        f"（95% 置信区间 {did.ci.low * 100:+.1f} 至 {did.ci.high * 100:+.1f}）。"
        if did and did.ci is not None
        else "范围外没有足够数据作对照。"
    )
    verdicts = {
        Verdict.IMPROVED: ("Verdict: improved.", "结论：有改善。"),
        Verdict.WORSE: ("Verdict: worse.", "结论：变差。"),
        Verdict.NO_CHANGE: (
            f"Verdict: no detectable change (about {ev['n_needed']} responses per window would be needed to detect "
            f"a {ev['detectable'] * 100:.1f}-point change).",
            f"结论：未检测到变化（检测 {ev['detectable'] * 100:.1f} 个百分点的变化约需每窗口 {ev['n_needed']} 条）。",
        ),
    }
    v_en, v_zh = verdicts[verdict]
    return (
        f"{head_en} {ev['score_test'].reading_en} {ev['rate_test'].reading_en}{did_en} {v_en}",
        f"{head_zh}{ev['score_test'].reading_zh}{ev['rate_test'].reading_zh}{did_zh}{v_zh}",
    )


def evaluate_measure(measure: ImprovementMeasure, *, today: dt.date | None = None) -> EffectEvaluation | None:
    """Evaluate a started measure (None when it has no start date or starts in the future)."""
    today = today or timezone.localdate()
    if measure.start_date is None or measure.start_date > today:
        return None
    windows = evaluation_windows(measure.start_date, today)
    before = _between(windows.before_start, windows.before_end)
    after = _between(windows.after_start, windows.after_end)
    in_scope = measure_scope_q(measure)
    has_control = bool(in_scope)  # an unscoped measure covers everything: no outside group
    cells = {"tb": in_scope & before, "ta": in_scope & after}
    if has_control:
        cells |= {"cb": ~in_scope & before, "ca": ~in_scope & after}
    stats = cell_stats(cells)
    tb, ta = stats["tb"], stats["ta"]
    cb, ca = stats.get("cb", CellStats()), stats.get("ca", CellStats())

    labels, labels_zh = ("after", "before"), ("实施后", "实施前")
    score_test = welch_t_from_stats(
        mean1=ta.mean, sd1=ta.sd, n1=ta.n, mean2=tb.mean, sd2=tb.sd, n2=tb.n, labels=labels, labels_zh=labels_zh
    )
    rate_test = two_proportion_z(ta.satisfied, ta.n, tb.satisfied, tb.n, labels=labels, labels_zh=labels_zh)

    control_ok = has_control and min(cb.n, ca.n) >= MIN_N_PROPORTION
    enough = min(tb.n, ta.n) >= MIN_N_PROPORTION
    did_rate = did_score = None
    if enough and control_ok:
        pairs = {"treated_before": tb, "treated_after": ta, "control_before": cb, "control_after": ca}
        did_rate = did_proportions(**{k: (c.satisfied, c.n) for k, c in pairs.items()})
        did_score = did_means(**pairs)

    p0 = tb.rate if tb.rate is not None else (measure.baseline or {}).get("satisfaction_rate")
    p0 = 0.85 if p0 is None else min(max(p0, 0.01), 0.99)
    observed = rate_test.diff if enough else None
    # Before there is data, plan for a 5-point change; after, say what it takes to confirm the change seen.
    detectable = DEFAULT_DETECTABLE_CHANGE if observed is None else max(abs(observed), MIN_DETECTABLE_CHANGE)
    # Aim the power calculation at a rise unless the rate is already too close to 100%.
    p1 = p0 + detectable if p0 + detectable < 1 else p0 - detectable
    if not enough:
        verdict = Verdict.NOT_ENOUGH_DATA
        n_needed = max(MIN_N_PROPORTION, n_needed_for_rate_change(p0, p1))
    else:
        verdict = _verdict(score_test, rate_test, did_score, did_rate)
        n_needed = n_needed_for_rate_change(p0, p1) if verdict == Verdict.NO_CHANGE else None
    parts = {
        "windows": windows,
        "treated_before": tb,
        "treated_after": ta,
        "score_test": score_test,
        "rate_test": rate_test,
        "did_rate": did_rate,
        "verdict": verdict,
        "n_needed": n_needed,
        "detectable": detectable,
    }
    reading_en, reading_zh = _reading(parts)
    return EffectEvaluation(
        measure_id=measure.pk,
        windows=windows,
        treated_before=tb,
        treated_after=ta,
        control_before=cb,
        control_after=ca,
        score_test=score_test,
        rate_test=rate_test,
        did_rate=did_rate,
        did_score=did_score,
        verdict=verdict,
        n_needed=n_needed,
        reading_en=reading_en,
        reading_zh=reading_zh,
    )


def run_measure_evaluation(measure_id: int, *, today: dt.date | None = None) -> MeasureEvaluation | None:
    """Evaluate one measure and keep the result with it (one row per measure and evaluation day)."""
    measure = ImprovementMeasure.objects.select_related("service_type", "customer").filter(pk=measure_id).first()
    if measure is None:
        return None
    result = evaluate_measure(measure, today=today)
    if result is None:
        return None
    return evaluation_record(measure=measure, values=result.as_record_values())


def run_all_evaluations(*, today: dt.date | None = None) -> list[MeasureEvaluation]:
    """Evaluate every measure that has started and is not cancelled."""
    today = today or timezone.localdate()
    results = [run_measure_evaluation(pk, today=today) for pk in measures_to_evaluate().values_list("pk", flat=True)]
    return [r for r in results if r is not None]
