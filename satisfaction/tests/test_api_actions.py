"""API actions that go through the services: alerts, the watch list, suggestions, measures and tasks."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.improvements.models import ImprovementMeasure, ImprovementSuggestion, ImprovementTask
from satisfaction.tests import factories as f


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def alert(db):
    customer = f.CustomerFactory(name="Huaxin")
    return SatisfactionAlert.objects.create(kind="low_score", severity="high", dedupe_key="low:1", customer=customer)


ALERT_ROUTES = [
    ("/api/v1/alerts/", "/api/v1/alerts/{pk}/{action}/"),
    (
        "/api/v1/enterprise-satisfaction/satisfaction/alerts",
        "/api/v1/enterprise-satisfaction/satisfaction/alerts/{pk}/{action}",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("list_url", "action_url"), ALERT_ROUTES)
def test_alert_lifecycle(manager, manager_user, alert, list_url, action_url):
    listed = manager.get(list_url, {"unresolved": "true"})
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [alert.pk]

    acknowledge = action_url.format(pk=alert.pk, action="acknowledge")
    acknowledged = manager.post(acknowledge)
    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_by"] == {"id": manager_user.pk, "username": manager_user.username}
    again = manager.post(acknowledge)
    assert again.status_code == 400 and "status" in again.json()

    resolve = action_url.format(pk=alert.pk, action="resolve")
    no_note = manager.post(resolve, {}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()
    resolved = manager.post(resolve, {"note": "Called the customer."}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolution_note == "Called the customer." and alert.resolved_by_id
    assert manager.get(list_url, {"unresolved": "true"}).json()["count"] == 0


@pytest.mark.django_db
def test_staff_cannot_act_on_alerts(staff_user, alert):
    api = APIClient()
    api.force_authenticate(staff_user)
    assert api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert api.get("/api/v1/enterprise-satisfaction/satisfaction/alerts").status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"


@pytest.mark.django_db
def test_watchlist_add_assign_and_remove(manager, manager_user, db):
    customer = f.CustomerFactory()
    other_manager = f.UserFactory(username="other", role="manager")
    added = manager.post("/api/v1/watchlist/", {"customer": customer.pk, "note": " Low scores "}, format="json")
    assert added.status_code == 201
    entry = added.json()
    assert entry["reason"] == "manual" and entry["note"] == "Low scores" and entry["is_active"] is True
    assert entry["owner"]["id"] == manager_user.pk
    twice = manager.post("/api/v1/watchlist/", {"customer": customer.pk}, format="json")
    assert twice.status_code == 400 and "customer" in twice.json()

    owned = manager.post(f"/api/v1/watchlist/{entry['id']}/assign-owner/", {"owner": other_manager.pk}, format="json")
    assert owned.status_code == 200 and owned.json()["owner"]["id"] == other_manager.pk

    assert manager.get("/api/v1/customers/", {"on_watchlist": "true"}).json()["count"] == 1
    no_note = manager.post(f"/api/v1/watchlist/{entry['id']}/remove/", {}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()
    removed = manager.post(f"/api/v1/watchlist/{entry['id']}/remove/", {"note": "Recovered"}, format="json")
    assert removed.status_code == 200 and removed.json()["is_active"] is False
    assert WatchlistEntry.objects.get(pk=entry["id"]).removal_note == "Recovered"
    assert manager.get("/api/v1/watchlist/", {"active": "true"}).json()["count"] == 0
    assert manager.get("/api/v1/customers/", {"on_watchlist": "true"}).json()["count"] == 0


@pytest.mark.django_db
def test_accept_and_dismiss_suggestions(manager, manager_user, service_types):
    suggestion = f.SuggestionFactory(service_type=service_types["legal_consultation"], priority="high")
    accepted = manager.post(
        f"/api/v1/suggestions/{suggestion.pk}/accept/", {"target_date": "2027-01-31"}, format="json"
    )
    assert accepted.status_code == 201
    measure = accepted.json()
    assert measure["suggestion"] == suggestion.pk and measure["title"] == suggestion.title_en
    assert measure["service_type"] == "legal_consultation" and measure["priority"] == "high"
    assert measure["target_date"] == "2027-01-31" and measure["owner"]["id"] == manager_user.pk
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"
    assert manager.post(f"/api/v1/suggestions/{suggestion.pk}/accept/", {}, format="json").status_code == 400

    other = f.SuggestionFactory()
    no_reason = manager.post(f"/api/v1/suggestions/{other.pk}/dismiss/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    dismissed = manager.post(f"/api/v1/suggestions/{other.pk}/dismiss/", {"reason": "Covered"}, format="json")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert manager.get("/api/v1/suggestions/", {"status": "new"}).json()["count"] == 0


@pytest.mark.django_db
def test_improve_from_scratch_and_from_a_suggestion(manager, manager_user, service_types):
    url = "/api/v1/enterprise-satisfaction/satisfaction/improve"
    missing = manager.post(url, {}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"title", "category"}
    backwards = manager.post(
        url,
        {"title": "x", "category": "training", "start_date": "2026-12-01", "target_date": "2026-11-01"},
        format="json",
    )
    assert backwards.status_code == 400 and list(backwards.json()) == ["target_date"]

    made = manager.post(
        url, {"title": " Coach the legal team ", "category": "training", "segment_priority": 1}, format="json"
    )
    assert made.status_code == 201
    body = made.json()
    assert body["title"] == "Coach the legal team" and body["status"] == "planned" and body["segment_priority"] == 1
    assert body["owner"]["id"] == manager_user.pk

    suggestion = f.SuggestionFactory(category="communication")
    from_suggestion = manager.post(url, {"suggestion": suggestion.pk}, format="json")
    assert from_suggestion.status_code == 201
    assert from_suggestion.json()["category"] == "communication"
    assert from_suggestion.json()["suggestion"] == suggestion.pk
    assert ImprovementSuggestion.objects.get(pk=suggestion.pk).status == "accepted"
    assert ImprovementMeasure.objects.count() == 2

    staff = APIClient()
    staff.force_authenticate(f.UserFactory(username="s", role="staff"))
    assert staff.post(url, {"title": "x", "category": "training"}, format="json").status_code == 403


@pytest.mark.django_db
def test_measure_status_and_tasks_drive_progress(manager, manager_user):
    measure = manager.post("/api/v1/measures/", {"title": "Checklist", "category": "process"}, format="json").json()
    mid = measure["id"]
    assert manager.patch(f"/api/v1/measures/{mid}/", {"target_date": "2027-02-28"}, format="json").status_code == 200
    assert ImprovementMeasure.objects.get(pk=mid).target_date.isoformat() == "2027-02-28"

    started = manager.post(f"/api/v1/measures/{mid}/status/", {"status": "in_progress"}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "in_progress" and started.json()["start_date"]
    bad = manager.post(f"/api/v1/measures/{mid}/status/", {"status": "finished"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()

    t1 = manager.post("/api/v1/tasks/", {"measure": mid, "title": "Draft", "progress": 40}, format="json")
    t2 = manager.post("/api/v1/tasks/", {"measure": mid, "title": "Review", "assignee": manager_user.pk}, format="json")
    assert t1.status_code == t2.status_code == 201
    assert t1.json()["status"] == "in_progress"  # progress without a status means it started
    # Measure progress = mean of its tasks' progress: (40 + 0) / 2.
    assert manager.get(f"/api/v1/measures/{mid}/").json()["progress"] == 20

    done = manager.patch(f"/api/v1/tasks/{t2.json()['id']}/", {"progress": 100}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["completed_at"]
    shown = manager.get(f"/api/v1/measures/{mid}/").json()
    assert shown["progress"] == 70 and (shown["task_count"], shown["open_task_count"], shown["done_task_count"]) == (
        2,
        1,
        1,
    )
    too_much = manager.patch(f"/api/v1/tasks/{t1.json()['id']}/", {"progress": 120}, format="json")
    assert too_much.status_code == 400 and "progress" in too_much.json()
    assert ImprovementTask.objects.get(pk=t1.json()["id"]).progress == 40
    assert manager.get("/api/v1/tasks/", {"measure": mid, "status": "done"}).json()["count"] == 1
