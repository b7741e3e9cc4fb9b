"""Writes of the text pre-aggregates: analysed texts and topic mentions per snapshot bucket.

`DailyTextStat` and `DailyTopicStat` share the bucket key of `DailySatisfactionStat` (local day, service type,
current segment, self-rated), so a topic row of any scope without a customer filter is read from a few hundred
rows instead of a join over every record. `analytics.lib.snapshots` calls these functions wherever it recomputes
its own buckets (a record saved or changed, a segment change, the nightly rebuild), and the text analysis calls
them back through its after-analysis hooks; like the daily snapshots, every write recomputes from the raw rows,
upserts on the bucket key and deletes buckets left without rows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, F, Q, QuerySet, Sum

from analytics.lib.metrics import segment_expression
from analytics.models import DailyTextStat, DailyTopicStat
from satisfaction.feedback.kpis import HUNDREDTH, SUM_OUTPUT, TENTH, exact_decimal
from satisfaction.text.models import RecordTopic, TextAnalysis
from satisfaction.text.selectors import analysed_text

BATCH = 5_000
BUCKET_FIELDS = ("date", "service_type_id", "segment_priority", "self_rated")
TEXT_KEY = ("day", "service_type_id", "segment", "self_rated")
TOPIC_KEY = (*TEXT_KEY, "topic_id")
TOPIC_SUMS = ("count", "negative", "score_sum", "score_sq_sum")

# A day expression over a timestamp field: built by `snapshots` (one local day, a fixed offset, or TIME_ZONE).
DayExpression = Callable[[str], object]


def grouped_texts(records: QuerySet, day: DayExpression) -> QuerySet:
    """Analysed texts of `records` per bucket (the meaning of `analysed_text`, as on every surface)."""
    return (
        records.order_by()
        .filter(analysed_text())
        .annotate(day=day("created_at"), segment=segment_expression())
        .values(*TEXT_KEY)
        .annotate(texts=Count("pk"))
    )


def grouped_topics(records: QuerySet, day: DayExpression) -> QuerySet:
    """Topic mentions of `records` per bucket and topic: count, negative ones and the records' score sums."""
    return (
        RecordTopic.objects.filter(record__in=records.order_by().values("pk"))
        .annotate(
            day=day("record__created_at"),
            segment=segment_expression("record__customer_id"),
            service_type_id=F("record__service_type_id"),
            self_rated=F("record__self_rated"),
        )
        .values(*TOPIC_KEY)
        .annotate(
            count=Count("record_id"),
            negative=Count("record_id", filter=Q(record__text_analysis__sentiment=TextAnalysis.Sentiment.NEGATIVE)),
            score_sum=Sum("record__score", output_field=SUM_OUTPUT),
            score_sq_sum=Sum(F("record__score") * F("record__score"), output_field=SUM_OUTPUT),
        )
        .order_by()
    )


def merged(rows, key: tuple[str, ...], sums: tuple[str, ...]) -> list[dict]:
    """Rows of the same bucket summed up (offset spans can split a local day at a DST change)."""
    out: dict[tuple, dict] = {}
    for row in rows:
        k = tuple(row[f] for f in key)
        if k in out:
            for name in sums:
                out[k][name] = (out[k][name] or 0) + (row[name] or 0)
        else:
            out[k] = dict(row)
    return list(out.values())


def _bucket(row: dict) -> dict:
    return {
        "date": row["day"],
        "service_type_id": row["service_type_id"],
        "segment_priority": row["segment"],
        "self_rated": row["self_rated"],
    }


def store(texts, topics, stale: Q | None) -> tuple[int, int]:
    """Upsert grouped texts and topic rows; delete rows matching `stale` whose bucket got none. (stored, deleted)"""
    text_stats = [DailyTextStat(**_bucket(r), texts=r["texts"]) for r in texts]
    topic_stats = [
        DailyTopicStat(
            **_bucket(r),
            topic_id=r["topic_id"],
            count=r["count"],
            negative=r["negative"],
            score_sum=exact_decimal(r["score_sum"], TENTH),
            score_sq_sum=exact_decimal(r["score_sq_sum"], HUNDREDTH),
        )
        for r in topics
    ]
    DailyTextStat.objects.bulk_create(
        text_stats,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["date", "service_type", "segment_priority", "self_rated"],
        update_fields=["texts", "computed_at"],
    )
    DailyTopicStat.objects.bulk_create(
        topic_stats,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["date", "service_type", "segment_priority", "self_rated", "topic"],
        update_fields=[*TOPIC_SUMS, "computed_at"],
    )
    deleted = 0
    if stale is not None:
        for model, stats, extra in ((DailyTextStat, text_stats, ()), (DailyTopicStat, topic_stats, ("topic_id",))):
            fields = (*BUCKET_FIELDS, *extra)
            keep = {tuple(getattr(s, f) for f in fields) for s in stats}
            gone = [pk for pk, *key in model.objects.filter(stale).values_list("pk", *fields) if tuple(key) not in keep]
            for i in range(0, len(gone), BATCH):
                deleted += model.objects.filter(pk__in=gone[i : i + BATCH]).delete()[0]
    return len(text_stats) + len(topic_stats), deleted


def recompute(records: QuerySet, day: DayExpression, stale: Q) -> tuple[int, int]:
    """Recompute the text and topic rows of the buckets `stale` selects from their `records`."""
    return store(grouped_texts(records, day), grouped_topics(records, day), stale)


def clear(since=None) -> int:
    """Delete every text and topic row (from local day `since` on): the first step of a rebuild."""
    deleted = 0
    for model in (DailyTextStat, DailyTopicStat):
        qs = model.objects.all() if since is None else model.objects.filter(date__gte=since)
        deleted += qs.delete()[0]
    return deleted
