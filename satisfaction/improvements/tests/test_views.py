"""Suggestions, measures, tasks and My tasks in the browser's HTTP terms."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from satisfaction.improvements.models import ImprovementMeasure, ImprovementSuggestion, ImprovementTask
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_accept_opens_a_prefilled_form_and_creates_the_edited_measure(client, manager_user, service_types):
    suggestion = f.SuggestionFactory(
        title_en="Raise legal consultation", service_type=service_types["legal_consultation"], priority="high",
        rationale_en="Legal is at 77%", actions_en="Train the team", expected_impact_en="+4 points",
    )  # fmt: skip
    client.force_login(manager_user)
    modal = client.get(reverse("suggestion-accept", args=[suggestion.pk]), **HTMX)
    html = modal.content.decode()
    assert 'data-testid="accept-modal"' in html and 'value="Raise legal consultation"' in html
    assert modal.context["form"].initial["service_type"] == service_types["legal_consultation"].pk

    target = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    data = {"title": "Legal coaching programme", "category": "training", "priority": "high",
            "description": "Legal is at 77%", "service_type": service_types["legal_consultation"].pk,
            "owner": manager_user.pk, "target_date": target}  # fmt: skip
    response = client.post(reverse("suggestion-accept", args=[suggestion.pk]), data, **HTMX)
    measure = ImprovementMeasure.objects.get()
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("measure-detail", args=[measure.pk])
    assert measure.title == "Legal coaching programme" and measure.suggestion == suggestion
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.decided_by == manager_user


def test_accept_with_bad_input_keeps_the_suggestion_new(client, manager_user):
    suggestion = f.SuggestionFactory()
    client.force_login(manager_user)
    response = client.post(reverse("suggestion-accept", args=[suggestion.pk]), {"title": "", "category": "x"}, **HTMX)
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == "new" and not ImprovementMeasure.objects.exists()


def test_dismiss_needs_a_reason(client, manager_user):
    suggestion = f.SuggestionFactory()
    client.force_login(manager_user)
    client.post(reverse("suggestion-dismiss", args=[suggestion.pk]), {"reason": ""})
    suggestion.refresh_from_db()
    assert suggestion.status == "new"
    client.post(reverse("suggestion-dismiss", args=[suggestion.pk]), {"reason": "Seasonal, not structural"})
    suggestion.refresh_from_db()
    assert suggestion.status == "dismissed" and suggestion.dismissed_reason == "Seasonal, not structural"


def test_tasks_inline_drive_measure_progress_and_my_tasks(client, manager_user, staff_user):
    measure = f.MeasureFactory(owner=manager_user)
    client.force_login(manager_user)
    for title in ("Write checklist", "Run training"):
        client.post(reverse("measure-detail", args=[measure.pk]),
                    {"action": "add_task", "title": title, "assignee": staff_user.pk})  # fmt: skip
    first, second = ImprovementTask.objects.order_by("pk")
    row = client.post(reverse("task-update", args=[first.pk]), {"status": "done"}, **HTMX)
    assert row.status_code == 200 and f'id="task-{first.pk}"' in row.content.decode()
    client.post(reverse("task-update", args=[second.pk]), {"progress": 50}, **HTMX)
    measure.refresh_from_db()
    assert measure.progress == 75  # (100 + 50) / 2
    bad = client.post(reverse("task-update", args=[second.pk]), {"progress": 150}, **HTMX)
    assert bad.status_code == 422

    client.force_login(staff_user)  # the assignee sees and updates their own tasks
    mine = client.get(reverse("my-tasks"))
    assert [t.title for t in mine.context["tasks"]] == ["Run training"]
    assert client.post(reverse("task-update", args=[second.pk]), {"progress": 80}, **HTMX).status_code == 200
    other = ImprovementTask.objects.create(measure=f.MeasureFactory(), title="Not mine")
    assert client.post(reverse("task-update", args=[other.pk]), {"progress": 10}).status_code == 403


def test_measure_create_edit_and_status(client, manager_user):
    client.force_login(manager_user)
    response = client.post(reverse("measure-create"), {"title": "Faster replies", "category": "process",
                                                        "priority": "medium", "owner": manager_user.pk})  # fmt: skip
    measure = ImprovementMeasure.objects.get()
    assert response["Location"] == reverse("measure-detail", args=[measure.pk])
    client.post(reverse("measure-detail", args=[measure.pk]), {"action": "status", "status": "in_progress"})
    measure.refresh_from_db()
    assert measure.status == "in_progress" and measure.start_date == timezone.localdate()
    page = client.get(reverse("measure-detail", args=[measure.pk]))
    assert page.status_code == 200 and 'data-testid="evaluation-card"' in page.content.decode()
    assert client.get(reverse("suggestion-list")).status_code == 200
    assert client.get(reverse("measure-list")).status_code == 200
    assert ImprovementSuggestion.objects.count() == 0
