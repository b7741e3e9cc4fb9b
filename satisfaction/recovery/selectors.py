"""Reads for recovery cases: the queue (overdue first), one case with its customer's recent history, the figures."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils import timezone

from analytics.lib.stats import Interval, wilson_interval
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.recovery.models import RecoveryCase

OPEN_STATUSES = (RecoveryCase.Status.OPEN, RecoveryCase.Status.CONTACTED)
HISTORY_SIZE = 10


def recovery_case_list(*, now=None) -> QuerySet[RecoveryCase]:
    """Every case with its response, customer and people loaded: overdue first, then open by due time, closed last."""
    now = now or timezone.now()
    return (
        RecoveryCase.objects.select_related("record__service_type", "customer", "owner", "closed_by")
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
    )
    return RecoveryFigures(**row)
