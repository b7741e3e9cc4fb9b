"""THE rules of which satisfaction records count, and the metrics every surface shows (DESIGN §3).

One meaning per number: the dashboard, the customer page, the API, exports, the alert rules, the risk
score and the report all count records through `counted_records` and aggregate them with `KPI_SUMS`
into `Kpis`; a target's window and status come from `target_window` and `target_status_of`.
analytics.lib.metrics builds every scope, breakdown and trend on these.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, F, FloatField, Q, QuerySet, Sum

from analytics.lib import stats
from satisfaction.feedback.models import (
    DISSATISFIED_BELOW,
    HIGH_SATISFIED_MIN,
    SATISFIED_MIN,
    SatisfactionRecord,
    SatisfactionTarget,
)

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def counted_records(records: QuerySet | None = None, *, include_self_rated: bool = False) -> QuerySet:
    """The records a KPI counts: all of them but self-rated ones (a handler rating their own case), unless asked."""
    qs = SatisfactionRecord.objects.all() if records is None else records
    return qs if include_self_rated else qs.filter(self_rated=False)


SUM_OUTPUT = FloatField()  # sums as floats on every backend; exact_decimal restores them
# The aggregates of one set of records; the snapshot table stores the same sums per bucket.
KPI_SUMS = {
    "count": Count("id"),
    "score_sum": Sum("score", output_field=SUM_OUTPUT),
    "score_sq_sum": Sum(F("score") * F("score"), output_field=SUM_OUTPUT),
    "satisfied": Count("id", filter=Q(score__gte=SATISFIED_MIN)),
    "high_satisfied": Count("id", filter=Q(score__gte=HIGH_SATISFIED_MIN)),
    "dissatisfied": Count("id", filter=Q(score__lt=DISSATISFIED_BELOW)),
}


@dataclass(frozen=True)
class Kpis:
    """The metrics of DESIGN §3 over one scope; rates are fractions 0–1, None without records."""

    count: int
    satisfied: int
    high_satisfied: int
    dissatisfied: int
    score_sum: Decimal
    score_sq_sum: Decimal
    avg_score: float | None
    score_sd: float | None
    satisfaction_rate: float | None
    high_satisfaction_rate: float | None
    dissatisfaction_rate: float | None
    satisfaction_rate_ci: stats.Interval

    @classmethod
    def from_sums(cls, *, count, score_sum, score_sq_sum, satisfied, high_satisfied, dissatisfied) -> Kpis:
        """Build the metrics from the sums a query (raw or snapshot) returned."""
        count = int(count or 0)
        score_sum = exact_decimal(score_sum, TENTH)
        score_sq_sum = exact_decimal(score_sq_sum, HUNDREDTH)
        satisfied, high, dissatisfied = int(satisfied or 0), int(high_satisfied or 0), int(dissatisfied or 0)
        avg = float(score_sum / count) if count else None
        sd = None
        if count > 1:
            # Exact decimal arithmetic, so the variance does not suffer from cancellation.
            var = (score_sq_sum - score_sum * score_sum / count) / (count - 1)
            sd = math.sqrt(max(float(var), 0.0))
        return cls(
            count=count,
            satisfied=satisfied,
            high_satisfied=high,
            dissatisfied=dissatisfied,
            score_sum=score_sum,
            score_sq_sum=score_sq_sum,
            avg_score=avg,
            score_sd=sd,
            satisfaction_rate=satisfied / count if count else None,
            high_satisfaction_rate=high / count if count else None,
            dissatisfaction_rate=dissatisfied / count if count else None,
            satisfaction_rate_ci=stats.wilson_interval(satisfied, count),
        )

    def __add__(self, other: Kpis) -> Kpis:
        return Kpis.from_sums(
            count=self.count + other.count,
            score_sum=self.score_sum + other.score_sum,
            score_sq_sum=self.score_sq_sum + other.score_sq_sum,
            satisfied=self.satisfied + other.satisfied,
            high_satisfied=self.high_satisfied + other.high_satisfied,
            dissatisfied=self.dissatisfied + other.dissatisfied,
        )

    def as_dict(self) -> dict:
        """JSON-ready: decimals as floats, the interval as a dict."""
        data = asdict(self)
        data["score_sum"] = float(self.score_sum)
        data["score_sq_sum"] = float(self.score_sq_sum)
        return data


def exact_decimal(value, quantum: Decimal) -> Decimal:
    """A summed score as an exact decimal at `quantum` (0.1 for sums, 0.01 for sums of squares)."""
    if value is None:
        return Decimal(0).quantize(quantum)
    # Backends return floats (SQLite) or decimals (PostgreSQL); scores have one decimal, so rounding is exact.
    return Decimal(str(value)).quantize(quantum)


EMPTY = Kpis.from_sums(count=0, score_sum=0, score_sq_sum=0, satisfied=0, high_satisfied=0, dissatisfied=0)


def kpis_of(records: QuerySet) -> Kpis:
    """The KPIs of a queryset of records already narrowed by `counted_records`, in one query."""
    return Kpis.from_sums(**records.order_by().aggregate(**KPI_SUMS))


# --- targets ---------------------------------------------------------------------------------------------------


def target_window(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The current month / quarter / year up to today."""
    if period == SatisfactionTarget.Period.MONTH:
        return today.replace(day=1), today
    if period == SatisfactionTarget.Period.QUARTER:
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if period == SatisfactionTarget.Period.YEAR:
        return dt.date(today.year, 1, 1), today
    raise ValueError(f"unknown period {period!r}")


def responses_needed(successes: int, n: int, target: float) -> int | None:
    """Smallest k ≥ 0 with (successes + k)/(n + k) ≥ target; None when no k reaches it (target 1 with a miss)."""
    goal = Fraction(str(target))
    if goal <= 0 or (n and Fraction(successes, n) >= goal):
        return 0
    if goal >= 1:
        return None if successes < n else 0
    # (s + k) ≥ t (n + k)  ⇔  k ≥ (t n − s) / (1 − t); exact fractions avoid an off-by-one at the boundary.
    return max(0, math.ceil((goal * n - successes) / (1 - goal)))


def top_scores_needed(score_sum: Decimal, n: int, target: float, top: float = 5.0) -> int | None:
    """Smallest k ≥ 0 of top scores with (sum + top·k)/(n + k) ≥ target (for an average-score target)."""
    goal, top_f, total = Fraction(str(target)), Fraction(str(top)), Fraction(str(score_sum))
    if n and total / n >= goal:
        return 0
    if goal >= top_f:
        return None
    return max(0, math.ceil((goal * n - total) / (top_f - goal)))


@dataclass(frozen=True)
class TargetStatus:
    """Where a target stands: current value, met or not, Wilson interval, responses still needed and the chance
    (Jeffreys posterior) that the true rate is at or above the target; None for an average-score target."""

    target_id: int | None
    metric: str
    target_value: float
    service_type: str | None
    start: dt.date
    end: dt.date
    kpis: Kpis
    current: float | None
    met: bool | None
    interval: stats.Interval | None
    needed: int | None
    probability_met: float | None
    reading_en: str
    reading_zh: str
    # The reading without its closing chance sentence, for a surface that shows the chance on its own line.
    standing_en: str = ""
    standing_zh: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def target_status_of(
    target: SatisfactionTarget, k: Kpis, *, start: dt.date | None, end: dt.date | None
) -> TargetStatus:
    """Where `target` stands given the KPIs `k` of its window [start, end]: the one target status."""
    code = target.service_type.code if target.service_type_id else None
    metric, goal = target.metric, target.target_value
    Metric = SatisfactionTarget.Metric
    probability = None
    if metric == Metric.AVG_SCORE:
        current, interval = k.avg_score, None
        needed = top_scores_needed(k.score_sum, k.count, goal)
        unit_en, unit_zh, fmt = "more 5.0 ratings", "个 5.0 分评价", (lambda v: f"{v:.2f}")
    else:
        hits = k.satisfied if metric == Metric.SATISFACTION_RATE else k.high_satisfied
        current = hits / k.count if k.count else None
        interval = stats.wilson_interval(hits, k.count)
        probability = stats.jeffreys_probability_at_least(hits, k.count, goal)
        needed = responses_needed(hits, k.count, goal)
        threshold = SATISFIED_MIN if metric == Metric.SATISFACTION_RATE else HIGH_SATISFIED_MIN
        unit_en, unit_zh, fmt = (
            f"more ratings of {threshold} or above",
            f"个 {threshold} 分及以上的评价",
            (lambda v: f"{v * 100:.1f}%"),
        )
    met = None if current is None else current >= goal
    label = Metric(metric).label
    if current is None:
        reading_en = f"No feedback yet from {dates_text(start, end)}: the target {fmt(goal)} cannot be assessed."
        reading_zh = f"{dates_text(start, end)}尚无反馈，无法评估目标 {fmt(goal)}。"
    elif met:
        reading_en = f"{label} is {fmt(current)} (n = {k.count}), meeting the target of {fmt(goal)}."
        reading_zh = f"当前 {fmt(current)}（n = {k.count}），已达到目标 {fmt(goal)}。"
    else:
        more_en = f"{needed} {unit_en} would reach it" if needed is not None else "it cannot be reached any more"
        more_zh = f"还需 {needed} {unit_zh}才能达到" if needed is not None else "已无法达到"
        reading_en = f"{label} is {fmt(current)} (n = {k.count}), below the target of {fmt(goal)}: {more_en}."
        reading_zh = f"当前 {fmt(current)}（n = {k.count}），低于目标 {fmt(goal)}：{more_zh}。"
    standing_en, standing_zh = reading_en, reading_zh
    if probability is not None:
        chance_en, chance_zh = stats.chance_text(probability)
        reading_en += f" There is {chance_en} that the true rate is at or above {fmt(goal)}."
        reading_zh += f"真实比率达到或超过 {fmt(goal)} 的概率{chance_zh}。"
    return TargetStatus(
        target_id=target.pk,
        metric=metric,
        target_value=goal,
        service_type=code,
        start=start,
        end=end,
        kpis=k,
        current=current,
        met=met,
        interval=interval,
        needed=needed,
        probability_met=probability,
        reading_en=reading_en,
        reading_zh=reading_zh,
        standing_en=standing_en,
        standing_zh=standing_zh,
    )


def dates_text(start: dt.date | None, end: dt.date | None) -> str:
    """A window's dates as text."""
    return f"{start or '…'} – {end or '…'}"
