"""Writes of the daily snapshot table: recompute one bucket, one day, some records' buckets, or everything.

Every function recomputes from the raw records, so each is idempotent and safe to repeat or run late.
Rows are upserted on the bucket key and buckets that no longer have records are deleted, so two workers
recomputing the same bucket at once cannot collide on the unique key.

A customer's segment is its lowest contact priority *now*. When a contact's priority changes (or a contact
is added, removed or moved to another customer), the customer's past records belong to another segment:
`recompute_customer` moves them (the `recompute_customer_snapshots` task, sent on commit by every contact
write path through the segment-change hook of `satisfaction.crm.services`), and the nightly full rebuild
repairs anything missed.

Every recompute here also recomputes the text pre-aggregates of the same buckets (`text_snapshots`: analysed
texts and topic mentions), and `rebuild_texts` redoes them alone after the texts were analysed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, DateField, Func, Max, Min, Q, Sum, Value
from django.db.models.functions import TruncDate

from analytics.lib import text_snapshots
from analytics.lib.metrics import segment_expression, segment_filter
from analytics.models import NO_SEGMENT, DailySatisfactionStat
from core.localtime import day_start, event_window, local_tz
from satisfaction.crm.models import Customer, segment_priority_subquery
from satisfaction.feedback.kpis import HUNDREDTH, KPI_SUMS, TENTH, exact_decimal
from satisfaction.feedback.models import SatisfactionRecord

logger = logging.getLogger(__name__)

BUCKET_FIELDS = ("date", "service_type_id", "segment_priority", "self_rated")
VALUE_FIELDS = ("count", "score_sum", "score_sq_sum", "satisfied", "high_satisfied", "dissatisfied")
BATCH = 5_000


@dataclass(frozen=True)
class RebuildResult:
    """What a recompute wrote: buckets stored, buckets deleted, records covered, seconds taken."""

    buckets: int
    deleted: int
    records: int
    seconds: float


def each_day(recompute_day, days) -> RebuildResult:
    """`recompute_day(day=…)` for each local day once, in date order (each in its own transaction), summed."""
    started = time.perf_counter()
    buckets = deleted = records = 0
    for day in sorted(set(days)):
        part = recompute_day(day=day)
        buckets, deleted, records = buckets + part.buckets, deleted + part.deleted, records + part.records
    return RebuildResult(buckets, deleted, records, time.perf_counter() - started)


class FixedOffsetDate(Func):
    """SQLite: the date of a UTC timestamp shifted by a fixed number of minutes, computed natively."""

    output_field = DateField()

    def __init__(self, expression, minutes: int):
        super().__init__(expression)
        self.minutes = int(minutes)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.minutes:+d} minutes')", params


def offset_spans(first: dt.datetime, last: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Split [first, last] into spans where TIME_ZONE has one UTC offset: (start, end exclusive, minutes)."""
    tz = local_tz()

    def offset(moment):
        return int(moment.astimezone(tz).utcoffset().total_seconds() // 60)

    spans, start, step = [], first, dt.timedelta(hours=6)
    current = offset(start)
    probe = start
    while probe <= last:
        nxt = min(probe + step, last + dt.timedelta(seconds=1))
        if offset(nxt) != current:
            # Offsets change on whole seconds: bisect over epoch seconds to the first one with the new offset.
            lo, hi = math.floor(probe.timestamp()), math.ceil(nxt.timestamp())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(dt.datetime.fromtimestamp(mid, dt.UTC)) == current else (lo, mid)
            hi = dt.datetime.fromtimestamp(hi, dt.UTC)
            spans.append((start, hi, current))
            start, current = hi, offset(hi)
        probe = nxt
        if nxt > last:
            break
    spans.append((start, last + dt.timedelta(seconds=1), current))
    return spans


def day_expression(day: dt.date | None = None, minutes: int | None = None):
    """The local day of a timestamp field, as a function of the field's name.

    `day` when all records are of one local day; `minutes` when they share one UTC offset (SQLite fast path);
    otherwise the database converts each timestamp to TIME_ZONE.
    """
    if day is not None:
        return lambda field: Value(day, output_field=DateField())
    if minutes is not None:
        return lambda field: FixedOffsetDate(field, minutes)
    return lambda field: TruncDate(field, tzinfo=local_tz())


def _grouped(records, day):
    """Aggregate records into snapshot rows (local day, service type, current segment, self-rated)."""
    return (
        records.order_by()
        .annotate(day=day("created_at"), segment=segment_expression())
        .values("day", "service_type_id", "segment", "self_rated")
        .annotate(**KPI_SUMS)
    )


def _to_stat(row: dict) -> DailySatisfactionStat:
    return DailySatisfactionStat(
        date=row["day"],
        service_type_id=row["service_type_id"],
        segment_priority=row["segment"],
        self_rated=row["self_rated"],
        count=row["count"],
        score_sum=exact_decimal(row["score_sum"], TENTH),
        score_sq_sum=exact_decimal(row["score_sq_sum"], HUNDREDTH),
        satisfied=row["satisfied"],
        high_satisfied=row["high_satisfied"],
        dissatisfied=row["dissatisfied"],
    )


def _store(grouped, stale: Q | None) -> RebuildResult:
    """Upsert grouped aggregates; delete rows matching `stale` whose bucket got no records."""
    started = time.perf_counter()
    stats = [_to_stat(row) for row in grouped]
    DailySatisfactionStat.objects.bulk_create(
        stats,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["date", "service_type", "segment_priority", "self_rated"],
        update_fields=[*VALUE_FIELDS, "computed_at"],
    )
    deleted = 0
    if stale is not None:
        keep = {tuple(getattr(s, f) for f in BUCKET_FIELDS) for s in stats}
        gone = [
            pk
            for pk, *key in DailySatisfactionStat.objects.filter(stale).values_list("pk", *BUCKET_FIELDS)
            if tuple(key) not in keep
        ]
        for i in range(0, len(gone), BATCH):
            deleted += DailySatisfactionStat.objects.filter(pk__in=gone[i : i + BATCH]).delete()[0]
    return RebuildResult(len(stats), deleted, sum(s.count for s in stats), time.perf_counter() - started)


def _day_records(day: dt.date):
    return SatisfactionRecord.objects.filter(
        created_at__gte=day_start(day), created_at__lt=day_start(day + dt.timedelta(days=1))
    )


def _plausible_records():
    # Only plausible instants: a stray year-1 or year-9999 row stored before the services checked dates must
    # not stop (or slow down) every night's rebuild; it is left out of the snapshots and logged.
    first, last = event_window()
    records = SatisfactionRecord.objects.filter(created_at__gte=first, created_at__lte=last)
    outside = SatisfactionRecord.objects.exclude(created_at__gte=first, created_at__lte=last).count()
    if outside:
        logger.warning("Snapshot rebuild left out %s records dated outside %s – %s", outside, first, last)
    return records


def _by_span(records, grouper) -> list[dict]:
    """`grouper(records, day_expression)` over every record, then the rows of each bucket merged by the caller."""
    if connection.vendor != "sqlite":
        return list(grouper(records, day_expression()))
    # SQLite converts time zones in Python, row by row; per span of constant UTC offset it can stay native.
    bounds = records.aggregate(first=Min("created_at"), last=Max("created_at"))
    rows = []
    if bounds["first"] is not None:
        for lo, hi, minutes in offset_spans(bounds["first"], bounds["last"]):
            span = records.filter(created_at__gte=lo, created_at__lt=hi)
            rows.extend(grouper(span, day_expression(minutes=minutes)))
    return rows


def _rebuild_texts(records) -> int:
    texts = text_snapshots.merged(_by_span(records, text_snapshots.grouped_texts), text_snapshots.TEXT_KEY, ("texts",))
    topics = text_snapshots.merged(
        _by_span(records, text_snapshots.grouped_topics), text_snapshots.TOPIC_KEY, text_snapshots.TOPIC_SUMS
    )
    return text_snapshots.store(texts, topics, stale=None)[0]


@transaction.atomic
def rebuild_all() -> RebuildResult:
    """Recompute the whole snapshot table from the raw records (nightly, and after bulk loads)."""
    started = time.perf_counter()
    # One transaction: readers see the old table until the new one is complete.
    deleted, _ = DailySatisfactionStat.objects.all().delete()
    text_snapshots.clear()
    records = _plausible_records()
    # Spans can split one local day (a DST change): merge rows of the same bucket.
    grouped = _merge(_by_span(records, _grouped))
    result = _store(grouped, stale=None)
    _rebuild_texts(records)
    logger.debug("Rebuilt %s snapshot buckets from %s records", result.buckets, result.records)
    return RebuildResult(result.buckets, deleted, result.records, time.perf_counter() - started)


@transaction.atomic
def rebuild_texts(*, since: dt.date | None = None) -> int:
    """Recompute the text and topic rows (from local day `since` on) after texts were analysed again."""
    text_snapshots.clear(since)
    records = _plausible_records()
    if since is not None:
        records = records.filter(created_at__gte=day_start(since))
    return _rebuild_texts(records)


def _merge(rows) -> list[dict]:
    return text_snapshots.merged(rows, text_snapshots.TEXT_KEY, tuple(KPI_SUMS))


@transaction.atomic
def recompute_day(*, day: dt.date) -> RebuildResult:
    """Recompute every bucket of one local day."""
    records, on_day = _day_records(day), day_expression(day=day)
    text_snapshots.recompute(records, on_day, stale=Q(date=day))
    return _store(_grouped(records, on_day), stale=Q(date=day))


@transaction.atomic
def recompute_bucket(*, day: dt.date, service_type_id: int, segment_priority: int) -> RebuildResult:
    """Recompute one (day, service type, segment) bucket, both self-rated flags."""
    records = _day_records(day).filter(service_type_id=service_type_id).filter(segment_filter(segment_priority))
    stale = Q(date=day, service_type_id=service_type_id, segment_priority=segment_priority)
    on_day = day_expression(day=day)
    text_snapshots.recompute(records, on_day, stale=stale)
    return _store(_grouped(records, on_day), stale=stale)


@transaction.atomic
def recompute_for_records(*, record_ids: list[int]) -> RebuildResult:
    """Recompute the buckets the given records fall in (after recording or importing feedback)."""
    started = time.perf_counter()
    tz = local_tz()
    rows = (
        SatisfactionRecord.objects.filter(pk__in=record_ids)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tz), segment=segment_priority_subquery("customer_id"))
        .values_list("day", "service_type_id", "segment")
        .distinct()
    )
    buckets = {(day, st, NO_SEGMENT if seg is None else seg) for day, st, seg in rows}
    days = {b[0] for b in buckets}
    total = RebuildResult(0, 0, 0, 0.0)
    # Many buckets on a day (a bulk import): one query for the day beats one per bucket.
    for day in sorted(days):
        day_buckets = [b for b in buckets if b[0] == day]
        if len(day_buckets) > 3:
            parts = [recompute_day(day=day)]
        else:
            parts = [recompute_bucket(day=d, service_type_id=st, segment_priority=seg) for d, st, seg in day_buckets]
        for part in parts:
            total = RebuildResult(
                total.buckets + part.buckets, total.deleted + part.deleted, total.records + part.records, 0.0
            )
    return RebuildResult(total.buckets, total.deleted, total.records, time.perf_counter() - started)


@transaction.atomic
def recompute_customer(*, customer_id: int) -> RebuildResult:
    """Recompute every day a customer has records on (after its segment priority changed)."""
    started = time.perf_counter()
    if not Customer.objects.filter(pk=customer_id).exists():
        return RebuildResult(0, 0, 0, 0.0)
    tz = local_tz()
    days = (
        SatisfactionRecord.objects.filter(customer_id=customer_id)
        .order_by()
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values_list("day", flat=True)
        .distinct()
    )
    buckets = deleted = records = 0
    for day in sorted(set(days)):
        part = recompute_day(day=day)
        buckets, deleted, records = buckets + part.buckets, deleted + part.deleted, records + part.records
    return RebuildResult(buckets, deleted, records, time.perf_counter() - started)


def snapshot_lag() -> dict:
    """Records vs snapshot totals: a cheap consistency check for monitoring (two queries)."""
    raw = SatisfactionRecord.objects.aggregate(n=Count("id"))["n"]
    snap = DailySatisfactionStat.objects.aggregate(n=Sum("count"))["n"] or 0
    return {"records": raw, "snapshot_records": snap, "missing": raw - snap}
