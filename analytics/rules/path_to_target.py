"""The path to the satisfaction target: where we are, what the gap is made of, where the trend leads, who works on it.

Projection method (docs/improvements.md has a worked example): the monthly satisfaction rates of the last
`HISTORY_MONTHS` calendar months (the current month included, months without responses left out) are fitted
with a weighted least-squares line rate = a + b·month, each month weighted by its number of responses (binomial
variance p̄(1−p̄)/n with the pooled p̄, so weight ∝ n). The coefficient covariance is scaled by the
over-dispersion φ = max(1, Pearson χ²/(k−2)) — month-to-month swings wider than sampling noise widen the
interval instead of being ignored — and the 95% interval of the projected mean rate uses Student's t with k−2
degrees of freedom. The target month is the first future month whose projected rate reaches the target; the
range runs from the month the upper bound reaches it to the month the lower bound does. A flat or falling
line, or one that would need more than `HORIZON_MONTHS`, reads "not at the current pace". Projections are
clipped to 0–1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

from scipy import stats as sps

from analytics.lib import metrics, stats
from analytics.lib.metrics import Kpis, Scope
from analytics.lib.stats import Interval
from satisfaction.feedback.kpis import responses_needed
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.improvements.selectors import measure_list

DEFAULT_TARGET = 0.95
WINDOW_DAYS = 90
HISTORY_MONTHS = 12
HORIZON_MONTHS = 36
MIN_MONTHS_FOR_FIT = 3


@dataclass(frozen=True)
class GapPart:
    """One service type or segment: its rate, its share of the gap, and the overall rate if it improved."""

    kind: str  # "service_type" or "segment"
    key: str
    label_en: str
    label_zh: str
    count: int
    satisfied: int
    rate: float | None
    interval: Interval
    short_of_target: float  # satisfied responses this part is short of the target rate within itself
    share_of_gap: float | None  # its share of the parts' total shortfall
    overall_if_at_target: float | None
    points_if_at_target: float
    others_rate: float | None
    overall_if_at_others: float | None
    points_if_at_others: float
    measure_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MonthPoint:
    """One month of history or of the projection."""

    month: dt.date
    rate: float | None
    count: int | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Projection:
    """The weighted least-squares trend of the monthly rate and where it leads."""

    history: list[MonthPoint]
    slope_per_month: float | None
    slope_interval: Interval | None
    dispersion: float | None
    forecast: list[MonthPoint]
    target_month: dt.date | None
    target_month_earliest: dt.date | None
    target_month_latest: dt.date | None
    enough_history: bool
    reading_en: str
    reading_zh: str


@dataclass(frozen=True)
class Forecast:
    """The chance that the satisfaction rate of the target date's month is at or above the target."""

    by: dt.date  # the target date; its month is the one forecast
    months_ahead: int  # from the last month of history (the current one)
    rate: float | None  # the trend's expected rate that month
    low: float | None  # 95% predictive interval of that month's observed rate
    high: float | None
    probability: float | None  # None without a trend (fewer than MIN_MONTHS_FOR_FIT months)
    reading_en: str
    reading_zh: str


@dataclass(frozen=True)
class CalibrationBin:
    """Past forecasts whose probability fell in [low, high) and how often the target was then reached."""

    low: float
    high: float
    forecasts: int
    mean_probability: float | None
    observed_frequency: float | None


@dataclass(frozen=True)
class Calibration:
    """A backtest: at each past month, forecast `months_ahead` months on; Brier score and calibration table."""

    months_ahead: int
    forecasts: int
    brier: float | None
    bins: list[CalibrationBin]


@dataclass(frozen=True)
class MeasureLink:
    """An open measure and the part of the gap it addresses."""

    measure_id: int
    title: str
    status: str
    progress: int
    overdue: bool
    addresses: str  # "service_type:<code>", "segment:<p>", "customer:<id>" or "overall"
    addresses_en: str
    addresses_zh: str


@dataclass(frozen=True)
class PathToTarget:
    """Everything the "path to 95%" page and endpoint show."""

    target: float
    start: dt.date
    end: dt.date
    count: int
    satisfied: int
    rate: float | None
    interval: Interval
    met: bool | None
    gap_points: float | None
    conversions_needed: int  # responses in the window that would have had to be satisfied instead
    additional_satisfied_needed: int | None  # more satisfied responses (on top of these) to reach the target
    probability_met: float | None  # Jeffreys posterior chance that the true rate is at or above the target
    by_service_type: list[GapPart]
    by_segment: list[GapPart]
    projection: Projection
    measures: list[MeasureLink]
    reading_en: str
    reading_zh: str
    forecast: Forecast | None = None
    calibration: Calibration | None = None

    def as_dict(self) -> dict:
        """JSON-ready (dates as ISO strings)."""
        return _jsonable(asdict(self))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def overall_target() -> float:
    """The active overall satisfaction-rate target (DESIGN default 95%)."""
    target = _overall_targets().values_list("target_value", flat=True).first()
    return DEFAULT_TARGET if target is None else target


def _overall_targets():
    """The active overall satisfaction-rate targets, the newest first (the one the path reads)."""
    return SatisfactionTarget.objects.filter(
        is_active=True, metric=SatisfactionTarget.Metric.SATISFACTION_RATE, service_type__isnull=True
    ).order_by("-pk")


# --- contributions ----------------------------------------------------------------------------------------------


def _parts(kind: str, rows: list[metrics.BreakdownRow], total: Kpis, target: float) -> list[GapPart]:
    n_all, s_all = total.count, total.satisfied
    shorts = {str(r.key): max(0.0, target * r.kpis.count - r.kpis.satisfied) for r in rows}
    total_short = sum(shorts.values())
    parts = []
    for r in rows:
        k = r.kpis
        if not k.count:
            continue
        n_o, s_o = n_all - k.count, s_all - k.satisfied
        others = s_o / n_o if n_o else None
        at_target = None
        if k.satisfaction_rate < target:
            at_target = (s_all + k.count * (target - k.satisfaction_rate)) / n_all
        at_others = None
        if others is not None and others > k.satisfaction_rate:
            at_others = (s_all + k.count * (others - k.satisfaction_rate)) / n_all
        base = total.satisfaction_rate
        parts.append(
            GapPart(
                kind=kind,
                key=str(r.key),
                label_en=r.label_en,
                label_zh=r.label_zh,
                count=k.count,
                satisfied=k.satisfied,
                rate=k.satisfaction_rate,
                interval=k.satisfaction_rate_ci,
                short_of_target=round(shorts[str(r.key)], 2),
                share_of_gap=shorts[str(r.key)] / total_short if total_short else None,
                overall_if_at_target=at_target,
                points_if_at_target=round((at_target - base) * 100, 2) if at_target is not None else 0.0,
                others_rate=others,
                overall_if_at_others=at_others,
                points_if_at_others=round((at_others - base) * 100, 2) if at_others is not None else 0.0,
            )
        )
    return sorted(parts, key=lambda p: -p.short_of_target)


# --- projection -------------------------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fit_wls(xs: list[float], ys: list[float], ns: list[int]) -> tuple[float, float, list[list[float]], float, int]:
    """Weighted least squares y = a + b·x with weights ∝ n; returns a, b, the scaled covariance, φ and df."""
    pbar = sum(y * n for y, n in zip(ys, ns, strict=True)) / sum(ns)
    unit_var = max(pbar * (1 - pbar), 1e-9)
    ws = [n / unit_var for n in ns]
    sw = sum(ws)
    sx = sum(w * x for w, x in zip(ws, xs, strict=True))
    sy = sum(w * y for w, y in zip(ws, ys, strict=True))
    sxx = sum(w * x * x for w, x in zip(ws, xs, strict=True))
    sxy = sum(w * x * y for w, x, y in zip(ws, xs, ys, strict=True))
    det = sw * sxx - sx * sx
    b = (sw * sxy - sx * sy) / det
    a = (sy - b * sx) / sw
    df = len(xs) - 2
    chi2 = sum(w * (y - a - b * x) ** 2 for w, x, y in zip(ws, xs, ys, strict=True))
    phi = max(1.0, chi2 / df) if df > 0 else 1.0
    cov = [[phi * sxx / det, -phi * sx / det], [-phi * sx / det, phi * sw / det]]
    return a, b, cov, phi, df


def project(history: list[MonthPoint], target: float, *, horizon: int = HORIZON_MONTHS) -> Projection:
    """Fit the monthly history and project it forward; see the module docstring for the method."""
    points = [p for p in history if p.count]
    if len(points) < MIN_MONTHS_FOR_FIT:
        return Projection(
            history, None, None, None, [], None, None, None, False,
            f"Not enough history for a trend: {len(points)} month(s) with responses, at least "
            f"{MIN_MONTHS_FOR_FIT} needed.",
            f"历史数据不足以拟合趋势：仅 {len(points)} 个月有反馈，至少需要 {MIN_MONTHS_FOR_FIT} 个月。",
        )  # fmt: skip
    origin = points[0].month
    month_index = {p.month: (p.month.year - origin.year) * 12 + p.month.month - origin.month for p in points}
    xs = [float(month_index[p.month]) for p in points]
    a, b, cov, phi, df = fit_wls(xs, [p.rate for p in points], [p.count for p in points])
    tcrit = float(sps.t.ppf(0.975, df)) if df > 0 else float("inf")
    se_b = math.sqrt(cov[1][1])
    last = history[-1].month
    last_x = float((last.year - origin.year) * 12 + last.month - origin.month)
    forecast, reached, earliest, latest = [], None, None, None
    for step in range(1, horizon + 1):
        x = last_x + step
        mean = a + b * x
        se = math.sqrt(max(cov[0][0] + 2 * x * cov[0][1] + x * x * cov[1][1], 0.0))
        low, high = mean - tcrit * se, mean + tcrit * se
        month = _add_months(last, step)
        forecast.append(MonthPoint(month, min(max(mean, 0.0), 1.0), None, max(low, 0.0), min(high, 1.0)))
        if reached is None and mean >= target:
            reached = month
        if earliest is None and high >= target:
            earliest = month
        if latest is None and low >= target:
            latest = month
    slope_ci = Interval(b - tcrit * se_b, b + tcrit * se_b)
    if b <= 0 or reached is None:
        reached = None
        reading_en = (
            f"Trend over {len(points)} months: {b * 100:+.2f} points a month (95% CI {slope_ci.low * 100:+.2f} to "
            f"{slope_ci.high * 100:+.2f}). The target of {pct(target)} is not reached at the current pace."
        )
        reading_zh = (
            f"近 {len(points)} 个月趋势：每月 {b * 100:+.2f} 个百分点（95% 置信区间 {slope_ci.low * 100:+.2f} 至 "
            f"{slope_ci.high * 100:+.2f}）。按当前速度无法达到 {pct(target)} 的目标。"
        )
    else:
        until = f" and {latest:%Y-%m}" if latest else f", or later than {forecast[-1].month:%Y-%m}"
        until_zh = f"至 {latest:%Y-%m}" if latest else f"至 {forecast[-1].month:%Y-%m} 之后"
        reading_en = (
            f"Trend over {len(points)} months: {b * 100:+.2f} points a month (95% CI {slope_ci.low * 100:+.2f} to "
            f"{slope_ci.high * 100:+.2f}). At this pace the target of {pct(target)} is reached in {reached:%Y-%m} "
            f"(95% range between {(earliest or reached):%Y-%m}{until})."
        )
        reading_zh = (
            f"近 {len(points)} 个月趋势：每月 {b * 100:+.2f} 个百分点（95% 置信区间 {slope_ci.low * 100:+.2f} 至 "
            f"{slope_ci.high * 100:+.2f}）。按此速度将于 {reached:%Y-%m} 达到 {pct(target)} 的目标"
            f"（95% 区间：{(earliest or reached):%Y-%m} {until_zh}）。"
        )
    return Projection(
        history=history,
        slope_per_month=b,
        slope_interval=slope_ci,
        dispersion=phi,
        forecast=forecast,
        target_month=reached,
        target_month_earliest=earliest if reached else None,
        target_month_latest=latest if reached else None,
        enough_history=True,
        reading_en=reading_en,
        reading_zh=reading_zh,
    )


def _fitted(history: list[MonthPoint]):
    """The trend fit of `history` (see `project`), or None with fewer than MIN_MONTHS_FOR_FIT months."""
    points = [p for p in history if p.count]
    if len(points) < MIN_MONTHS_FOR_FIT:
        return None
    origin = points[0].month
    xs = [float((p.month.year - origin.year) * 12 + p.month.month - origin.month) for p in points]
    ys, ns = [p.rate for p in points], [p.count for p in points]
    a, b, cov, phi, df = fit_wls(xs, ys, ns)
    pbar = sum(y * n for y, n in zip(ys, ns, strict=True)) / sum(ns)
    return origin, a, b, cov, phi, df, pbar, sum(ns) / len(ns)


def predictive(history: list[MonthPoint], months_ahead: int) -> tuple[float, float, int] | None:
    """The predictive distribution of the observed rate `months_ahead` months after the last month of `history`:
    (mean, scale, df) of a Student t, or None without a trend.

    The scale adds the fitted line's uncertainty at that month (the φ-scaled covariance) to a month's own
    sampling noise φ·p̄(1−p̄)/n̄ at the history's mean monthly n̄: with a flat prior on the line and the scale
    estimated from the residuals, this is the posterior predictive of a linear model, a t with k − 2 df.
    """
    fit = _fitted(history)
    if fit is None:
        return None
    origin, a, b, cov, phi, df, pbar, n_mean = fit
    last = history[-1].month
    x = float((last.year - origin.year) * 12 + last.month - origin.month + months_ahead)
    var_line = max(cov[0][0] + 2 * x * cov[0][1] + x * x * cov[1][1], 0.0)
    var_month = phi * max(pbar * (1 - pbar), 1e-9) / n_mean
    return a + b * x, math.sqrt(var_line + var_month), df


def chance_of_reaching(history: list[MonthPoint], target: float, months_ahead: int) -> float | None:
    """P(the observed rate `months_ahead` months on is ≥ target) under `predictive`; None without a trend."""
    pred = predictive(history, months_ahead)
    if pred is None:
        return None
    mean, scale, df = pred
    if df <= 0 or scale <= 0:
        return None
    return float(sps.t.sf((target - mean) / scale, df))


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def forecast(history: list[MonthPoint], target: float, by: dt.date) -> Forecast:
    """The chance of reaching `target` in the month of `by`, with the trend's rate and predictive interval."""
    ahead = max(0, _months_between(history[-1].month, by)) if history else 0
    pred = predictive(history, ahead) if history else None
    probability = chance_of_reaching(history, target, ahead) if history else None
    if pred is None or probability is None:
        return Forecast(
            by, ahead, None, None, None, None,
            f"Not enough history to forecast {by:%Y-%m}: at least {MIN_MONTHS_FOR_FIT} months with responses needed.",
            f"历史数据不足，无法预测 {by:%Y-%m}：至少需要 {MIN_MONTHS_FOR_FIT} 个月的反馈。",
        )  # fmt: skip
    mean, scale, df = pred
    tcrit = float(sps.t.ppf(0.975, df))
    low, high = max(0.0, mean - tcrit * scale), min(1.0, mean + tcrit * scale)
    chance_en, chance_zh = stats.chance_text(probability)
    return Forecast(
        by=by,
        months_ahead=ahead,
        rate=min(max(mean, 0.0), 1.0),
        low=low,
        high=high,
        probability=probability,
        reading_en=(
            f"By {by:%Y-%m} the trend expects {pct(min(max(mean, 0.0), 1.0))} (95% range {pct(low)}–{pct(high)}): "
            f"{chance_en} of reaching the {pct(target)} target that month."
        ),
        reading_zh=(
            f"按趋势，{by:%Y-%m} 预计满意率 {pct(min(max(mean, 0.0), 1.0))}（95% 区间 {pct(low)}–{pct(high)}），"
            f"当月达到 {pct(target)} 目标的概率{chance_zh}。"
        ),
    )


CALIBRATION_EDGES = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)


def backtest(
    history: list[MonthPoint], target: float, *, months_ahead: int = 3, window: int = HISTORY_MONTHS
) -> tuple[list[tuple[dt.date, float, bool]], Calibration]:
    """At each past month, forecast the rate `months_ahead` months on from the `window` months up to it (as the
    page does today), and compare with what happened: (month forecast, probability, reached) and the calibration.

    Months without responses are neither forecast from nor scored; only months whose outcome is known count.
    """
    by_month = {p.month: p for p in history}
    made = []
    for i, point in enumerate(history):
        outcome = by_month.get(_add_months(point.month, months_ahead))
        if outcome is None or not outcome.count or outcome.rate is None:
            continue
        past = history[max(0, i - window + 1) : i + 1]
        probability = chance_of_reaching(past, target, months_ahead)
        if probability is None:
            continue
        made.append((outcome.month, probability, outcome.rate >= target))
    return made, calibration_of(made, months_ahead)


def calibration_of(made: list[tuple[dt.date, float, bool]], months_ahead: int) -> Calibration:
    """Brier score (mean squared difference of probability and outcome) and the table by probability bin."""
    bins = []
    for lo, hi in zip(CALIBRATION_EDGES, CALIBRATION_EDGES[1:], strict=False):
        inside = [(p, hit) for _m, p, hit in made if lo <= p < hi or (hi == 1.0 and p == 1.0)]
        bins.append(
            CalibrationBin(
                lo,
                hi,
                len(inside),
                sum(p for p, _h in inside) / len(inside) if inside else None,
                sum(h for _p, h in inside) / len(inside) if inside else None,
            )  # fmt: skip
        )
    brier = sum((p - hit) ** 2 for _m, p, hit in made) / len(made) if made else None
    return Calibration(months_ahead, len(made), brier, bins)


BACKTEST_MONTHS = 36  # the page's backtest runs over the last three years of monthly rates


def target_date(today: dt.date) -> dt.date:
    """The active overall target's date: the last day of its period (month, quarter or year) containing today."""
    period = _overall_targets().values_list("period", flat=True).first()
    months = {
        SatisfactionTarget.Period.QUARTER: 3 - (today.month - 1) % 3,
        SatisfactionTarget.Period.YEAR: 13 - today.month,
    }
    return _add_months(today.replace(day=1), months.get(period, 1)) - dt.timedelta(days=1)


def monthly_history(*, today: dt.date, months: int = HISTORY_MONTHS, source: str = "auto") -> list[MonthPoint]:
    """The satisfaction rate of each of the last `months` calendar months (current month included)."""
    start = _add_months(today.replace(day=1), -(months - 1))
    trend = metrics.trend(Scope(start=start, end=today), "month", source=source)
    return [MonthPoint(p.start, p.kpis.satisfaction_rate, p.kpis.count) for p in trend]


# --- measures -----------------------------------------------------------------------------------------------------


def _measure_links(services: dict[str, tuple[str, str]]) -> list[MeasureLink]:
    links = []
    for m in measure_list(open_only=True):
        if m.service_type_id:
            code = m.service_type.code
            key, en, zh = f"service_type:{code}", *services.get(code, (code, code))
        elif m.segment_priority is not None:
            en, zh = metrics.segment_label(m.segment_priority)
            key = f"segment:{m.segment_priority}"
        elif m.customer_id:
            key, en, zh = f"customer:{m.customer_id}", m.customer.name, m.customer.name
        else:
            key, en, zh = "overall", "overall", "整体"
        links.append(MeasureLink(m.pk, m.title, m.status, m.progress, m.overdue, key, en, zh))
    return links


def _attach(parts: list[GapPart], links: list[MeasureLink], prefix: str) -> list[GapPart]:
    out = []
    for p in parts:
        ids = [link.measure_id for link in links if link.addresses == f"{prefix}:{p.key}"]
        out.append(GapPart(**{**p.__dict__, "measure_ids": ids}))
    return out


# --- the whole path ---------------------------------------------------------------------------------------------


def path_to_target(
    *,
    today: dt.date | None = None,
    target: float | None = None,
    window_days: int = WINDOW_DAYS,
    source: str = "auto",
    by: dt.date | None = None,
) -> PathToTarget:
    """Current rate and interval over the last `window_days`, the gap and its parts, the trend, the chance of
    reaching the target by `by` (default: the end of the target's period) with the backtest of that forecast,
    and the measures."""
    today = today or metrics.local_today()
    target = overall_target() if target is None else target
    by = by or target_date(today)
    scope = Scope.last_days(window_days, today=today)
    total = metrics.kpis(scope, source=source)
    rate = total.satisfaction_rate
    conversions = max(0, math.ceil(round(target * total.count - total.satisfied, 9)))
    services = metrics.by_service_type(scope, source=source)
    segments = metrics.by_segment(scope, source=source)
    links = _measure_links({r.key: (r.label_en, r.label_zh) for r in services})
    by_service = _attach(_parts("service_type", services, total, target), links, "service_type")
    by_segment = _attach(_parts("segment", segments, total, target), links, "segment")
    long_history = monthly_history(today=today, months=BACKTEST_MONTHS, source=source)
    history = long_history[-HISTORY_MONTHS:]
    projection = project(history, target)
    met = None if rate is None else rate >= target
    needed = responses_needed(total.satisfied, total.count, target)
    probability = stats.jeffreys_probability_at_least(total.satisfied, total.count, target)
    ci = total.satisfaction_rate_ci
    if rate is None:
        reading_en = f"No feedback in the last {window_days} days."
        reading_zh = f"近 {window_days} 天没有反馈。"
    elif met:
        reading_en = f"{pct(rate)} satisfied (n = {total.count}, 95% CI {pct(ci.low)}–{pct(ci.high)}): target met."
        reading_zh = f"满意率 {pct(rate)}（n = {total.count}，95% 置信区间 {pct(ci.low)}–{pct(ci.high)}）：已达标。"
    else:
        top = by_service[0] if by_service else None
        top_en = (
            f" The largest part of the gap is {top.label_en} ({pct(top.share_of_gap)} of it)."
            if top and top.share_of_gap
            else ""
        )
        top_zh = f"差距最大的部分是{top.label_zh}（占 {pct(top.share_of_gap)}）。" if top and top.share_of_gap else ""
        reading_en = (
            f"{pct(rate)} satisfied (n = {total.count}, 95% CI {pct(ci.low)}–{pct(ci.high)}), "
            f"{(target - rate) * 100:.1f} points below the target of {pct(target)}: {conversions} of these responses "
            f"would have had to be satisfied, or {needed} more satisfied responses added.{top_en}"
        )
        reading_zh = (
            f"满意率 {pct(rate)}（n = {total.count}，95% 置信区间 {pct(ci.low)}–{pct(ci.high)}），"
            f"低于目标 {pct(target)} {(target - rate) * 100:.1f} 个百分点：需要其中 {conversions} 条反馈变为满意，"
            f"或再增加 {needed} 条满意反馈。{top_zh}"
        )
    if probability is not None:
        chance_en, chance_zh = stats.chance_text(probability)
        reading_en += f" There is {chance_en} that the true rate is at or above {pct(target)}."
        reading_zh += f"真实满意率达到或超过 {pct(target)} 的概率{chance_zh}。"
    return PathToTarget(
        target=target,
        start=scope.start,
        end=scope.end,
        count=total.count,
        satisfied=total.satisfied,
        rate=rate,
        interval=ci,
        met=met,
        gap_points=None if rate is None else round(max(0.0, target - rate) * 100, 2),
        conversions_needed=conversions,
        additional_satisfied_needed=needed,
        probability_met=probability,
        by_service_type=by_service,
        by_segment=by_segment,
        projection=projection,
        measures=links,
        reading_en=reading_en,
        reading_zh=reading_zh,
        forecast=forecast(history, target, by),
        calibration=backtest(long_history[:-1], target)[1],  # the current month is not over: not an outcome
    )


__all__ = [
    "Calibration",
    "Forecast",
    "GapPart",
    "MeasureLink",
    "MonthPoint",
    "PathToTarget",
    "Projection",
    "backtest",
    "chance_of_reaching",
    "fit_wls",
    "forecast",
    "path_to_target",
    "project",
]
