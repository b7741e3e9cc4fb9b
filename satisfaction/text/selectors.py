"""Reads of the text analysis: the comments behind a topic, a record's topics."""

from django.db.models import Prefetch, Q, QuerySet

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.text.models import RecordTopic, Topic


def analysed_text(prefix: str = "") -> Q:
    """Records whose text was analysed: one meaning for every share of texts (topics page, report, widget).

    A record counts when it has an analysis and either has text, or had text that the erasure or the retention of
    personal data emptied: its analysis keeps the language, topics and sentiment read from it, so shares of texts
    do not move when the words themselves are removed. An analysis of no text has the language "other".
    """
    analysis = f"{prefix}text_analysis"
    return Q(**{f"{analysis}__isnull": False}) & (
        ~Q(**{f"{prefix}feedback": ""}) | ~Q(**{f"{analysis}__language": "other"})
    )


def emptied_text() -> Q:
    """Records whose text was emptied after it was analysed (erasure, retention): a new analysis would lose it."""
    return Q(feedback="", text_analysis__isnull=False) & ~Q(text_analysis__language="other")


def topics_in_order() -> QuerySet:
    """Active topics in display order."""
    return Topic.objects.filter(active=True).order_by("position", "code")


def records_mentioning(records: QuerySet, topic: Topic) -> QuerySet:
    """Those of `records` whose text mentions `topic`, newest first, with the analysis and matched terms."""
    return (
        records.filter(text_topics__topic=topic)
        .select_related("customer", "service_type", "text_analysis")
        .prefetch_related(Prefetch("text_topics", queryset=RecordTopic.objects.filter(topic=topic), to_attr="hits"))
        .order_by("-created_at", "-pk")
    )


def topics_of_record(record_id: int) -> list[Topic]:
    """The topics a record's text mentions."""
    return list(Topic.objects.filter(mentions__record_id=record_id).order_by("position"))


__all__ = [
    "SatisfactionRecord",
    "analysed_text",
    "emptied_text",
    "records_mentioning",
    "topics_in_order",
    "topics_of_record",
]
