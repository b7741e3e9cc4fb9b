"""The improvement loop's write paths: suggestions decided, measures and tasks created, edited and progressed.

Forms, the API, the admin actions and the Celery tasks all call these functions.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import Level
from satisfaction.crm.models import Customer, ServiceType
from satisfaction.improvements.models import (
    Category,
    ImprovementMeasure,
    ImprovementSuggestion,
    ImprovementTask,
    MeasureEvaluation,
)

logger = logging.getLogger(__name__)

Measure = ImprovementMeasure
Task = ImprovementTask
Suggestion = ImprovementSuggestion

# Who computes the baseline KPIs of a measure's scope: the analytics app registers it at start-up,
# so this module does not import analytics (DESIGN §6).
_baseline_providers: list[Callable[[ImprovementMeasure], dict]] = []

# A dismissed suggestion comes back only when its evidence is this much worse (relative severity).
DISMISSED_RETURN_FACTOR = 1.25

MEASURE_TRANSITIONS = {
    Measure.Status.PLANNED: {Measure.Status.IN_PROGRESS, Measure.Status.DONE, Measure.Status.CANCELLED},
    Measure.Status.IN_PROGRESS: {Measure.Status.DONE, Measure.Status.CANCELLED, Measure.Status.PLANNED},
    Measure.Status.DONE: {Measure.Status.IN_PROGRESS},
    Measure.Status.CANCELLED: {Measure.Status.PLANNED},
}
MEASURE_EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "priority",
    "service_type",
    "customer",
    "segment_priority",
    "agent",
    "agent_name",
    "team",
    "owner",
    "start_date",
    "target_date",
    "expected_impact",
)
TASK_EDITABLE_FIELDS = ("title", "assignee", "due_date", "status", "progress")


def register_baseline_provider(func: Callable[[ImprovementMeasure], dict]):
    """Use `func(measure) -> dict` to capture a measure's baseline KPIs (the last one registered wins)."""
    if func not in _baseline_providers:
        _baseline_providers.append(func)
    return func


def _baseline_for(measure: ImprovementMeasure) -> dict:
    if not _baseline_providers:
        logger.warning("No baseline provider registered; measure %s starts without a baseline.", measure.pk)
        return {}
    return _baseline_providers[-1](measure)


def _check_scope(*, service_type, customer, segment_priority, agent=None, agent_name="", team=None) -> None:
    if sum(bool(target) for target in (agent, (agent_name or "").strip(), team)) > 1:
        raise ValidationError({"agent": _("Target one agent, one named handler or one team, not several.")})
    if segment_priority is not None and not 1 <= int(segment_priority) <= 5:
        raise ValidationError({"segment_priority": _("Segment priority must be 1–5.")})
    if service_type is not None and not isinstance(service_type, ServiceType):
        raise ValidationError({"service_type": _("Expected a service type.")})
    if customer is not None and not isinstance(customer, Customer):
        raise ValidationError({"customer": _("Expected a customer.")})


@transaction.atomic
def measure_create(
    *,
    title: str,
    category: str,
    priority: str = Level.MEDIUM,
    description: str = "",
    service_type: ServiceType | None = None,
    customer: Customer | None = None,
    segment_priority: int | None = None,
    agent=None,
    agent_name: str = "",
    team=None,
    owner=None,
    start_date: dt.date | None = None,
    target_date: dt.date | None = None,
    expected_impact: str = "",
    suggestion: ImprovementSuggestion | None = None,
    capture_baseline: bool = True,
) -> ImprovementMeasure:
    """Create a planned measure for a scope (and optionally an agent or team); its baseline KPIs are captured now."""
    _check_scope(
        service_type=service_type, customer=customer, segment_priority=segment_priority, agent=agent,
        agent_name=agent_name, team=team,
    )  # fmt: skip
    measure = Measure(
        title=(title or "").strip(),
        category=category,
        priority=priority,
        description=(description or "").strip(),
        service_type=service_type,
        customer=customer,
        segment_priority=segment_priority,
        agent=agent,
        agent_name=(agent_name or "").strip(),
        team=team,
        owner=owner,
        start_date=start_date,
        target_date=target_date,
        expected_impact=expected_impact or "",
        suggestion=suggestion,
    )
    measure.full_clean()
    measure.save()
    if capture_baseline:
        measure.baseline = _baseline_for(measure)
        measure.save(update_fields=["baseline", "updated_at"])
    return measure


@transaction.atomic
def measure_update(*, measure: ImprovementMeasure, data: dict) -> ImprovementMeasure:
    """Change the editable fields of a measure given in `data`; unknown fields are an error."""
    unknown = set(data) - set(MEASURE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be edited here.") for field in sorted(unknown)})
    scope_fields = ("service_type", "customer", "segment_priority", "agent", "agent_name", "team")
    merged = {f: data.get(f, getattr(measure, f)) for f in scope_fields}
    _check_scope(**merged)
    for field, value in data.items():
        setattr(measure, field, value.strip() if isinstance(value, str) else value)
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def measure_set_status(*, measure: ImprovementMeasure, status: str) -> ImprovementMeasure:
    """Move a measure along planned → in progress → done (or cancelled); starting it dates it today if undated."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if status == measure.status:
        return measure
    if status not in MEASURE_TRANSITIONS.get(measure.status, set()):
        raise ValidationError(
            {
                "status": _("A measure cannot go from %(old)s to '%(new)s'.")
                % {"old": measure.get_status_display(), "new": status}
            }
        )
    measure.status = status
    today = timezone.localdate()
    if status in (Measure.Status.IN_PROGRESS, Measure.Status.DONE) and measure.start_date is None:
        measure.start_date = today
    measure.completed_at = timezone.now() if status == Measure.Status.DONE else None
    measure.full_clean()
    measure.save()
    measure_recompute_progress(measure=measure)
    return measure


def _derived_progress(measure: ImprovementMeasure) -> int:
    # Cancelled tasks are out of scope; a done task counts fully whatever its progress field says.
    values = [
        100 if t.status == Task.Status.DONE else t.progress
        for t in measure.tasks.exclude(status=Task.Status.CANCELLED).only("status", "progress")
    ]
    if not values:
        return 100 if measure.status == Measure.Status.DONE else 0
    return round(sum(values) / len(values))


@transaction.atomic
def measure_recompute_progress(*, measure: ImprovementMeasure) -> int:
    """Set the measure's progress to the mean progress of its tasks that are not cancelled; returns it."""
    progress = _derived_progress(measure)
    Measure.objects.filter(pk=measure.pk).update(progress=progress, updated_at=timezone.now())
    measure.progress = progress
    return progress


def _normalise_task(task: ImprovementTask) -> None:
    if task.status == Task.Status.DONE:
        task.progress = 100
        task.completed_at = task.completed_at or timezone.now()
    else:
        task.completed_at = None
        if task.progress == 100 and task.status != Task.Status.CANCELLED:
            task.status = Task.Status.DONE
            task.completed_at = timezone.now()
        elif task.progress and task.status == Task.Status.TODO:
            task.status = Task.Status.IN_PROGRESS


def _validate_progress(progress) -> int:
    try:
        value = int(progress)
    except (TypeError, ValueError):
        raise ValidationError(
            {"progress": _("Progress must be a whole number 0–100, got '%(value)s'.") % {"value": progress}}
        ) from None
    if not 0 <= value <= 100:
        raise ValidationError({"progress": _("Progress must be 0–100, got %(value)s.") % {"value": value}})
    return value


@transaction.atomic
def task_create(
    *,
    measure: ImprovementMeasure,
    title: str,
    assignee=None,
    due_date: dt.date | None = None,
    status: str = Task.Status.TODO,
    progress: int = 0,
) -> ImprovementTask:
    """Add a task to a measure and refresh the measure's progress."""
    task = Task(
        measure=measure,
        title=(title or "").strip(),
        assignee=assignee,
        due_date=due_date,
        status=status,
        progress=_validate_progress(progress),
    )
    _normalise_task(task)
    task.full_clean()
    task.save()
    measure_recompute_progress(measure=measure)
    return task


@transaction.atomic
def task_update(*, task: ImprovementTask, data: dict) -> ImprovementTask:
    """Change a task's title, assignee, due date, status or progress; the measure's progress follows."""
    unknown = set(data) - set(TASK_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be edited here.") for field in sorted(unknown)})
    if "progress" in data:
        data = {**data, "progress": _validate_progress(data["progress"])}
    reopened = data.get("status") in (Task.Status.TODO, Task.Status.IN_PROGRESS) and "progress" not in data
    for field, value in data.items():
        setattr(task, field, value.strip() if isinstance(value, str) and field == "title" else value)
    if reopened and task.progress == 100:
        # Reopening a finished task means it is not finished: keep the status the user chose.
        task.progress = 90
    _normalise_task(task)
    task.full_clean()
    task.save()
    measure_recompute_progress(measure=task.measure)
    return task


def task_set_progress(*, task: ImprovementTask, progress: int) -> ImprovementTask:
    """Record progress on a task (100 marks it done)."""
    return task_update(task=task, data={"progress": progress})


def task_set_status(*, task: ImprovementTask, status: str) -> ImprovementTask:
    """Change a task's status (done sets progress to 100 and stamps completed_at)."""
    if status not in Task.Status.values:
        raise ValidationError({"status": _("Unknown task status '%(value)s'.") % {"value": status}})
    return task_update(task=task, data={"status": status})


def suggestion_measure_defaults(*, suggestion: ImprovementSuggestion, user) -> dict:
    """The measure a suggestion proposes, in the accepting manager's language; the page pre-fills its form
    with it and `suggestion_accept` starts from it."""
    description = "\n\n".join(
        part for part in (suggestion.localized("rationale"), suggestion.localized("actions")) if part
    )
    return {
        "title": suggestion.localized("title")[:250],
        "category": suggestion.category,
        "priority": suggestion.priority,
        "description": description,
        "service_type": suggestion.service_type,
        "customer": suggestion.customer,
        "segment_priority": suggestion.segment_priority,
        "owner": user,
        "expected_impact": suggestion.localized("expected_impact"),
    }


@transaction.atomic
def suggestion_accept(
    *, suggestion: ImprovementSuggestion, user, edits: Mapping[str, Any] | None = None
) -> ImprovementMeasure:
    """Accept a new suggestion: a measure from its proposal with the manager's `edits` (any editable measure
    field: title, dates, owner, …), its baseline captured now. The page and the API both accept through here."""
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.NEW:
        raise ValidationError(
            {
                "status": _("Only new suggestions can be accepted; this one is %(status)s.")
                % {"status": suggestion.get_status_display()}
            }
        )
    edits = dict(edits or {})
    unknown = set(edits) - set(MEASURE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be set when accepting.") for field in sorted(unknown)})
    if edits.get("owner", ...) is None:
        edits.pop("owner")  # no owner chosen: the accepting manager owns it
    measure = measure_create(
        **{**suggestion_measure_defaults(suggestion=suggestion, user=user), **edits}, suggestion=suggestion
    )
    suggestion.status = Suggestion.Status.ACCEPTED
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.full_clean()
    suggestion.save()
    return measure


@transaction.atomic
def suggestion_dismiss(*, suggestion: ImprovementSuggestion, user, reason: str) -> ImprovementSuggestion:
    """Dismiss a new suggestion with a reason; it returns only if its evidence gets clearly worse."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"dismissed_reason": _("Say why the suggestion is dismissed.")})
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != Suggestion.Status.NEW:
        raise ValidationError(
            {
                "status": _("Only new suggestions can be dismissed; this one is %(status)s.")
                % {"status": suggestion.get_status_display()}
            }
        )
    suggestion.status = Suggestion.Status.DISMISSED
    suggestion.dismissed_reason = reason
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    suggestion.full_clean()
    suggestion.save()
    return suggestion


SUGGESTION_CONTENT_FIELDS = (
    "priority",
    "category",
    "title_en",
    "title_zh",
    "rationale_en",
    "rationale_zh",
    "actions_en",
    "actions_zh",
    "expected_impact_en",
    "expected_impact_zh",
    "impact_points",
    "evidence",
)


@transaction.atomic
def suggestion_record(
    *,
    rule_code: str,
    scope_key: str,
    severity: float,
    content: dict,
    service_type: ServiceType | None = None,
    customer: Customer | None = None,
    segment_priority: int | None = None,
) -> tuple[ImprovementSuggestion, bool]:
    """Store what a rule found for a scope, deduplicated; returns `(suggestion, created)`.

    While a suggestion for the same rule and scope is new, it is refreshed with the latest evidence; while
    one is accepted nothing new is made; after a dismissal a new one is made only if `severity` is at least
    `DISMISSED_RETURN_FACTOR` times the dismissed one's.
    """
    unknown = set(content) - set(SUGGESTION_CONTENT_FIELDS)
    if unknown:
        raise ValidationError({field: _("Not a suggestion content field.") for field in sorted(unknown)})
    now = timezone.now()
    latest = (
        Suggestion.objects.select_for_update()
        .filter(rule_code=rule_code, scope_key=scope_key)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is not None and latest.status == Suggestion.Status.NEW:
        for field, value in content.items():
            setattr(latest, field, value)
        latest.severity = severity
        latest.last_seen_at = now
        latest.full_clean()
        latest.save()
        return latest, False
    if latest is not None and latest.status == Suggestion.Status.ACCEPTED:
        Suggestion.objects.filter(pk=latest.pk).update(last_seen_at=now)
        return latest, False
    dismissed = latest is not None and latest.status == Suggestion.Status.DISMISSED
    if dismissed and latest.severity is not None and severity < latest.severity * DISMISSED_RETURN_FACTOR:
        return latest, False
    suggestion = Suggestion(
        rule_code=rule_code,
        scope_key=scope_key,
        severity=severity,
        last_seen_at=now,
        service_type=service_type,
        customer=customer,
        segment_priority=segment_priority,
        **content,
    )
    suggestion.full_clean()
    suggestion.save()
    return suggestion, True


@transaction.atomic
def evaluation_record(*, measure: ImprovementMeasure, values: dict) -> MeasureEvaluation:
    """Keep one effect evaluation of a measure per evaluation day; a rerun the same day replaces that day's row."""
    evaluation = (
        MeasureEvaluation.objects.select_for_update().filter(measure=measure, after_end=values["after_end"]).first()
    ) or MeasureEvaluation(measure=measure)
    for field, value in values.items():
        setattr(evaluation, field, value)
    evaluation.evaluated_at = timezone.now()
    evaluation.full_clean()
    evaluation.save()
    return evaluation


__all__ = [
    "Category",
    "evaluation_record",
    "measure_create",
    "measure_recompute_progress",
    "measure_set_status",
    "measure_update",
    "register_baseline_provider",
    "suggestion_accept",
    "suggestion_dismiss",
    "suggestion_record",
    "task_create",
    "task_set_progress",
    "task_set_status",
    "task_update",
]
