"""Writes of the daily snapshot table: recompute one bucket, one day, some records' buckets, or everything.

Every function recomputes from the raw records, so each is idempotent and safe to repeat or run late.
Rows are upserted on the bucket key and buckets that no longer have records are deleted, so two workers
recomputing the same bucket at once cannot collide on the unique key.

A customer's segment is its lowest contact priority *now*. When a contact's priority changes (or a contact
is added or removed), the customer's past records belong to another segment: `recompute_customer` moves
them (the `recompute_customer_snapshots` task), and the nightly full rebuild repairs anything missed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from analytics.metrics import HUNDREDTH, RAW_SUMS, TENTH, day_start, exact_decimal, local_tz, segment_filter
from analytics.models import NO_SEGMENT, DailySatisfactionStat
from satisfaction.models import Customer, SatisfactionRecord, segment_priority_subquery

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


def _grouped(records):
    """Aggregate records into snapshot rows (local day, service type, current segment, self-rated)."""
    return (
        records.order_by()
        .annotate(
            day=TruncDate("created_at", tzinfo=local_tz()),
            segment=Coalesce(segment_priority_subquery("customer_id"), NO_SEGMENT),
        )
        .values("day", "service_type_id", "segment", "self_rated")
        .annotate(**RAW_SUMS)
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


def _store(records, stale: Q | None) -> RebuildResult:
    """Upsert the aggregates of `records`; delete rows matching `stale` whose bucket got no records."""
    started = time.perf_counter()
    stats = [_to_stat(row) for row in _grouped(records)]
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


@transaction.atomic
def rebuild_all() -> RebuildResult:
    """Recompute the whole snapshot table from the raw records (nightly, and after bulk loads)."""
    started = time.perf_counter()
    # One transaction: readers see the old table until the new one is complete.
    deleted, _ = DailySatisfactionStat.objects.all().delete()
    result = _store(SatisfactionRecord.objects.all(), stale=None)
    logger.debug("Rebuilt %s snapshot buckets from %s records", result.buckets, result.records)
    return RebuildResult(result.buckets, deleted, result.records, time.perf_counter() - started)


@transaction.atomic
def recompute_day(*, day: dt.date) -> RebuildResult:
    """Recompute every bucket of one local day."""
    return _store(_day_records(day), stale=Q(date=day))


@transaction.atomic
def recompute_bucket(*, day: dt.date, service_type_id: int, segment_priority: int) -> RebuildResult:
    """Recompute one (day, service type, segment) bucket, both self-rated flags."""
    records = _day_records(day).filter(service_type_id=service_type_id).filter(segment_filter(segment_priority))
    return _store(records, stale=Q(date=day, service_type_id=service_type_id, segment_priority=segment_priority))


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
