"""Writes of the text analysis: analyse records (on write, in batch, or a rebuild) and store what was found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.text.analyser import TopicSpec, analyse, split_terms, version_of
from satisfaction.text.models import RecordTopic, TextAnalysis, Topic
from satisfaction.text.selectors import emptied_text

CHUNK = 2000


def active_topics() -> tuple[dict[str, int], tuple[TopicSpec, ...]]:
    """Active topics as the analyser sees them, and their ids by code (one query)."""
    rows = list(Topic.objects.filter(active=True).values_list("pk", "code", "keywords_en", "keywords_zh"))
    ids = {code: pk for pk, code, _, _ in rows}
    specs = tuple(TopicSpec(code, split_terms(en), split_terms(zh)) for _, code, en, zh in rows)
    return ids, specs


def current_version() -> str:
    """The version stamped on analyses made now (analyser rules + topic definitions)."""
    return version_of(active_topics()[1])


@transaction.atomic
def text_analyse_records(*, record_ids: Iterable[int]) -> int:
    """Analyse these records' texts and replace their stored analysis and topic mentions; returns how many."""
    ids, specs = active_topics()
    version = version_of(specs)
    now = timezone.now()
    done = 0
    record_ids = list(record_ids)
    for start in range(0, len(record_ids), CHUNK):
        part = record_ids[start : start + CHUNK]
        texts = dict(SatisfactionRecord.objects.filter(pk__in=part).values_list("pk", "feedback"))
        analyses, mentions = [], []
        for pk, text in texts.items():
            result = analyse(text, specs)
            analyses.append(
                TextAnalysis(
                    record_id=pk,
                    language=result.language,
                    sentiment=result.sentiment,
                    sentiment_score=result.score,
                    keywords=result.keywords,
                    analyser_version=version,
                    analysed_at=now,
                )
            )
            mentions += [RecordTopic(record_id=pk, topic_id=ids[c], terms=t) for c, t in result.topics.items()]
        TextAnalysis.objects.bulk_create(
            analyses,
            update_conflicts=True,
            unique_fields=["record"],
            update_fields=["language", "sentiment", "sentiment_score", "keywords", "analyser_version", "analysed_at"],
        )
        RecordTopic.objects.filter(record_id__in=list(texts)).delete()
        RecordTopic.objects.bulk_create(mentions)
        done += len(texts)
    return done


def text_rebuild(
    *, since: dt.datetime | None = None, stale_only: bool = False, progress: Callable[[int, int], None] | None = None
) -> int:
    """Analyse every record (created since `since`; only those not at the current version when `stale_only`)."""
    # A text emptied by the erasure or retention of personal data keeps the reading made while it was there.
    qs = SatisfactionRecord.objects.order_by("pk").exclude(emptied_text())
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if stale_only:
        qs = qs.exclude(text_analysis__analyser_version=current_version())
    ids = list(qs.values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), CHUNK * 5):
        done += text_analyse_records(record_ids=ids[start : start + CHUNK * 5])
        if progress:
            progress(done, len(ids))
    if progress and not ids:
        progress(0, 0)
    return done
