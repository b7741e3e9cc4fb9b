"""Pre-aggregates of tickets and complaints for the segment comparison: write side (recompute and rebuild).

Four tables share the key (local day, service type, segment priority = the customer's lowest contact priority
now, NO_SEGMENT without contacts):
- `DailyTicketStat` / `DailyComplaintStat`: the counts and sums of every ticket / complaint metric and the
  counts per category of each distribution;
- `DailyComplaintHours`: how many complaints took each exact number of response / resolution hours (the times
  repeat, so a scope's exact medians and 90th percentiles come from a few thousand rows);
- `DailyCustomerCases`: tickets and complaints per (day, service type, customer), for distinct customers.

As with the record snapshots, every write recomputes whole local days from the raw cases (idempotent, safe
to repeat or run late), upserts on the key and deletes rows left without cases. The days to recompute come
from `analytics.signals` (every save and delete of a ticket, complaint or contract, cascades included), the
helpdesk's bulk-write signal (imports), and `recompute_customer` after a segment change; the nightly
`rebuild_snapshots` repairs anything missed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, FloatField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from analytics.lib.helpdesk_sums import LEVELS, SCORES, SPEEDS
from analytics.lib.metrics import SEGMENT_PRIORITIES
from analytics.lib.snapshots import RebuildResult, day_expression, each_day, offset_spans
from analytics.lib.text_snapshots import merged
from analytics.models import NO_SEGMENT, DailyComplaintHours, DailyComplaintStat, DailyCustomerCases, DailyTicketStat
from core.localtime import day_start, event_window, local_tz
from satisfaction.crm.models import Contact
from satisfaction.helpdesk.models import Complaint, ServiceTicket

BATCH = 5_000
KEY = ("day", "service_type_id", "segment")
CUSTOMER_KEY = ("day", "service_type_id", "customer_id")
CUSTOMER = "contract__customer_id"


def _zero(expression):
    return Coalesce(expression, 0)


TICKET_SUMS = {
    "count": Count("id"),
    "hours_n": Count("handling_hours"),
    "hours_sum": Coalesce(Sum("handling_hours", output_field=FloatField()), 0.0, output_field=FloatField()),
    "rated": Count("satisfaction"),
    "sat_sum": _zero(Sum("satisfaction")),
    "sat_sq_sum": _zero(Sum(F("satisfaction") * F("satisfaction"))),
    "follow_ups": Count("id", filter=Q(follow_up=True)),
    "follow_up_known": Count("follow_up"),
    **{f"urgency_{level}": Count("id", filter=Q(urgency=level)) for level in LEVELS},
    **{f"priority_{level}": Count("id", filter=Q(ticket_priority=level)) for level in LEVELS},
    **{f"sat_{score}": Count("id", filter=Q(satisfaction=score)) for score in SCORES},
}
COMPLAINT_SUMS = {
    "count": Count("id"),
    "rated": Count("satisfaction"),
    "sat_sum": _zero(Sum("satisfaction")),
    "sat_sq_sum": _zero(Sum(F("satisfaction") * F("satisfaction"))),
    "escalations": Count("id", filter=Q(escalated=True)),
    "escalation_known": Count("escalated"),
    **{f"speed_{speed}": Count("id", filter=Q(handling_speed=speed)) for speed in SPEEDS},
    **{f"sat_{score}": Count("id", filter=Q(satisfaction=score)) for score in SCORES},
}
HOURS = ((DailyComplaintHours.RESPONSE, "response_hours"), (DailyComplaintHours.RESOLUTION, "resolution_hours"))
# Each case kind: its model, the timestamp that dates it, the rows that count (DESIGN §3: external tickets).
KINDS = {"tickets": (ServiceTicket, "opened_at"), "complaints": (Complaint, "filed_at")}


def cases(kind: str) -> QuerySet:
    """The cases of a kind the comparison counts, unordered."""
    model, _ = KINDS[kind]
    qs = model.objects.order_by()
    return qs.filter(is_internal=False) if kind == "tickets" else qs


def _grouped(qs: QuerySet, kind: str, day) -> dict[str, list[dict]]:
    """Sums of the cases in `qs` per (local day, service type, customer); `_computed` adds each customer's
    segment from one contacts query (cheaper than five `IN` lists per case in every query)."""
    base = qs.annotate(day=day(KINDS[kind][1]), service_type_id=F("contract__service_type_id"), customer_id=F(CUSTOMER))
    rows = {
        "stats": list(base.values(*CUSTOMER_KEY).annotate(**(TICKET_SUMS if kind == "tickets" else COMPLAINT_SUMS)))
    }
    if kind == "complaints":
        rows["hours"] = [
            {**row, "measure": measure}
            for measure, column in HOURS
            for row in base.filter(**{f"{column}__isnull": False})
            .values(*CUSTOMER_KEY, hours=F(column))
            .annotate(n=Count("id"))
        ]
    return rows


def _segments(customer_ids: set[int]) -> dict[int, int]:
    """Segment priority of each customer (NO_SEGMENT without contacts), as `segment_expression` decides it."""
    contacts = Contact.objects.order_by().values("customer_id").annotate(p=Min("contact_priority"))
    if len(customer_ids) <= BATCH:
        contacts = contacts.filter(customer_id__in=list(customer_ids))
    found = {c["customer_id"]: c["p"] for c in contacts}
    return {pk: found[pk] if found.get(pk) in SEGMENT_PRIORITIES else NO_SEGMENT for pk in customer_ids}


def _by_day_expression(qs: QuerySet, kind: str) -> list[dict[str, list[dict]]]:
    """`_grouped` over every case; on SQLite per span of one UTC offset (native date arithmetic)."""
    field = KINDS[kind][1]
    if connection.vendor != "sqlite":
        return [_grouped(qs, kind, day_expression())]
    # SQLite converts time zones in Python row by row; inside the event window it can stay native per span.
    # Cases dated outside it (stored before the services checked dates) still count, converted one by one.
    first, last = event_window()
    inside = qs.filter(**{f"{field}__gte": first, f"{field}__lte": last})
    parts = [_grouped(qs.exclude(**{f"{field}__gte": first, f"{field}__lte": last}), kind, day_expression())]
    bounds = inside.aggregate(first=Min(field), last=Max(field))
    if bounds["first"] is not None:
        for lo, hi, minutes in offset_spans(bounds["first"], bounds["last"]):
            span = inside.filter(**{f"{field}__gte": lo, f"{field}__lt": hi})
            parts.append(_grouped(span, kind, day_expression(minutes=minutes)))
    return parts


def _bucket(row: dict) -> dict:
    return {"date": row["day"], "service_type_id": row["service_type_id"], "segment_priority": row["segment"]}


def _computed(parts: dict[str, list[dict[str, list[dict]]]]) -> dict[type, list]:
    """Model instances of the four tables from the grouped rows of tickets and complaints (`_grouped`)."""
    stats = {kind: [r for p in parts.get(kind, ()) for r in p["stats"]] for kind in KINDS}
    hours = [r for p in parts.get("complaints", ()) for r in p["hours"]]
    segment = _segments({r["customer_id"] for rows in stats.values() for r in rows})
    out: dict[type, list] = {DailyTicketStat: [], DailyComplaintStat: [], DailyComplaintHours: []}
    customers: dict[tuple, dict] = {}
    for kind, model, sums in (
        ("tickets", DailyTicketStat, TICKET_SUMS),
        ("complaints", DailyComplaintStat, COMPLAINT_SUMS),
    ):
        for row in stats[kind]:
            k = (row["day"], row["service_type_id"], row["customer_id"])
            fresh = {"date": k[0], "service_type_id": k[1], "customer_id": k[2], "segment_priority": segment[k[2]]}
            entry = customers.setdefault(k, {**fresh, "tickets": 0, "complaints": 0})
            entry[kind] += row["count"]
        by_segment = ({**_without_customer(row), "segment": segment[row["customer_id"]]} for row in stats[kind])
        # Summed per segment (a DST change can also split one local day over two spans).
        for row in merged(by_segment, KEY, tuple(sums)):
            out[model].append(model(**_bucket(row), **{name: row[name] for name in sums}))
    by_segment = ({**_without_customer(row), "segment": segment[row["customer_id"]]} for row in hours)
    for row in merged(by_segment, (*KEY, "measure", "hours"), ("n",)):
        out[DailyComplaintHours].append(
            DailyComplaintHours(**_bucket(row), measure=row["measure"], hours=row["hours"], n=row["n"])
        )
    out[DailyCustomerCases] = [DailyCustomerCases(**entry) for entry in customers.values()]
    return out


def _without_customer(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "customer_id"}


UNIQUE = {
    DailyTicketStat: ("date", "service_type", "segment_priority"),
    DailyComplaintStat: ("date", "service_type", "segment_priority"),
    DailyComplaintHours: ("date", "service_type", "segment_priority", "measure", "hours"),
    DailyCustomerCases: ("date", "service_type", "customer"),
}
VALUES = {
    DailyTicketStat: tuple(TICKET_SUMS),
    DailyComplaintStat: tuple(COMPLAINT_SUMS),
    DailyComplaintHours: ("n",),
    DailyCustomerCases: ("segment_priority", "tickets", "complaints"),
}


_KEY_NAMES = {
    model: [f"{f}_id" if f in ("service_type", "customer") else f for f in key] for model, key in UNIQUE.items()
}


def _key(model, obj) -> tuple:
    return tuple(getattr(obj, name) for name in _KEY_NAMES[model])


def _store(rows: dict[type, list], stale: Q | None) -> tuple[int, int]:
    """Upsert every table's rows on its key; delete rows matching `stale` that got no cases. (stored, deleted)

    With `stale` (a day's recompute after one write), rows whose values did not change are not written again:
    one case changes a handful of a day's thousand rows.
    """
    stored = deleted = 0
    for model, objs in rows.items():
        names, values = _KEY_NAMES[model], VALUES[model]
        existing = {}
        if stale is not None:
            for pk, *row in model.objects.filter(stale).values_list("pk", *names, *values):
                existing[tuple(row[: len(names)])] = (pk, tuple(row[len(names) :]))
        changed = [
            obj
            for obj in objs
            if existing.get(_key(model, obj), (None, None))[1] != tuple(getattr(obj, v) for v in values)
        ]
        model.objects.bulk_create(
            changed,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=list(UNIQUE[model]),
            update_fields=[*values, "computed_at"],
        )
        stored += len(changed)
        keep = {_key(model, obj) for obj in objs}
        gone = [pk for key, (pk, _) in existing.items() if key not in keep]
        for i in range(0, len(gone), BATCH):
            deleted += model.objects.filter(pk__in=gone[i : i + BATCH]).delete()[0]
    return stored, deleted


def _on_day(kind: str, day: dt.date) -> QuerySet:
    field = KINDS[kind][1]
    return cases(kind).filter(
        **{f"{field}__gte": day_start(day), f"{field}__lt": day_start(day + dt.timedelta(days=1))}
    )


@transaction.atomic
def recompute_day(*, day: dt.date) -> RebuildResult:
    """Recompute every row of one local day from that day's tickets and complaints."""
    started = time.perf_counter()
    on_day = day_expression(day=day)
    parts = {kind: [_grouped(_on_day(kind, day), kind, on_day)] for kind in KINDS}
    rows = _computed(parts)
    stored, deleted = _store(rows, stale=Q(date=day))
    cases_n = sum(r.count for r in rows[DailyTicketStat]) + sum(r.count for r in rows[DailyComplaintStat])
    return RebuildResult(stored, deleted, cases_n, time.perf_counter() - started)


def recompute_days(*, days: Iterable[dt.date]) -> RebuildResult:
    """Recompute several local days (each in its own transaction, in date order)."""
    return each_day(recompute_day, days)


def local_day(moment: dt.datetime | None) -> dt.date | None:
    """The local day of a case's timestamp (None stays None)."""
    return None if moment is None else moment.astimezone(local_tz()).date()


def days_of(*, ticket_ids: Iterable[int] = (), complaint_ids: Iterable[int] = (), customer_id: int | None = None,
            contract_id: int | None = None) -> set[dt.date]:  # fmt: skip
    """The local days the given cases (or a customer's / a contract's cases) are dated on."""
    days: set[dt.date] = set()
    for kind, ids in (("tickets", ticket_ids), ("complaints", complaint_ids)):
        model, field = KINDS[kind]
        qs = model.objects.order_by()
        ids = list(ids)
        if customer_id is not None:
            qs = qs.filter(contract__customer_id=customer_id)
        elif contract_id is not None:
            qs = qs.filter(contract_id=contract_id)
        elif not ids:
            continue
        for i in range(0, max(len(ids), 1), BATCH):
            part = qs.filter(pk__in=ids[i : i + BATCH]) if ids else qs
            days |= {local_day(moment) for moment in part.values_list(field, flat=True)}
    return days


def recompute_customer(*, customer_id: int) -> RebuildResult:
    """Move a customer's cases to its current segment: recompute every day it has tickets or complaints on."""
    return recompute_days(days=days_of(customer_id=customer_id))


@transaction.atomic
def rebuild_all() -> RebuildResult:
    """Recompute all four tables from every ticket and complaint (nightly, after bulk loads)."""
    started = time.perf_counter()
    # One transaction: readers see the old rows until the new ones are complete.
    deleted = sum(model.objects.all().delete()[0] for model in UNIQUE)
    rows = _computed({kind: _by_day_expression(cases(kind), kind) for kind in KINDS})
    for model, objs in rows.items():
        model.objects.bulk_create(objs, batch_size=BATCH)
    n = sum(r.count for r in rows[DailyTicketStat]) + sum(r.count for r in rows[DailyComplaintStat])
    return RebuildResult(sum(len(v) for v in rows.values()), deleted, n, time.perf_counter() - started)
