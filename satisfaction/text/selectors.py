"""Reads of the text analysis: the comments behind a topic, a record's topics."""

from django.db.models import Prefetch, QuerySet

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.text.models import RecordTopic, Topic


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


__all__ = ["SatisfactionRecord", "records_mentioning", "topics_in_order", "topics_of_record"]
