"""Pre-aggregates of the sub-metrics (response time, accuracy, completeness) for the drivers on large scopes.

Two tables, both keyed like the daily snapshots (local day, service type, current segment, self-rated):
- `DailySubMetricStat`: per bucket, how many records carry each sub-metric and their sum — exact means and n;
- `SubMetricSample`: a fixed 1-in-16 sample of the records (chosen by a hash of the id, so the same record is
  always in or out) with its score and sub-metrics — Spearman needs ranks, which do not add up over buckets,
  so on large scopes the correlation is estimated from the sample, with its stated error (`analytics.lib.drivers`).

Every function recomputes from the raw records, so each is idempotent; they run with the snapshot recomputes
(the same tasks and the nightly rebuild), and a day is always rewritten whole.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, DateField, ExpressionWrapper, F, Max, Min, QuerySet, Sum, Value
from django.db.models.functions import TruncDate

from analytics.lib.metrics import Scope, segment_expression, snapshot_rows
from analytics.lib.snapshots import FixedOffsetDate, RebuildResult, each_day, offset_spans
from analytics.models import DailySubMetricStat, SubMetricSample
from core.localtime import day_start, event_window, local_tz
from satisfaction.feedback.models import SatisfactionRecord

BATCH = 5_000
# The sample: records whose multiplicative hash of the id (Knuth's constant, modulo 2^32) falls in the lowest
# sixteenth. A hash, not `id % 16`: ids follow the order records were loaded in, and a stride could follow a pattern.
SAMPLE_RATE = 16
HASH_MULTIPLIER = 2_654_435_761
HASH_MODULUS = 2**32
HASH_BELOW = HASH_MODULUS // SAMPLE_RATE

SUMS = {
    "records": Count("id"),
    "response_n": Count("response_time_hours"),
    "response_sum": Sum("response_time_hours"),
    "accuracy_n": Count("accuracy_score"),
    "accuracy_sum": Sum("accuracy_score"),
    "completeness_n": Count("completeness_score"),
    "completeness_sum": Sum("completeness_score"),
}
SAMPLE_FIELDS = ("score", "response_time_hours", "accuracy_score", "completeness_score")


def in_sample(record_id: int) -> bool:
    """Whether a record belongs to the fixed sample (the same test the database applies)."""
    return (record_id * HASH_MULTIPLIER) % HASH_MODULUS < HASH_BELOW


def _sampled(records: QuerySet) -> QuerySet:
    hashed = ExpressionWrapper(F("id") * HASH_MULTIPLIER % HASH_MODULUS, output_field=BigIntegerField())
    return records.annotate(id_hash=hashed).filter(id_hash__lt=HASH_BELOW)


def _day_expression(day: dt.date | None, minutes: int | None):
    if day is not None:
        return Value(day, output_field=DateField())
    if minutes is not None:
        return FixedOffsetDate("created_at", minutes)
    return TruncDate("created_at", tzinfo=local_tz())


def _annotated(records: QuerySet, day: dt.date | None, minutes: int | None) -> QuerySet:
    return records.order_by().annotate(day=_day_expression(day, minutes), segment=segment_expression())


def _day_sums(records: QuerySet, *, day: dt.date | None = None, minutes: int | None = None) -> list[dict]:
    grouped = _annotated(records, day, minutes).values("day", "service_type_id", "segment", "self_rated")
    return list(grouped.annotate(**SUMS))


def _write_sums(rows: list[dict]) -> int:
    """Insert day-sum rows (their old rows must be gone), adding up rows of one bucket first: SQLite's spans of
    one UTC offset can split a local day (a DST change)."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = (row["day"], row["service_type_id"], row["segment"], row["self_rated"])
        into = merged.setdefault(key, dict.fromkeys(SUMS, 0))
        for name in SUMS:
            into[name] += row[name] or 0
    stats = [
        DailySubMetricStat(date=d, service_type_id=st, segment_priority=seg, self_rated=sr, **sums)
        for (d, st, seg, sr), sums in merged.items()
    ]
    DailySubMetricStat.objects.bulk_create(stats, batch_size=BATCH)
    return len(stats)


def _write_sample(records: QuerySet, *, day: dt.date | None = None, minutes: int | None = None) -> int:
    """Insert the sample rows of `records` (their old rows must be gone)."""
    columns = ("pk", "day", "service_type_id", "segment", "self_rated", *SAMPLE_FIELDS)
    sample = [
        SubMetricSample(
            record_id=pk, date=day_, service_type_id=st, segment_priority=seg, self_rated=self_rated,
            score=float(score), response_time_hours=rt, accuracy_score=acc, completeness_score=comp,
        )
        for pk, day_, st, seg, self_rated, score, rt, acc, comp in _sampled(
            _annotated(records, day, minutes)
        ).values_list(*columns).iterator(chunk_size=BATCH)
    ]  # fmt: skip
    SubMetricSample.objects.bulk_create(sample, batch_size=BATCH)
    return len(sample)


@transaction.atomic
def rebuild_all() -> RebuildResult:
    """Recompute both tables from every plausible record (with the nightly snapshot rebuild)."""
    started = time.perf_counter()
    deleted = DailySubMetricStat.objects.all().delete()[0]
    SubMetricSample.objects.all().delete()
    first, last = event_window()
    records = SatisfactionRecord.objects.filter(created_at__gte=first, created_at__lte=last)
    rows = []
    if connection.vendor == "sqlite":
        # As the snapshots: SQLite converts time zones in Python row by row; per span of one offset it stays native.
        bounds = records.aggregate(first=Min("created_at"), last=Max("created_at"))
        if bounds["first"] is not None:
            for lo, hi, minutes in offset_spans(bounds["first"], bounds["last"]):
                span = records.filter(created_at__gte=lo, created_at__lt=hi)
                rows += _day_sums(span, minutes=minutes)
                _write_sample(span, minutes=minutes)
    else:
        rows = _day_sums(records)
        _write_sample(records)
    buckets = _write_sums(rows)
    return RebuildResult(buckets, deleted, sum(r["records"] for r in rows), time.perf_counter() - started)


@transaction.atomic
def recompute_day(*, day: dt.date) -> RebuildResult:
    """Rewrite one local day of both tables."""
    started = time.perf_counter()
    deleted = DailySubMetricStat.objects.filter(date=day).delete()[0]
    SubMetricSample.objects.filter(date=day).delete()
    records = SatisfactionRecord.objects.filter(
        created_at__gte=day_start(day), created_at__lt=day_start(day + dt.timedelta(days=1))
    )
    rows = _day_sums(records, day=day)
    buckets = _write_sums(rows)
    _write_sample(records, day=day)
    return RebuildResult(buckets, deleted, sum(r["records"] for r in rows), time.perf_counter() - started)


def _local_days(records: QuerySet) -> set[dt.date]:
    tz = local_tz()
    return set(records.order_by().annotate(day=TruncDate("created_at", tzinfo=tz)).values_list("day", flat=True))


def recompute_for_records(*, record_ids: list[int]) -> RebuildResult:
    """Rewrite the days the given records fall on (after recording or importing feedback)."""
    return each_day(recompute_day, _local_days(SatisfactionRecord.objects.filter(pk__in=record_ids)))


def recompute_customer(*, customer_id: int) -> RebuildResult:
    """Rewrite every day a customer has records on (after its segment priority changed)."""
    return each_day(recompute_day, _local_days(SatisfactionRecord.objects.filter(customer_id=customer_id)))


# --- reads ------------------------------------------------------------------------------------------------------


def _scoped(model, scope: Scope) -> QuerySet:
    if not scope.snapshot_ok:
        raise ValueError("the sub-metric pre-aggregates have no customer dimension: read the records")
    return snapshot_rows(scope, model)  # the same bucket key as the daily snapshots


def sums_by_service_type(scope: Scope) -> dict[int, dict]:
    """Per service type id: records, and per sub-metric how many carry it and their sum, over a scope (one query)."""
    rows = _scoped(DailySubMetricStat, scope).values("service_type_id").annotate(**{k: Sum(k) for k in SUMS})
    return {row.pop("service_type_id"): row for row in rows}


def sample_rows(scope: Scope) -> list[tuple]:
    """(service type id, score, response time, accuracy, completeness) of the sampled records in a scope."""
    return list(_scoped(SubMetricSample, scope).values_list("service_type_id", *SAMPLE_FIELDS))
