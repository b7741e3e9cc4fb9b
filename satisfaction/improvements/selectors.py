"""Reads for the improvement loop: suggestions, measures with their flags, "my tasks", evaluation history."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from satisfaction.crm.models import segment_customer_ids
from satisfaction.improvements.models import (
    ImprovementMeasure,
    ImprovementSuggestion,
    ImprovementTask,
    MeasureEvaluation,
)

OPEN_MEASURE = (ImprovementMeasure.Status.PLANNED, ImprovementMeasure.Status.IN_PROGRESS)
OPEN_TASK = (ImprovementTask.Status.TODO, ImprovementTask.Status.IN_PROGRESS)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _overdue_task_q(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": OPEN_TASK, f"{prefix}due_date__lt": today})


def concerning(qs: QuerySet, *, service_type_code: str | None = None, segment_priority: int | None = None) -> QuerySet:
    """Suggestions or measures that concern a service type / segment: about it, or about no particular one (an
    overall suggestion concerns every service type); one about another service type, segment or a customer of
    another segment is left out."""
    if service_type_code:
        qs = qs.filter(Q(service_type__isnull=True) | Q(service_type__code=service_type_code))
    if segment_priority is not None:
        qs = qs.filter(Q(segment_priority__isnull=True) | Q(segment_priority=segment_priority)).filter(
            Q(customer__isnull=True) | Q(customer__in=segment_customer_ids(segment_priority))
        )
    return qs


def suggestion_list(
    *, status: str | None = None, service_type_code: str | None = None, segment_priority: int | None = None
) -> QuerySet[ImprovementSuggestion]:
    """Suggestions (`status=None`: all), highest priority and largest expected impact first; those concerning a
    service type / segment when given (`concerning`)."""
    qs = ImprovementSuggestion.objects.select_related("service_type", "customer", "decided_by")
    if status:
        qs = qs.filter(status=status)
    qs = concerning(qs, service_type_code=service_type_code, segment_priority=segment_priority)
    priority_rank = Case(When(priority="high", then=0), When(priority="medium", then=1), default=2)
    return qs.annotate(priority_rank=priority_rank).order_by("priority_rank", "-impact_points", "-created_at")


def measure_list(
    *,
    status: str | None = None,
    owner=None,
    open_only: bool = False,
    today: dt.date | None = None,
    service_type_code: str | None = None,
    segment_priority: int | None = None,
) -> QuerySet[ImprovementMeasure]:
    """Measures with task counts (cancelled tasks left out) and `overdue` / `has_overdue_tasks` flags, in one query.

    The one list of measures: the measures page, the API, the dashboard and the path page all read it.
    """
    today = _today(today)
    qs = ImprovementMeasure.objects.select_related("service_type", "customer", "owner", "suggestion")
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_MEASURE)
    if owner is not None:
        qs = qs.filter(owner=owner)
    qs = concerning(qs, service_type_code=service_type_code, segment_priority=segment_priority)
    return qs.annotate(
        task_count=Count("tasks", filter=~Q(tasks__status=ImprovementTask.Status.CANCELLED), distinct=True),
        open_task_count=Count("tasks", filter=Q(tasks__status__in=OPEN_TASK), distinct=True),
        done_task_count=Count("tasks", filter=Q(tasks__status=ImprovementTask.Status.DONE), distinct=True),
        overdue_task_count=Count("tasks", filter=_overdue_task_q(today, "tasks__"), distinct=True),
        overdue=Case(
            When(status__in=OPEN_MEASURE, target_date__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        has_overdue_tasks=Exists(ImprovementTask.objects.filter(_overdue_task_q(today), measure=OuterRef("pk"))),
    ).order_by(*ImprovementMeasure._meta.ordering)  # Meta.ordering is dropped from GROUP BY queries


def measure_tasks(*, measure: ImprovementMeasure, today: dt.date | None = None) -> QuerySet[ImprovementTask]:
    """A measure's tasks with an `overdue` flag, by due date."""
    return _with_task_flags(measure.tasks.select_related("assignee"), _today(today))


def _with_task_flags(qs: QuerySet[ImprovementTask], today: dt.date) -> QuerySet[ImprovementTask]:
    return qs.annotate(
        overdue=Case(When(_overdue_task_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def my_tasks(*, user, include_closed: bool = False, today: dt.date | None = None) -> QuerySet[ImprovementTask]:
    """Tasks assigned to `user` or belonging to measures `user` owns; overdue first, then by due date."""
    today = _today(today)
    qs = ImprovementTask.objects.filter(Q(assignee=user) | Q(measure__owner=user)).select_related(
        "measure", "measure__service_type", "measure__owner", "assignee"
    )
    if not include_closed:
        qs = qs.filter(status__in=OPEN_TASK, measure__status__in=OPEN_MEASURE)
    qs = _with_task_flags(qs, today).annotate(
        assigned_to_me=Case(When(assignee=user, then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    return qs.order_by("-overdue", "due_date", "id")


def overdue_tasks(*, today: dt.date | None = None) -> QuerySet[ImprovementTask]:
    """Open tasks past their due date, oldest first."""
    return (
        ImprovementTask.objects.filter(_overdue_task_q(_today(today)), measure__status__in=OPEN_MEASURE)
        .select_related("measure", "assignee")
        .order_by("due_date", "id")
    )


def measures_to_evaluate() -> QuerySet[ImprovementMeasure]:
    """Measures that have started and are not cancelled: the ones an effect evaluation makes sense for."""
    today = timezone.localdate()
    return (
        ImprovementMeasure.objects.filter(start_date__isnull=False, start_date__lte=today)
        .exclude(status__in=[ImprovementMeasure.Status.CANCELLED, ImprovementMeasure.Status.PLANNED])
        .select_related("service_type", "customer")
    )


def measure_evaluations(*, measure: ImprovementMeasure) -> QuerySet[MeasureEvaluation]:
    """A measure's evaluation history, newest first."""
    return MeasureEvaluation.objects.filter(measure=measure).order_by("-evaluated_at", "-id")


def task_list() -> QuerySet[ImprovementTask]:
    """Improvement tasks with their measure and assignee."""
    return ImprovementTask.objects.select_related("measure", "assignee")
