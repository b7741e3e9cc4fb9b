"""Measures, tasks, progress derivation, overdue flags, "my tasks" and the accept/dismiss flows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from satisfaction.improvements import selectors as sel
from satisfaction.improvements import services as svc
from satisfaction.improvements.models import Category, ImprovementMeasure, ImprovementSuggestion, ImprovementTask
from satisfaction.tests.factories import CustomerFactory, RecordFactory, SuggestionFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _measure(**kwargs):
    return svc.measure_create(title="Train the legal team", category=Category.TRAINING, **kwargs)


def test_measure_create_validates_and_names_the_field():
    with pytest.raises(ValidationError) as exc:
        svc.measure_create(title="", category=Category.TRAINING)
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _measure(start_date=TODAY, target_date=TODAY - dt.timedelta(days=1))
    assert exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _measure(segment_priority=7)
    assert "segment_priority" in exc.value.message_dict


def test_measure_update_changes_allowed_fields_only(manager_user):
    measure = _measure()
    svc.measure_update(measure=measure, data={"title": "  Coach reviewers ", "owner": manager_user})
    measure.refresh_from_db()
    assert (measure.title, measure.owner) == ("Coach reviewers", manager_user)
    with pytest.raises(ValidationError) as exc:
        svc.measure_update(measure=measure, data={"progress": 80})
    assert "progress" in exc.value.message_dict


def test_measure_status_flow_dates_start_and_completion():
    measure = _measure()
    measure = svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.IN_PROGRESS)
    assert measure.start_date == TODAY
    measure = svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.DONE)
    assert measure.completed_at is not None
    with pytest.raises(ValidationError):
        svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.CANCELLED)
    measure = svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.IN_PROGRESS)
    assert measure.completed_at is None


def test_progress_is_the_mean_of_tasks_not_cancelled():
    measure = _measure()
    a = svc.task_create(measure=measure, title="Write the checklist", progress=50)
    b = svc.task_create(measure=measure, title="Run two workshops")
    c = svc.task_create(measure=measure, title="Old idea", progress=10)
    measure.refresh_from_db()
    assert measure.progress == round((50 + 0 + 10) / 3)
    svc.task_set_status(task=c, status=ImprovementTask.Status.CANCELLED)
    measure.refresh_from_db()
    assert measure.progress == 25  # (50 + 0) / 2
    svc.task_set_status(task=b, status=ImprovementTask.Status.DONE)
    measure.refresh_from_db()
    assert measure.progress == 75  # (50 + 100) / 2
    a = svc.task_set_progress(task=a, progress=100)
    assert a.status == ImprovementTask.Status.DONE and a.completed_at is not None
    measure.refresh_from_db()
    assert measure.progress == 100


def test_task_progress_moves_status_and_rejects_out_of_range():
    measure = _measure()
    task = svc.task_create(measure=measure, title="Draft")
    task = svc.task_set_progress(task=task, progress=30)
    assert task.status == ImprovementTask.Status.IN_PROGRESS
    for bad in (-1, 101, "lots"):
        with pytest.raises(ValidationError) as exc:
            svc.task_set_progress(task=task, progress=bad)
        assert "progress" in exc.value.message_dict
    task = svc.task_set_status(task=task, status=ImprovementTask.Status.DONE)
    task = svc.task_set_status(task=task, status=ImprovementTask.Status.IN_PROGRESS)
    assert task.progress < 100 and task.completed_at is None


def test_overdue_flags_for_tasks_and_measures():
    late = _measure(start_date=TODAY - dt.timedelta(days=30), target_date=TODAY - dt.timedelta(days=1))
    on_time = _measure(target_date=TODAY + dt.timedelta(days=10))
    svc.task_create(measure=late, title="Late", due_date=TODAY - dt.timedelta(days=2))
    svc.task_create(measure=late, title="Done late", due_date=TODAY - dt.timedelta(days=2), status="done")
    svc.task_create(measure=on_time, title="Fine", due_date=TODAY + dt.timedelta(days=2))
    rows = {m.pk: m for m in sel.measure_list()}
    assert rows[late.pk].overdue and rows[late.pk].has_overdue_tasks and rows[late.pk].overdue_task_count == 1
    assert not rows[on_time.pk].overdue and not rows[on_time.pk].has_overdue_tasks
    assert late.is_overdue and not on_time.is_overdue
    assert [t.title for t in sel.overdue_tasks()] == ["Late"]
    assert [t.overdue for t in sel.measure_tasks(measure=late)] == [True, False]


def test_my_tasks_shows_assigned_and_owned_overdue_first():
    me, other = UserFactory(username="me"), UserFactory(username="other")
    mine = _measure(owner=me)
    theirs = _measure(owner=other)
    svc.task_create(measure=theirs, title="Assigned to me", assignee=me, due_date=TODAY + dt.timedelta(days=5))
    svc.task_create(measure=mine, title="Under my measure", assignee=other, due_date=TODAY - dt.timedelta(days=1))
    svc.task_create(measure=theirs, title="Not mine", assignee=other)
    svc.task_create(measure=mine, title="Finished", assignee=me, status="done")
    rows = list(sel.my_tasks(user=me))
    assert [t.title for t in rows] == ["Under my measure", "Assigned to me"]
    assert [t.overdue for t in rows] == [True, False]
    assert [t.assigned_to_me for t in rows] == [False, True]
    assert len(sel.my_tasks(user=me, include_closed=True)) == 3


def test_accept_creates_a_prefilled_measure_with_baseline(manager_user, service_types):
    legal = service_types["legal_consultation"]
    customer = CustomerFactory()
    for score in ("4.5", "3.0", "2.0", "4.0"):
        RecordFactory(customer=customer, service_type=legal, score=Decimal(score))
    suggestion = SuggestionFactory(
        service_type=legal,
        priority="high",
        category=Category.TRAINING,
        rationale_en="Legal consultation is at 50.0%.",
        actions_en="Coach the team.",
        expected_impact_en="+2.1 points",
    )
    measure = svc.suggestion_accept(suggestion=suggestion, user=manager_user)
    suggestion.refresh_from_db()
    assert suggestion.status == ImprovementSuggestion.Status.ACCEPTED and suggestion.decided_by == manager_user
    assert (measure.service_type, measure.priority, measure.category) == (legal, "high", Category.TRAINING)
    assert measure.owner == manager_user and measure.suggestion == suggestion
    assert "Coach the team." in measure.description and measure.expected_impact == "+2.1 points"
    # 2 of the 4 legal records score >= 4; mean (4.5 + 3 + 2 + 4) / 4.
    assert measure.baseline["count"] == 4
    assert measure.baseline["satisfaction_rate"] == pytest.approx(0.5)
    assert measure.baseline["avg_score"] == pytest.approx(13.5 / 4)
    with pytest.raises(ValidationError):
        svc.suggestion_accept(suggestion=suggestion, user=manager_user)


def test_dismiss_needs_a_reason_and_only_new_suggestions(manager_user):
    suggestion = SuggestionFactory()
    with pytest.raises(ValidationError) as exc:
        svc.suggestion_dismiss(suggestion=suggestion, user=manager_user, reason="  ")
    assert "dismissed_reason" in exc.value.message_dict
    svc.suggestion_dismiss(suggestion=suggestion, user=manager_user, reason="Seasonal dip")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.dismissed_reason) == ("dismissed", "Seasonal dip")
    with pytest.raises(ValidationError):
        svc.suggestion_dismiss(suggestion=suggestion, user=manager_user, reason="again")


def _record(severity, **overrides):
    content = {"category": Category.PROCESS, "title_en": f"Severity {severity}", **overrides}
    return svc.suggestion_record(
        rule_code="slow_response", scope_key="service:data_analysis", severity=severity, content=content
    )


def test_suggestion_record_dedupes_while_new_or_accepted(manager_user):
    first, created = _record(10.0)
    assert created
    again, created = _record(12.0)
    assert not created and again.pk == first.pk and again.severity == 12.0 and again.title_en == "Severity 12.0"
    svc.suggestion_accept(suggestion=first, user=manager_user)
    _, created = _record(40.0)
    assert not created
    assert ImprovementSuggestion.objects.count() == 1


def test_dismissed_suggestion_returns_only_when_clearly_worse(manager_user):
    first, _ = _record(10.0)
    svc.suggestion_dismiss(suggestion=first, user=manager_user, reason="Known issue")
    _, created = _record(11.0)
    assert not created
    back, created = _record(10.0 * svc.DISMISSED_RETURN_FACTOR)
    assert created and back.status == ImprovementSuggestion.Status.NEW
    assert ImprovementSuggestion.objects.count() == 2


def test_accept_prefills_in_the_managers_language(manager_user):
    suggestion = SuggestionFactory(
        title_en="Speed up", title_zh="加快响应", actions_en="Set an SLA.", actions_zh="设定 SLA。"
    )
    with translation.override("zh-hans"):
        measure = svc.suggestion_accept(suggestion=suggestion, user=manager_user)
    assert measure.title == "加快响应" and "设定 SLA。" in measure.description


def test_a_measure_done_without_tasks_is_complete():
    measure = _measure()
    measure = svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.DONE)
    assert measure.progress == 100
