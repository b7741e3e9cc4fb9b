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
from django.db import connections
from django.db.models import BooleanField, Case, Max, QuerySet, Sum, Value, When

from analytics.models import DailyComplaintHours, DailyComplaintStat, DailyCustomerCases, DailyTicketStat
from core.db import Level
from satisfaction.crm.models import ServiceType
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


def _filtered(model, *, priority: int, start, end, service_types) -> QuerySet:
    qs = model.objects.order_by()
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if service_types:
        # Ids, not a join: the scans stay on their covering indexes.
        ids = list(ServiceType.objects.filter(code__in=service_types).values_list("pk", flat=True))
        qs = qs.filter(service_type_id__in=ids)
    return qs


def _scoped(model, **scope) -> QuerySet:
    in_segment = Case(
        When(segment_priority=scope["priority"], then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return _filtered(model, **scope).annotate(grp=in_segment)


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
    customers = _distinct_customers(scope)
    for key in GROUPS:
        for source in ("tickets", "complaints"):
            if key in found[source]:
                found[source][key]["customers"] = customers[key][source]
    counts = {
        (source, field): {
            key: [found[source].get(key, {}).get(c) or 0 for c in cols] for key in GROUPS
        }
        for (source, field), cols in CATEGORY_COLUMNS.items()
    }  # fmt: skip
    return ComparisonSums(found["tickets"], found["complaints"], _times(scope), counts)


def _distinct_customers(scope: dict) -> dict[str, dict[str, int]]:
    """Customers with tickets / complaints in scope per group: one row per (segment, customer) from an ordered
    scan of a covering index, counted here (a customer is in one segment at a time: its rows share a group)."""
    priority = scope["priority"]
    customers = {key: {"tickets": 0, "complaints": 0} for key in GROUPS}
    per_customer = (
        _filtered(DailyCustomerCases, **scope)
        .values_list("segment_priority", "customer_id")
        .annotate(tickets=Max("tickets"), complaints=Max("complaints"))
        .order_by()
    )
    for segment, _customer, tickets, complaints in _raw_rows(per_customer):
        group = customers[_group_key(segment == priority)]
        group["tickets"] += tickets > 0
        group["complaints"] += complaints > 0
    return customers


def _times(scope: dict) -> dict[str, dict[str, np.ndarray]]:
    """Every response and resolution time of the scope's complaints per group, from their counts (numpy sorts
    them again for the percentiles: the rest's values come from several segments)."""
    priority = scope["priority"]
    # Grouped by the covering index's own columns, in its order: a streaming scan, no temporary sort.
    rows = (
        _filtered(DailyComplaintHours, **scope)
        .values_list("measure", "segment_priority", "hours")
        .annotate(n=Sum("n"))
        .order_by("measure", "segment_priority", "hours")
    )
    table = np.asarray(_raw_rows(rows), dtype=float).reshape(-1, 4)
    measure, in_segment, hours, n = table[:, 0], table[:, 1] == priority, table[:, 2], table[:, 3].astype(np.int64)
    times = {}
    for key, group in (("segment", in_segment), ("rest", ~in_segment)):
        times[key] = {}
        for code, column in HOURS_COLUMNS.items():
            mask = group & (measure == code)
            times[key][column] = np.repeat(hours[mask], n[mask])
    return times


def _raw_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a values_list query straight from the cursor: tens of thousands of plain numbers, where the
    ORM's per-row converters would cost more than the database's scan."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
