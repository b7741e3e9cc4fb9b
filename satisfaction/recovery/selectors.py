"""Reads for recovery cases: the queue (overdue first), one case with its customer's recent history, the figures."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.lib.stats import Interval, wilson_interval
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.recovery.models import RecoveryCase

OPEN_STATUSES = (RecoveryCase.Status.OPEN, RecoveryCase.Status.CONTACTED)
HISTORY_SIZE = 10
SATISFIED_AFTER = 4  # a re-survey answer of 4 or 5 (of 1–5) counts as satisfied, as a ticket rating does


def recovery_case_list(*, now=None) -> QuerySet[RecoveryCase]:
    """Every case with its response, customer and people loaded: overdue first, then open by due time, closed last."""
    now = now or timezone.now()
    return (
        RecoveryCase.objects.select_related(
            "record__service_type", "customer", "owner", "closed_by", "root_cause_topic", "resurvey__contact"
        )
        .annotate(
            overdue=ExpressionWrapper(Q(status__in=OPEN_STATUSES, due_at__lt=now), output_field=BooleanField()),
            rank=Case(
                When(status__in=OPEN_STATUSES, due_at__lt=now, then=Value(0)),
                When(status__in=OPEN_STATUSES, then=Value(1)),
                default=Value(2),
            ),
            attempt_count=Count("attempts"),
        )
        .order_by("rank", "due_at", "id")
    )


def recovery_case_detail(*, case_id: int) -> RecoveryCase:
    """One case with its attempts and the alerts of its response; raises DoesNotExist."""
    return (
        recovery_case_list()
        .prefetch_related("attempts__by", "record__alerts")
        .select_related("record__ticket", "record__complaint")
        .get(pk=case_id)
    )


def customer_recent_records(*, customer_id: int, limit: int = HISTORY_SIZE) -> QuerySet[SatisfactionRecord]:
    """The customer's latest responses, for the case page."""
    return (
        SatisfactionRecord.objects.filter(customer_id=customer_id)
        .select_related("service_type")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclasses.dataclass(frozen=True)
class RecoveryFigures:
    """The loop in numbers for cases opened in [start, end): how many, how fast, how many won back."""

    opened: int
    open: int
    overdue: int
    # Of the cases whose due time has passed or that were reached: reached by the due time.
    sla_base: int
    contacted_in_sla: int
    closed: int
    recovered: int
    # Re-surveys sent on closing as recovered, how many were answered, their sum and how many said 4 or 5.
    resurveyed: int = 0
    rescored: int = 0
    recovery_score_sum: int = 0
    rescored_satisfied: int = 0

    @property
    def avg_recovery_score(self) -> float | None:
        return self.recovery_score_sum / self.rescored if self.rescored else None

    @property
    def rescored_satisfied_interval(self) -> Interval | None:
        return wilson_interval(self.rescored_satisfied, self.rescored) if self.rescored else None

    @property
    def sla_rate(self) -> float | None:
        return self.contacted_in_sla / self.sla_base if self.sla_base else None

    @property
    def sla_interval(self) -> Interval | None:
        return wilson_interval(self.contacted_in_sla, self.sla_base) if self.sla_base else None

    @property
    def recovery_rate(self) -> float | None:
        return self.recovered / self.closed if self.closed else None

    @property
    def recovery_interval(self) -> Interval | None:
        return wilson_interval(self.recovered, self.closed) if self.closed else None


def recovery_figures(*, start: dt.datetime | None = None, end: dt.datetime | None = None, now=None) -> RecoveryFigures:
    """Counts of the cases opened in the window (every case when no window), aggregated in one query."""
    now = now or timezone.now()
    qs = RecoveryCase.objects.all()
    if start is not None:
        qs = qs.filter(opened_at__gte=start)
    if end is not None:
        qs = qs.filter(opened_at__lt=end)
    still_open = Q(status__in=OPEN_STATUSES)
    reached = Q(first_contact_at__isnull=False)
    row = qs.aggregate(
        opened=Count("id"),
        open=Count("id", filter=still_open),
        overdue=Count("id", filter=still_open & Q(due_at__lt=now)),
        sla_base=Count("id", filter=reached | Q(due_at__lt=now)),
        contacted_in_sla=Count("id", filter=reached & Q(first_contact_at__lte=F("due_at"))),
        closed=Count("id", filter=Q(status=RecoveryCase.Status.CLOSED)),
        recovered=Count("id", filter=Q(outcome=RecoveryCase.Outcome.RECOVERED)),
        resurveyed=Count("id", filter=Q(resurvey__isnull=False)),
        rescored=Count("id", filter=Q(resurvey__recovery_score__isnull=False)),
        recovery_score_sum=Coalesce(Sum("resurvey__recovery_score"), 0),
        rescored_satisfied=Count("id", filter=Q(resurvey__recovery_score__gte=SATISFIED_AFTER)),
    )
    return RecoveryFigures(**row)


def root_cause_counts(*, start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[dict]:
    """Closed cases (opened in the window) per root-cause topic, most frequent first; cases with only a text
    root cause are counted under `topic` None."""
    qs = RecoveryCase.objects.filter(status=RecoveryCase.Status.CLOSED).exclude(
        outcome=RecoveryCase.Outcome.UNREACHABLE
    )
    if start is not None:
        qs = qs.filter(opened_at__gte=start)
    if end is not None:
        qs = qs.filter(opened_at__lt=end)
    rows = (
        qs.values("root_cause_topic__code", "root_cause_topic__label_en", "root_cause_topic__label_zh")
        .annotate(cases=Count("id"), recovered=Count("id", filter=Q(outcome=RecoveryCase.Outcome.RECOVERED)))
        .order_by("-cases", "root_cause_topic__code")
    )
    return [
        {"topic": r["root_cause_topic__code"], "label_en": r["root_cause_topic__label_en"],
         "label_zh": r["root_cause_topic__label_zh"], "cases": r["cases"], "recovered": r["recovered"]}
        for r in rows
    ]  # fmt: skip
