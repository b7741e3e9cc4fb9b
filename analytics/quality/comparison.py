"""Service quality of one customer segment against all other customers (DESIGN §5).

The sums per group (segment / rest) come from the helpdesk pre-aggregates (`analytics.lib.helpdesk_sums`);
`from_cases=True` aggregates the raw tickets and complaints in the database instead, with the same numbers.
Tests come from `analytics.stats`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
from django.db.models import BooleanField, Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When

from analytics import signals
from analytics.lib import helpdesk_sums, stats
from analytics.lib.helpdesk_sums import GROUPS, LEVELS, SCORES, SPEEDS, ComparisonSums
from analytics.lib.metrics import day_start, segment_label
from core.db import Level
from satisfaction.crm.models import Customer, segment_customer_ids
from satisfaction.helpdesk.models import Complaint, ServiceTicket

# Distribution field → {code: label}; fields not named here (the scores) are shown as they are.
CATEGORY_NAMES = {
    "urgency": dict(Level.choices),
    "ticket_priority": dict(Level.choices),
    "handling_speed": dict(Complaint.Speed.choices),
}


@dataclass(frozen=True)
class TicketMetrics:
    """Ticket metrics of one group (DESIGN §3): rates are fractions, averages over non-null values."""

    customers: int
    customers_with_tickets: int
    count: int
    avg_handling_hours: float | None
    rated: int
    avg_satisfaction: float | None
    sd_satisfaction: float | None
    follow_ups: int
    follow_up_rate: float | None
    first_contact_resolution_rate: float | None
    # Tickets whose follow-up is known (yes or no): the rates are over these, never over unknowns.
    follow_up_known: int = 0


@dataclass(frozen=True)
class ComplaintMetrics:
    """Complaint metrics of one group, with medians and 90th percentiles of the times (hours)."""

    customers_with_complaints: int
    count: int
    rated: int
    avg_satisfaction: float | None
    sd_satisfaction: float | None
    escalations: int
    escalation_rate: float | None
    avg_response_hours: float | None
    median_response_hours: float | None
    p90_response_hours: float | None
    avg_resolution_hours: float | None
    median_resolution_hours: float | None
    p90_resolution_hours: float | None
    # Complaints whose escalation is known: the escalation rate is over these.
    escalation_known: int = 0


@dataclass(frozen=True)
class Distribution:
    """Counts of one categorical field per group, with the chi-square test of independence."""

    field: str
    label_en: str
    label_zh: str
    categories: tuple[str, ...]
    segment: tuple[int, ...]
    rest: tuple[int, ...]
    test: stats.ChiSquareTest

    @property
    def category_labels(self) -> list[str]:
        """The categories as a reader names them, in the active language: "High", "Fast", "1"… (codes in the
        CSVs and JSON, labels on charts)."""
        names = CATEGORY_NAMES.get(self.field, {})
        return [str(names.get(code, code)) for code in self.categories]


@dataclass(frozen=True)
class ComparisonTests:
    """The tests of DESIGN §4 applied to the two groups."""

    ticket_satisfaction: stats.MeanTest
    ticket_satisfaction_ranks: stats.RankTest
    complaint_satisfaction: stats.MeanTest
    follow_up_rate: stats.ProportionTest
    escalation_rate: stats.ProportionTest


@dataclass(frozen=True)
class SegmentComparison:
    """Segment `priority` vs every other customer over a period: metrics, distributions and tests."""

    priority: int
    label_en: str
    label_zh: str
    start: dt.date | None
    end: dt.date | None
    tickets: dict[str, TicketMetrics]
    complaints: dict[str, ComplaintMetrics]
    distributions: tuple[Distribution, ...]
    tests: ComparisonTests

    def as_dict(self) -> dict:
        """JSON-ready (dates as ISO strings)."""
        data = asdict(self)
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        return data

    def distribution(self, field: str) -> Distribution:
        return next(d for d in self.distributions if d.field == field)


def _in_segment(priority: int, customer_ref: str):
    return Case(
        When(Q(**{f"{customer_ref}__in": segment_customer_ids(priority)}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def tickets_in_scope(*, start=None, end=None, service_types=()) -> QuerySet:
    """External (not internal) tickets opened in the local date range, unordered."""
    qs = ServiceTicket.objects.filter(is_internal=False).order_by()
    if start:
        qs = qs.filter(opened_at__gte=day_start(start))
    if end:
        qs = qs.filter(opened_at__lt=day_start(end + dt.timedelta(days=1)))
    if service_types:
        qs = qs.filter(contract__service_type__code__in=service_types)
    return qs


def complaints_in_scope(*, start=None, end=None, service_types=()) -> QuerySet:
    """Complaints filed in the local date range, unordered."""
    qs = Complaint.objects.order_by()
    if start:
        qs = qs.filter(filed_at__gte=day_start(start))
    if end:
        qs = qs.filter(filed_at__lt=day_start(end + dt.timedelta(days=1)))
    if service_types:
        qs = qs.filter(contract__service_type__code__in=service_types)
    return qs


def _group_key(in_segment) -> str:
    return "segment" if in_segment else "rest"


def _mean_sd(n: int, total, total_sq) -> tuple[float | None, float | None]:
    if not n:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(max((total_sq - total * total / n) / (n - 1), 0.0))


def _ratio(a, b) -> float | None:
    return a / b if b else None


def _percentile(values, q: float) -> float | None:
    # Linear interpolation, as PostgreSQL's percentile_cont and numpy's default.
    return float(np.percentile(values, q)) if len(values) else None


def _ticket_metrics(found: dict[str, dict], customers: dict[str, int]) -> dict[str, TicketMetrics]:
    result = {}
    for key in GROUPS:
        r = found.get(key, {})
        n, rated = r.get("count", 0), r.get("rated", 0)
        mean, sd = _mean_sd(rated, r.get("sat_sum") or 0, r.get("sat_sq") or 0)
        follow_rate = _ratio(r.get("follow_ups", 0), r.get("follow_up_known", 0))
        result[key] = TicketMetrics(
            customers=customers[key],
            customers_with_tickets=r.get("customers", 0),
            count=n,
            avg_handling_hours=_ratio(r.get("hours_sum") or 0, r.get("hours_n", 0)),
            rated=rated,
            avg_satisfaction=mean,
            sd_satisfaction=sd,
            follow_ups=r.get("follow_ups", 0),
            follow_up_rate=follow_rate,
            first_contact_resolution_rate=None if follow_rate is None else 1 - follow_rate,
            follow_up_known=r.get("follow_up_known", 0),
        )
    return result


def _complaint_metrics(found: dict[str, dict], times: dict[str, dict]) -> dict[str, ComplaintMetrics]:
    result = {}
    for key in GROUPS:
        r = found.get(key, {})
        mean, sd = _mean_sd(r.get("rated", 0), r.get("sat_sum") or 0, r.get("sat_sq") or 0)
        resp, reso = times[key]["response_hours"], times[key]["resolution_hours"]
        result[key] = ComplaintMetrics(
            customers_with_complaints=r.get("customers", 0),
            count=r.get("count", 0),
            rated=r.get("rated", 0),
            avg_satisfaction=mean,
            sd_satisfaction=sd,
            escalations=r.get("escalations", 0),
            escalation_rate=_ratio(r.get("escalations", 0), r.get("escalation_known", 0)),
            avg_response_hours=float(np.mean(resp)) if len(resp) else None,
            median_response_hours=_percentile(resp, 50),
            p90_response_hours=_percentile(resp, 90),
            avg_resolution_hours=float(np.mean(reso)) if len(reso) else None,
            median_resolution_hours=_percentile(reso, 50),
            p90_resolution_hours=_percentile(reso, 90),
            escalation_known=r.get("escalation_known", 0),
        )
    return result


def _sums_from_cases(priority: int, start, end, service_types) -> ComparisonSums:
    """The sums read from the raw tickets and complaints (six queries over the cases: the reference path)."""
    tickets = tickets_in_scope(start=start, end=end, service_types=service_types)
    complaints = complaints_in_scope(start=start, end=end, service_types=service_types)
    ticket_rows = (
        tickets.annotate(grp=_in_segment(priority, "contract__customer_id"))
        .values("grp")
        .annotate(
            count=Count("id"),
            customers=Count("contract__customer_id", distinct=True),
            hours_sum=Sum("handling_hours", output_field=FloatField()),
            hours_n=Count("handling_hours"),
            rated=Count("satisfaction"),
            sat_sum=Sum("satisfaction"),
            sat_sq=Sum(F("satisfaction") * F("satisfaction")),
            follow_ups=Count("id", filter=Q(follow_up=True)),
            follow_up_known=Count("follow_up"),
        )
    )
    annotated = complaints.annotate(grp=_in_segment(priority, "contract__customer_id"))
    complaint_rows = annotated.values("grp").annotate(
        count=Count("id"),
        customers=Count("contract__customer_id", distinct=True),
        rated=Count("satisfaction"),
        sat_sum=Sum("satisfaction"),
        sat_sq=Sum(F("satisfaction") * F("satisfaction")),
        escalations=Count("id", filter=Q(escalated=True)),
        escalation_known=Count("escalated"),
    )
    times = {key: {"response_hours": [], "resolution_hours": []} for key in GROUPS}
    # Medians and p90 need the values: one narrow query (two float columns) instead of a percentile per backend.
    for grp, response, resolution in annotated.values_list("grp", "response_hours", "resolution_hours").iterator(
        chunk_size=20_000
    ):
        bucket = times[_group_key(grp)]
        if response is not None:
            bucket["response_hours"].append(response)
        if resolution is not None:
            bucket["resolution_hours"].append(resolution)
    fields_ = {src: tuple(f for s, f, *_ in DISTRIBUTIONS if s == src) for src in ("tickets", "complaints")}
    cubes = {
        "tickets": _cube(tickets, priority, fields_["tickets"]),
        "complaints": _cube(complaints, priority, fields_["complaints"]),
    }
    counts = {
        (source, field): _counts(cubes[source], fields_[source], field, categories)
        for source, field, _en, _zh, categories in DISTRIBUTIONS
    }
    return ComparisonSums(
        {_group_key(r["grp"]): r for r in ticket_rows},
        {_group_key(r["grp"]): r for r in complaint_rows},
        times,
        counts,
    )


def _cube(qs: QuerySet, priority: int, fields: tuple[str, ...]) -> dict[tuple, int]:
    """Counts per (group, *fields) in one grouped query: every distribution of a table from one scan."""
    grouped = qs.annotate(grp=_in_segment(priority, "contract__customer_id")).values("grp", *fields)
    rows = grouped.annotate(n=Count("id"))
    return {(_group_key(row["grp"]), *(row[f] for f in fields)): row["n"] for row in rows}


def _counts(cube: dict[tuple, int], fields: tuple[str, ...], field: str, categories: list) -> dict[str, list[int]]:
    i = fields.index(field) + 1
    counts = {key: [0] * len(categories) for key in GROUPS}
    for key, n in cube.items():
        if key[i] in categories:
            counts[key[0]][categories.index(key[i])] += n
    return counts


DISTRIBUTIONS = (
    ("tickets", "urgency", "ticket urgency", "工单紧急程度", LEVELS),
    ("tickets", "ticket_priority", "ticket priority", "工单优先级", LEVELS),
    ("complaints", "handling_speed", "complaint handling speed", "投诉处理速度", SPEEDS),
    ("tickets", "satisfaction", "ticket satisfaction scores", "工单满意度评分", SCORES),
    ("complaints", "satisfaction", "complaint satisfaction scores", "投诉满意度评分", SCORES),
)


def _expand(counts: list[int]) -> list[int]:
    return [score for score, n in zip(SCORES, counts, strict=True) for _ in range(n)]


def segment_comparison(
    *,
    priority: int = 1,
    start: dt.date | None = None,
    end: dt.date | None = None,
    service_types=(),
    from_cases: bool = False,
) -> SegmentComparison:
    """Compare segment `priority` with all other customers on tickets and complaints.

    The sums come from the helpdesk pre-aggregates (`analytics.lib.helpdesk_sums`, a few hundred to a few
    thousand rows at any scale); `from_cases=True` reads the raw tickets and complaints instead (the reference
    the pre-aggregates are tested against, and the same numbers).
    """
    if from_cases:
        sums = _sums_from_cases(priority, start, end, service_types)
    else:
        signals.recompute_pending()
        sums = helpdesk_sums.sums(priority=priority, start=start, end=end, service_types=service_types)
    totals = Customer.objects.aggregate(
        all=Count("id"), segment=Count("id", filter=Q(pk__in=segment_customer_ids(priority)))
    )
    customers = {"segment": totals["segment"], "rest": totals["all"] - totals["segment"]}
    ticket_metrics = _ticket_metrics(sums.tickets, customers)
    complaint_metrics = _complaint_metrics(sums.complaints, sums.times)
    label_en, label_zh = segment_label(priority)
    labels, labels_zh = (label_en, "other customers"), (label_zh, "其他客户")

    distributions, score_counts = [], {}
    for source, field, what_en, what_zh, categories in DISTRIBUTIONS:
        counts = sums.counts[(source, field)]
        names = tuple(str(c) for c in categories)
        test = stats.chi_square(
            [counts["segment"], counts["rest"]], labels, names, what=what_en, what_zh=what_zh, row_labels_zh=labels_zh
        )
        distributions.append(
            Distribution(
                f"{source}_{field}" if field == "satisfaction" else field,
                what_en, what_zh, names, tuple(counts["segment"]), tuple(counts["rest"]), test,
            )
        )  # fmt: skip
        if field == "satisfaction":
            score_counts[source] = counts

    def welch(metrics_: dict) -> stats.MeanTest:
        s, r = metrics_["segment"], metrics_["rest"]
        return stats.welch_t_from_stats(
            mean1=s.avg_satisfaction, sd1=s.sd_satisfaction, n1=s.rated,
            mean2=r.avg_satisfaction, sd2=r.sd_satisfaction, n2=r.rated, labels=labels, labels_zh=labels_zh,
        )  # fmt: skip

    seg_t, rest_t = ticket_metrics["segment"], ticket_metrics["rest"]
    seg_c, rest_c = complaint_metrics["segment"], complaint_metrics["rest"]
    tests = ComparisonTests(
        ticket_satisfaction=welch(ticket_metrics),
        ticket_satisfaction_ranks=stats.mann_whitney(
            _expand(score_counts["tickets"]["segment"]),
            _expand(score_counts["tickets"]["rest"]),
            labels=labels,
            labels_zh=labels_zh,
        ),  # fmt: skip
        complaint_satisfaction=welch(complaint_metrics),
        follow_up_rate=stats.two_proportion_z(
            seg_t.follow_ups,
            seg_t.follow_up_known,
            rest_t.follow_ups,
            rest_t.follow_up_known,
            labels=labels,
            labels_zh=labels_zh,
        ),
        escalation_rate=stats.two_proportion_z(
            seg_c.escalations,
            seg_c.escalation_known,
            rest_c.escalations,
            rest_c.escalation_known,
            labels=labels,
            labels_zh=labels_zh,
        ),
    )
    tests, distributions = _with_family_q_values(tests, distributions)
    return SegmentComparison(
        priority=priority,
        label_en=label_en,
        label_zh=label_zh,
        start=start,
        end=end,
        tickets=ticket_metrics,
        complaints=complaint_metrics,
        distributions=tuple(distributions),
        tests=tests,
    )


def _with_family_q_values(
    tests: ComparisonTests, distributions: list[Distribution]
) -> tuple[ComparisonTests, list[Distribution]]:
    """The report shows all its tests together, so each gets its Benjamini–Hochberg q-value over the family."""
    names = [f.name for f in fields(ComparisonTests)]
    family = stats.with_q_values([getattr(tests, n) for n in names] + [d.test for d in distributions])
    adjusted = ComparisonTests(**dict(zip(names, family[: len(names)], strict=True)))
    return adjusted, [replace(d, test=t) for d, t in zip(distributions, family[len(names) :], strict=True)]
