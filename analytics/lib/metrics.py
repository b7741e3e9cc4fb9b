"""Satisfaction KPIs (DESIGN §3) for any scope, aggregated in the database.

Every function reads the daily snapshot table when the scope allows it (no customer filter) and the raw
records otherwise; `source="raw"` or `"snapshots"` forces one path. Both give identical numbers: sums are
carried as exact decimals (scores have one decimal place) and every ratio is formed from the same sums.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek

from analytics.lib import stats
from analytics.models import NO_SEGMENT, DailySatisfactionStat
from core.localtime import day_start, local_today, local_tz
from satisfaction.crm.models import Contact, ServiceType, segment_customer_ids
from satisfaction.feedback.kpis import (
    EMPTY,
    KPI_SUMS,
    SUM_OUTPUT,
    Kpis,
    TargetStatus,
    counted_records,
    target_status_of,
    target_window,
)
from satisfaction.feedback.models import (
    SatisfactionTarget,
)

SOURCES = ("auto", "snapshots", "raw")
PERIODS = ("day", "week", "month")
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Scope:
    """Which records a KPI covers: local dates inclusive, service type codes, segment, customer."""

    start: dt.date | None = None
    end: dt.date | None = None
    service_types: tuple[str, ...] = ()
    segment_priority: int | None = None  # 1–5, or NO_SEGMENT (0) for customers without contacts
    customer_id: int | None = None
    include_self_rated: bool = False

    def __post_init__(self):
        if isinstance(self.service_types, str):
            object.__setattr__(self, "service_types", (self.service_types,))
        else:
            object.__setattr__(self, "service_types", tuple(self.service_types or ()))
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")

    @classmethod
    def last_days(cls, days: int, *, today: dt.date | None = None, **kwargs) -> Scope:
        """The `days` local days ending today (inclusive)."""
        today = today or local_today()
        return cls(start=today - dt.timedelta(days=days - 1), end=today, **kwargs)

    @property
    def days(self) -> int | None:
        """Length in days, None when open-ended."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def previous(self) -> Scope:
        """The period of equal length right before this one, same filters."""
        if self.days is None:
            raise ValueError("an open-ended scope has no previous period")
        return replace(self, start=self.start - dt.timedelta(days=self.days), end=self.start - dt.timedelta(days=1))

    def with_dates(self, start: dt.date | None, end: dt.date | None) -> Scope:
        """The same filters over other dates."""
        return replace(self, start=start, end=end)

    @property
    def snapshot_ok(self) -> bool:
        """Daily snapshots can answer this scope (they have no customer dimension)."""
        return self.customer_id is None


# --- the two sources -------------------------------------------------------------------------------------------

SNAPSHOT_SUMS = {
    "count": Sum("count"),
    "score_sum": Sum("score_sum", output_field=SUM_OUTPUT),
    "score_sq_sum": Sum("score_sq_sum", output_field=SUM_OUTPUT),
    "satisfied": Sum("satisfied"),
    "high_satisfied": Sum("high_satisfied"),
    "dissatisfied": Sum("dissatisfied"),
}
_SUM_KEYS = tuple(KPI_SUMS)


def _use_snapshots(scope: Scope, source: str) -> bool:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if source == "snapshots" and not scope.snapshot_ok:
        raise ValueError("snapshots have no customer dimension: use source='raw' for a customer scope")
    return source == "snapshots" or (source == "auto" and scope.snapshot_ok)


def segment_filter(priority: int, customer_ref: str = "customer_id") -> Q:
    """Records (or other rows) whose customer is in segment `priority`; NO_SEGMENT = customers without contacts."""
    if priority == NO_SEGMENT:
        return ~Q(Exists(Contact.objects.filter(customer=OuterRef(customer_ref))))
    return Q(**{f"{customer_ref}__in": segment_customer_ids(priority)})


SEGMENT_PRIORITIES = (1, 2, 3, 4, 5)  # contact_priority is constrained to 1–5


def segment_expression(customer_ref: str = "customer_id") -> Case:
    """The segment priority of the customer at `customer_ref` (NO_SEGMENT without contacts), for grouping.

    One uncorrelated `IN (…)` per priority: the database evaluates each list once, which is faster on
    large tables than a correlated MIN() subquery per row.
    """
    return Case(
        *[When(Q(**{f"{customer_ref}__in": segment_customer_ids(p)}), then=Value(p)) for p in SEGMENT_PRIORITIES],
        default=Value(NO_SEGMENT),
        output_field=IntegerField(),
    )


def raw_records(scope: Scope) -> QuerySet:
    """The satisfaction records in a scope, unordered (for aggregation)."""
    qs = counted_records(include_self_rated=scope.include_self_rated).order_by()
    if scope.start:
        qs = qs.filter(created_at__gte=day_start(scope.start))
    if scope.end:
        qs = qs.filter(created_at__lt=day_start(scope.end + dt.timedelta(days=1)))
    if scope.service_types:
        qs = qs.filter(service_type__code__in=scope.service_types)
    if scope.customer_id is not None:
        qs = qs.filter(customer_id=scope.customer_id)
    if scope.segment_priority is not None:
        qs = qs.filter(segment_filter(scope.segment_priority))
    return qs


def snapshot_rows(scope: Scope, model=DailySatisfactionStat) -> QuerySet:
    """The daily snapshot rows in a scope, unordered (for aggregation); `model` is one with the same bucket key."""
    qs = model.objects.order_by()
    if scope.start:
        qs = qs.filter(date__gte=scope.start)
    if scope.end:
        qs = qs.filter(date__lte=scope.end)
    if scope.service_types:
        qs = qs.filter(service_type__code__in=scope.service_types)
    if scope.segment_priority is not None:
        qs = qs.filter(segment_priority=scope.segment_priority)
    if not scope.include_self_rated:
        qs = qs.filter(self_rated=False)
    return qs


def _source(scope: Scope, source: str) -> tuple[QuerySet, dict]:
    if _use_snapshots(scope, source):
        return snapshot_rows(scope), SNAPSHOT_SUMS
    return raw_records(scope), KPI_SUMS


def _kpis_of(row: dict) -> Kpis:
    return Kpis.from_sums(**{k: row.get(k) for k in _SUM_KEYS})


# --- KPIs and breakdowns ---------------------------------------------------------------------------------------


def kpis(scope: Scope, *, source: str = "auto", where: Q | None = None) -> Kpis:
    """Count, mean score and the three rates over a scope, in one query.

    `where` narrows the scope's records further (e.g. to one agent's tickets); snapshots cannot, so it reads
    the records themselves."""
    if where:
        return _kpis_of(raw_records(scope).filter(where).aggregate(**KPI_SUMS))
    qs, sums = _source(scope, source)
    return _kpis_of(qs.aggregate(**sums))


@dataclass(frozen=True)
class BreakdownRow:
    """One group of a breakdown: its key, labels in both languages and its KPIs."""

    key: str | int
    label_en: str
    label_zh: str
    kpis: Kpis

    def as_dict(self) -> dict:
        return {"key": self.key, "label_en": self.label_en, "label_zh": self.label_zh, **self.kpis.as_dict()}


def by_service_type(scope: Scope, *, source: str = "auto") -> list[BreakdownRow]:
    """KPIs per service type (every active service type in scope, empty ones included), two queries."""
    qs, sums = _source(scope, source)
    found = {row["service_type_id"]: _kpis_of(row) for row in qs.values("service_type_id").annotate(**sums)}
    types = ServiceType.objects.all()
    if scope.service_types:
        types = types.filter(code__in=scope.service_types)
    return [
        BreakdownRow(st.code, st.name_en, st.name_zh, found.get(st.pk, EMPTY))
        for st in types
        if st.is_active or st.pk in found
    ]


def segment_label(priority: int) -> tuple[str, str]:
    """The segment's name in English and Chinese."""
    if priority == NO_SEGMENT:
        return "No contacts", "无联系人"
    return f"Priority {priority}", f"优先级 {priority}"


def _segment_rows(scope: Scope, source: str) -> dict[int, Kpis]:
    if _use_snapshots(scope, source):
        qs = snapshot_rows(scope).values("segment_priority").annotate(**SNAPSHOT_SUMS)
    else:
        qs = raw_records(scope).annotate(segment=segment_expression()).values("segment").annotate(**KPI_SUMS)
    return {row.get("segment_priority", row.get("segment")): _kpis_of(row) for row in qs}


def by_segment(scope: Scope, *, source: str = "auto") -> list[BreakdownRow]:
    """KPIs per segment priority (1 … 5, then customers without contacts), one query; empty segments left out."""
    found = _segment_rows(scope, source)
    order = sorted(found, key=lambda p: (p == NO_SEGMENT, p))
    return [BreakdownRow(p, *segment_label(p), found[p]) for p in order]


@dataclass(frozen=True)
class SegmentSplit:
    """One segment against all other customers, with the tests of the difference."""

    priority: int
    segment: Kpis
    rest: Kpis
    satisfaction_rate_test: stats.ProportionTest
    avg_score_test: stats.MeanTest

    def as_dict(self) -> dict:
        return asdict(self)


def mean_test(a: Kpis, b: Kpis, *, labels=None, labels_zh=None) -> stats.MeanTest:
    """Welch's t-test of the mean score of two KPI sets, from their sums (no rows needed)."""
    return stats.welch_t_from_stats(
        mean1=a.avg_score, sd1=a.score_sd, n1=a.count, mean2=b.avg_score, sd2=b.score_sd, n2=b.count,
        labels=labels, labels_zh=labels_zh,
    )  # fmt: skip


def segment_split(scope: Scope, priority: int = 1, *, source: str = "auto") -> SegmentSplit:
    """KPIs of segment `priority` vs every other customer, with z and Welch tests; one query."""
    found = _segment_rows(replace(scope, segment_priority=None), source)
    segment = found.get(priority, EMPTY)
    rest = sum((k for p, k in found.items() if p != priority), EMPTY)
    label = segment_label(priority)
    labels, labels_zh = (label[0], "other customers"), (label[1], "其他客户")
    return SegmentSplit(
        priority=priority,
        segment=segment,
        rest=rest,
        satisfaction_rate_test=stats.two_proportion_z(
            segment.satisfied, segment.count, rest.satisfied, rest.count, labels=labels, labels_zh=labels_zh
        ),
        avg_score_test=mean_test(segment, rest, labels=labels, labels_zh=labels_zh),
    )


# --- change over time ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiChange:
    """Current minus previous: count, mean score, and rates in fractions (×100 = percentage points)."""

    count: int
    avg_score: float | None
    satisfaction_rate: float | None
    high_satisfaction_rate: float | None
    dissatisfaction_rate: float | None

    @classmethod
    def between(cls, current: Kpis, previous: Kpis) -> KpiChange:
        def delta(name):
            a, b = getattr(current, name), getattr(previous, name)
            return a - b if a is not None and b is not None else None

        return cls(
            count=current.count - previous.count,
            avg_score=delta("avg_score"),
            satisfaction_rate=delta("satisfaction_rate"),
            high_satisfaction_rate=delta("high_satisfaction_rate"),
            dissatisfaction_rate=delta("dissatisfaction_rate"),
        )


@dataclass(frozen=True)
class PeriodComparison:
    """A scope against the period of equal length right before it."""

    current_scope: Scope
    previous_scope: Scope
    current: Kpis
    previous: Kpis
    change: KpiChange
    satisfaction_rate_test: stats.ProportionTest
    avg_score_test: stats.MeanTest

    def as_dict(self) -> dict:
        return asdict(self)


def compare_to_previous(scope: Scope, *, source: str = "auto") -> PeriodComparison:
    """KPIs of a dated scope and of the equal-length period before it, with the change and its tests."""
    prev_scope = scope.previous()
    current, previous = kpis(scope, source=source), kpis(prev_scope, source=source)
    labels, labels_zh = ("this period", "previous period"), ("本期", "上期")
    return PeriodComparison(
        current_scope=scope,
        previous_scope=prev_scope,
        current=current,
        previous=previous,
        change=KpiChange.between(current, previous),
        satisfaction_rate_test=stats.two_proportion_z(
            current.satisfied, current.count, previous.satisfied, previous.count, labels=labels, labels_zh=labels_zh
        ),
        avg_score_test=mean_test(current, previous, labels=labels, labels_zh=labels_zh),
    )


@dataclass(frozen=True)
class TrendPoint:
    """One period of a trend: its first and last local day, KPIs and the change against the period before."""

    start: dt.date
    end: dt.date
    kpis: Kpis
    change: KpiChange | None = field(default=None)

    def as_dict(self) -> dict:
        return asdict(self)


class MonthStart(Func):
    """First day of the month of a date column; native SQL on SQLite (Django's TruncMonth calls Python per row)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        return TruncMonth(*self.source_expressions).as_sql(compiler, connection, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, 'start of month')", params


class WeekStart(Func):
    """The Monday of the ISO week of a date column; native SQL on SQLite."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        return TruncWeek(*self.source_expressions).as_sql(compiler, connection, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # strftime('%w') is 0 for Sunday: step back (w + 6) % 7 days to Monday.
        return f"date({sql}, '-' || ((CAST(strftime('%%w', {sql}) AS INTEGER) + 6) %% 7) || ' days')", params * 2


def period_bounds(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """First and last day of the day / ISO week / month containing `day`."""
    if period == "day":
        return day, day
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    raise ValueError(f"period must be one of {PERIODS}, got {period!r}")


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def trend(scope: Scope, period: str = "month", *, source: str = "auto", fill: bool = True) -> list[TrendPoint]:
    """KPIs per day, ISO week or month (local time), oldest first, each with its change vs the period before.

    One query. With `fill`, periods without records inside a dated scope appear with empty KPIs.
    """
    period_bounds(dt.date.today(), period)  # validates `period`
    tz = local_tz()
    if _use_snapshots(scope, source):
        qs, sums = snapshot_rows(scope), SNAPSHOT_SUMS
        trunc = {"day": F("date"), "week": WeekStart("date"), "month": MonthStart("date")}[period]
    else:
        qs, sums = raw_records(scope), KPI_SUMS
        trunc = {
            "day": TruncDate("created_at", tzinfo=tz),
            "week": TruncWeek("created_at", tzinfo=tz),
            "month": TruncMonth("created_at", tzinfo=tz),
        }[period]
    rows = qs.annotate(bucket=trunc).values("bucket").annotate(**sums)
    found = {_as_date(row["bucket"]): _kpis_of(row) for row in rows}
    starts = sorted(found)
    if fill and scope.start and scope.end:
        starts, day = [], period_bounds(scope.start, period)[0]
        while day <= scope.end:
            starts.append(day)
            day = period_bounds(day, period)[1] + dt.timedelta(days=1)
    points, previous = [], None
    for start in starts:
        current = found.get(start, EMPTY)
        points.append(
            TrendPoint(
                start=start,
                end=period_bounds(start, period)[1],
                kpis=current,
                change=KpiChange.between(current, previous) if previous is not None else None,
            )
        )
        previous = current
    return points


# --- targets ---------------------------------------------------------------------------------------------------


def target_status(
    target: SatisfactionTarget, *, today: dt.date | None = None, scope: Scope | None = None, source: str = "auto"
) -> TargetStatus:
    """Status of a target over its current period (or over `scope` when given)."""
    if scope is None:
        start, end = target_window(target.period, today or local_today())
        code = target.service_type.code if target.service_type_id else None
        scope = Scope(start=start, end=end, service_types=(code,) if code else ())
    return target_status_of(target, kpis(scope, source=source), start=scope.start, end=scope.end)


def active_target_statuses(*, today: dt.date | None = None, source: str = "auto") -> list[TargetStatus]:
    """Status of every active target (one query for the targets, one per target)."""
    targets = SatisfactionTarget.objects.filter(is_active=True).select_related("service_type")
    return [target_status(t, today=today, source=source) for t in targets]
