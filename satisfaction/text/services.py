"""Writes of the text analysis: analyse records (on write, in batch, or a rebuild) and store what was found."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.text.analyser import TopicSpec, analyse, split_terms, version_of
from satisfaction.text.discovery import CJK, unmatched_comments
from satisfaction.text.models import RecordTopic, TextAnalysis, Topic
from satisfaction.text.selectors import emptied_text

CHUNK = 2000

# Callables run after an analysis commits, so what is derived from it (the topic pre-aggregates of analytics)
# follows; analytics registers them, so this module does not import it. `after_records(record_ids)` follows an
# analysis of some records; `after_rebuild(since)` follows a rebuild of every record created since `since`
# (None: all), which is cheaper to follow with one recompute than with one per chunk.
_after_records_hooks: list[Callable[[list[int]], Any]] = []
_after_rebuild_hooks: list[Callable[[dt.datetime | None], Any]] = []


def register_analysis_hooks(*, after_records=None, after_rebuild=None) -> None:
    """Subscribe to analyses of some records and to rebuilds (each once, however often it is registered)."""
    for hooks, func in ((_after_records_hooks, after_records), (_after_rebuild_hooks, after_rebuild)):
        if func is not None and func not in hooks:
            hooks.append(func)


def active_topics() -> tuple[dict[str, int], tuple[TopicSpec, ...]]:
    """Active topics as the analyser sees them, and their ids by code (one query)."""
    rows = list(Topic.objects.filter(active=True).values_list("pk", "code", "keywords_en", "keywords_zh"))
    ids = {code: pk for pk, code, _, _ in rows}
    specs = tuple(TopicSpec(code, split_terms(en), split_terms(zh)) for _, code, en, zh in rows)
    return ids, specs


def current_version() -> str:
    """The version stamped on analyses made now (analyser rules + topic definitions)."""
    return version_of(active_topics()[1])


ANALYSIS_FIELDS = ["language", "sentiment", "sentiment_score", "keywords", "analyser_version", "analysed_at"]


def _upsert_sql() -> tuple[str, str]:
    """The two statements of a store: upsert analyses on the record, insert topic mentions.

    Plain `executemany`: at a million rows, building model instances and compiling `bulk_create` cost more than
    the analysis itself. Both SQLite and PostgreSQL take `ON CONFLICT … DO UPDATE`.
    """
    q = connection.ops.quote_name
    json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    analysis_columns = ["record_id", *ANALYSIS_FIELDS]
    values = ", ".join(json if c == "keywords" else "%s" for c in analysis_columns)
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in ANALYSIS_FIELDS)
    analyses = (
        f"INSERT INTO {q(TextAnalysis._meta.db_table)} ({', '.join(map(q, analysis_columns))}) VALUES ({values}) "
        f"ON CONFLICT ({q('record_id')}) DO UPDATE SET {updates}"
    )
    mentions = (
        f"INSERT INTO {q(RecordTopic._meta.db_table)} ({q('record_id')}, {q('topic_id')}, {q('terms')}) "
        f"VALUES (%s, %s, {json})"
    )
    return analyses, mentions


def _store(texts: list[tuple[int, str]], topics: tuple[dict[str, int], tuple[TopicSpec, ...]], now) -> None:
    """Analyse (pk, text) pairs and replace their stored analysis and topic mentions."""
    ids, specs = topics
    version = version_of(specs)
    at = connection.ops.adapt_datetimefield_value(now)
    analyses, mentions = [], []
    for pk, text in texts:
        result = analyse(text, specs)
        # JSON as JSONField writes it (json.dumps with its defaults), so rows read back the same either way.
        analyses.append((pk, result.language, result.sentiment, result.score, json.dumps(result.keywords), version, at))
        mentions += [(pk, ids[c], json.dumps(t)) for c, t in result.topics.items()]
    analyses_sql, mentions_sql = _upsert_sql()
    RecordTopic.objects.filter(record_id__in=[pk for pk, _ in texts]).delete()
    with connection.cursor() as cursor:
        cursor.executemany(analyses_sql, analyses)
        if mentions:
            cursor.executemany(mentions_sql, mentions)


@transaction.atomic
def text_analyse_records(*, record_ids: Iterable[int]) -> int:
    """Analyse these records' texts and replace their stored analysis and topic mentions; returns how many."""
    topics, now = active_topics(), timezone.now()
    record_ids = list(record_ids)
    done = []
    for start in range(0, len(record_ids), CHUNK):
        part = record_ids[start : start + CHUNK]
        texts = list(SatisfactionRecord.objects.filter(pk__in=part).values_list("pk", "feedback"))
        _store(texts, topics, now)
        done += [pk for pk, _ in texts]
    if done:
        for hook in _after_records_hooks:
            transaction.on_commit(lambda hook=hook: hook(done))
    return len(done)


def text_rebuild(
    *, since: dt.datetime | None = None, stale_only: bool = False, progress: Callable[[int, int], None] | None = None
) -> int:
    """Analyse every record (created since `since`; only those not at the current version when `stale_only`).

    Reads the records in chunks by primary key and commits each chunk, so memory stays flat and an interrupted
    rebuild keeps what it did (`--stale` resumes it); the after-rebuild hooks run once at the end."""
    # A text emptied by the erasure or retention of personal data keeps the reading made while it was there.
    qs = SatisfactionRecord.objects.order_by("pk").exclude(emptied_text())
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    topics = active_topics()
    if stale_only:
        qs = qs.exclude(text_analysis__analyser_version=version_of(topics[1]))
    total = qs.count()
    done, last_pk, now = 0, 0, timezone.now()
    if progress:
        progress(0, total)
    while True:
        texts = list(qs.filter(pk__gt=last_pk).values_list("pk", "feedback")[:CHUNK])
        if not texts:
            break
        with transaction.atomic():
            _store(texts, topics, now)
        done, last_pk = done + len(texts), texts[-1][0]
        if progress:
            progress(done, max(total, done))
    for hook in _after_rebuild_hooks:
        hook(since)
    return done


def _merged(existing: str, terms: list[str]) -> str:
    return "\n".join(dict.fromkeys([*split_terms(existing), *terms]))


@transaction.atomic
def topic_keep(
    *, terms: Iterable[str], label_en: str = "", label_zh: str = "", code: str = "", add_to: Topic | str | None = None
) -> Topic:
    """Keep a discovered theme as a topic: its terms become the topic's keywords (Chinese ones in `keywords_zh`),
    named by the manager in both languages; or, with `add_to` (a topic or its code), add them to that topic
    (themes come one language at a time, since Chinese and English comments share no terms).

    The recent unmatched comments are analysed again on commit so the topic shows at once; `analyse_feedback`
    brings older records up to date."""
    terms = [t.strip() for t in terms if t and t.strip()]
    label_en, label_zh = (label_en or "").strip(), (label_zh or "").strip()
    errors = {}
    if not terms:
        errors["terms"] = _("Keep at least one term.")
    if add_to not in (None, ""):
        topic = add_to if isinstance(add_to, Topic) else Topic.objects.filter(code=str(add_to)).first()
        if topic is None:
            errors["add_to"] = _("Choose a topic from the list.")
        if errors:
            raise ValidationError(errors)
        topic.keywords_en = _merged(topic.keywords_en, [t for t in terms if not CJK.search(t)])
        topic.keywords_zh = _merged(topic.keywords_zh, [t for t in terms if CJK.search(t)])
        topic.full_clean()
        topic.save(update_fields=["keywords_en", "keywords_zh"])
        _reanalyse_on_commit()
        return topic
    if not label_en:
        errors["label_en"] = _("Name the topic in English.")
    if not label_zh:
        errors["label_zh"] = _("Name the topic in Chinese.")
    code = slugify(code or label_en)[:40].replace("-", "_")
    if not code and not errors:
        errors["code"] = _("Give the topic a code of letters, digits or underscores.")
    elif Topic.objects.filter(code=code).exists():
        errors["code"] = _("A topic with this code exists already.")
    if errors:
        raise ValidationError(errors)
    topic = Topic(
        code=code,
        label_en=label_en,
        label_zh=label_zh,
        keywords_en="\n".join(t for t in terms if not CJK.search(t)),
        keywords_zh="\n".join(t for t in terms if CJK.search(t)),
        kind=Topic.Kind.DISCOVERED,
        position=(Topic.objects.aggregate(last=Max("position"))["last"] or 0) + 1,
    )
    topic.full_clean()
    topic.save()
    _reanalyse_on_commit()
    return topic


def _reanalyse_on_commit() -> None:
    from core.on_commit import send_on_commit
    from satisfaction.text.tasks import analyse_unmatched

    send_on_commit(analyse_unmatched)


def text_analyse_unmatched() -> int:
    """Analyse again the recent comments that matched no topic (what a new topic can change)."""
    return text_analyse_records(record_ids=[row[0] for row in unmatched_comments()])
