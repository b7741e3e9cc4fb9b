"""The recovery-case API: list with filters, retrieve, contact, close; managers only, errors naming the field."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from satisfaction.feedback.services import record_satisfaction
from satisfaction.recovery.models import RecoveryCase
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/recovery-cases/"


@pytest.fixture
def case(django_capture_on_commit_callbacks):
    customer = f.CustomerFactory(name="Acme")
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = record_satisfaction(
            customer=customer, service_type="data_analysis", score="2.0", external_id="API-1",
            created_at=timezone.now() - dt.timedelta(hours=50), channel="api",
        )  # fmt: skip
    return RecoveryCase.objects.get(record=record)


def test_full_life_cycle_through_the_api(manager, manager_user, case):
    listed = manager.get(URL, {"overdue": "true"}).json()
    assert [row["id"] for row in listed["results"]] == [case.pk]
    row = listed["results"][0]
    assert (row["status"], row["score"], row["overdue"], row["customer_name"]) == ("open", "2.0", True, "Acme")
    assert row["alerts"] and row["due_at"]
    assert manager.get(URL, {"status": "closed"}).json()["count"] == 0

    early = manager.post(f"{URL}{case.pk}/close/", {"outcome": "recovered", "root_cause": "Late"}, format="json")
    assert early.status_code == 400 and "outcome" in early.json()

    contacted = manager.post(f"{URL}{case.pk}/contact/", {"channel": "phone", "note": "Apologised"}, format="json")
    assert contacted.status_code == 200
    body = contacted.json()
    assert body["status"] == "contacted" and body["attempts"][0]["note"] == "Apologised"
    assert body["attempts"][0]["by"]["id"] == manager_user.pk

    bad = manager.post(f"{URL}{case.pk}/close/", {"outcome": "fine"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()
    closed = manager.post(f"{URL}{case.pk}/close/", {"outcome": "recovered", "root_cause": "Late"}, format="json")
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["outcome"], closed.json()["root_cause"]) == (
        "closed", "recovered", "Late",
    )  # fmt: skip
    again = manager.post(f"{URL}{case.pk}/contact/", {"channel": "phone"}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    assert manager.get(f"{URL}{case.pk}/").json()["outcome"] == "recovered"
    assert manager.get(URL, {"unclosed": "true"}).json()["count"] == 0


def test_contact_input_errors_name_the_field(manager, case):
    missing = manager.post(f"{URL}{case.pk}/contact/", {}, format="json")
    assert missing.status_code == 400 and "channel" in missing.json()
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    ahead = manager.post(f"{URL}{case.pk}/contact/", {"channel": "phone", "at": future}, format="json")
    assert ahead.status_code == 400 and "at" in ahead.json()


def test_mine_lists_the_cases_i_own(manager, manager_user, case):
    assert manager.get(URL, {"mine": "true"}).json()["count"] == 0
    RecoveryCase.objects.filter(pk=case.pk).update(owner=manager_user)
    assert manager.get(URL, {"mine": "true"}).json()["count"] == 1


def test_staff_and_anonymous_are_refused(staff_user, case):
    client = APIClient()
    assert client.get(URL).status_code == 401
    client.force_authenticate(staff_user)
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{case.pk}/contact/", {"channel": "phone"}, format="json").status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


def test_the_low_score_alert_names_its_case(manager, case):
    alert = manager.get("/api/v1/alerts/", {"kind": "low_score"}).json()["results"][0]
    assert alert["record"] == case.record_id and alert["recovery_case"] == case.pk
    assert manager.get(f"/api/v1/alerts/{alert['id']}/").json()["recovery_case"] == case.pk
