"""Read side of the helpdesk pre-aggregates: the sums of a segment comparison for any scope.

A scope is a day range (or none), a service-type filter and the segment priority; the group of a bucket is
"segment" when its segment priority is the one asked for, "rest" otherwise (other priorities and customers
without contacts), exactly as `segment_customer_ids` splits the customers. Four queries over the tables
written by `analytics.lib.helpdesk_snapshots`, none over the raw tickets or complaints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Sum, Value, When

from analytics.models import DailyComplaintHours, DailyComplaintStat, DailyCustomerCases, DailyTicketStat
from core.db import Level
from satisfaction.helpdesk.models import Complaint

GROUPS = ("segment", "rest")
LEVELS = [choice.value for choice in Level]
SPEEDS = [choice.value for choice in Complaint.Speed]
SCORES = [1, 2, 3, 4, 5]
# (source, distribution field) → the pre-aggregate columns of its categories, in the categories' order.
CATEGORY_COLUMNS = {
    ("tickets", "urgency"): [f"urgency_{v}" for v in LEVELS],
    ("tickets", "ticket_priority"): [f"priority_{v}" for v in LEVELS],
    ("tickets", "satisfaction"): [f"sat_{v}" for v in SCORES],
    ("complaints", "handling_speed"): [f"speed_{v}" for v in SPEEDS],
    ("complaints", "satisfaction"): [f"sat_{v}" for v in SCORES],
}
TICKET_SUMS = ("count", "hours_sum", "hours_n", "rated", "sat_sum", "follow_ups", "follow_up_known")
COMPLAINT_SUMS = ("count", "rated", "sat_sum", "escalations", "escalation_known")
HOURS_COLUMNS = {DailyComplaintHours.RESPONSE: "response_hours", DailyComplaintHours.RESOLUTION: "resolution_hours"}


@dataclass(frozen=True)
class ComparisonSums:
    """What a comparison is computed from, per group: the ticket and complaint sums (and distinct customers),
    the complaint times (their values, for exact percentiles) and the counts per category of each distribution."""

    tickets: dict[str, dict]
    complaints: dict[str, dict]
    times: dict[str, dict[str, list | np.ndarray]]
    counts: dict[tuple[str, str], dict[str, list[int]]]


def _group_key(in_segment) -> str:
    return "segment" if in_segment else "rest"


def _scoped(model, *, priority: int, start, end, service_types) -> QuerySet:
    qs = model.objects.order_by()
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if service_types:
        qs = qs.filter(service_type__code__in=service_types)
    in_segment = Case(
        When(segment_priority=priority, then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return qs.annotate(grp=in_segment)


def sums(
    *, priority: int, start: dt.date | None = None, end: dt.date | None = None, service_types=()
) -> ComparisonSums:
    """The comparison's sums of segment `priority` vs the rest over a local day range and service types."""
    scope = {"priority": priority, "start": start, "end": end, "service_types": tuple(service_types)}
    columns = {source: sorted({c for (s, _), cols in CATEGORY_COLUMNS.items() if s == source for c in cols})
               for source in ("tickets", "complaints")}  # fmt: skip
    found = {}
    for source, model, names in (
        ("tickets", DailyTicketStat, TICKET_SUMS),
        ("complaints", DailyComplaintStat, COMPLAINT_SUMS),
    ):
        aggregates = {name: Sum(name) for name in (*names, *columns[source])}
        rows = _scoped(model, **scope).values("grp").annotate(sat_sq=Sum("sat_sq_sum"), **aggregates)
        found[source] = {_group_key(r["grp"]): r for r in rows}
    # A customer is in one segment at a time, so its rows all fall in one group.
    customers = _scoped(DailyCustomerCases, **scope).values("grp").annotate(
        tickets=Count("customer_id", distinct=True, filter=Q(tickets__gt=0)),
        complaints=Count("customer_id", distinct=True, filter=Q(complaints__gt=0)),
    )  # fmt: skip
    for row in customers:
        key = _group_key(row["grp"])
        for source in ("tickets", "complaints"):
            if key in found[source]:
                found[source][key]["customers"] = row[source]
    counts = {
        (source, field): {
            key: [found[source].get(key, {}).get(c) or 0 for c in cols] for key in GROUPS
        }
        for (source, field), cols in CATEGORY_COLUMNS.items()
    }  # fmt: skip
    return ComparisonSums(found["tickets"], found["complaints"], _times(scope), counts)


def _times(scope: dict) -> dict[str, dict[str, np.ndarray]]:
    """Every response and resolution time of the scope's complaints per group, sorted, from their counts."""
    rows = (
        _scoped(DailyComplaintHours, **scope)
        .values_list("grp", "measure", "hours")
        .annotate(n=Sum("n"))
        .order_by("grp", "measure", "hours")
    )
    values: dict[tuple[str, str], tuple[list, list]] = {}
    for grp, measure, hours, n in rows:
        hours_list, ns = values.setdefault((_group_key(grp), HOURS_COLUMNS[measure]), ([], []))
        hours_list.append(hours)
        ns.append(n)
    empty = np.array([], dtype=float)
    return {
        key: {
            column: np.repeat(np.asarray(values[(key, column)][0], dtype=float), values[(key, column)][1])
            if (key, column) in values
            else empty
            for column in HOURS_COLUMNS.values()
        }
        for key in GROUPS
    }
