"""Findings of the security and fault probe, each reproduced here (they failed before their fix)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from satisfaction.alerts.models import WatchlistEntry
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
OFF_SITE = ["https://evil.example/phish", "//evil.example/x", "http://testserver.evil.example/", "javascript:alert(1)"]


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leaves_the_site(manager_client, manager_user, target):
    """Finding 10: POST `next` on /watchlist/add/, /watchlist/<id>/remove/, /tasks/<id>/ and the alert actions."""
    customer = f.CustomerFactory()
    response = manager_client.post(reverse("watchlist-add"), {"customer": customer.pk, "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("watchlist")
    entry = WatchlistEntry.objects.get(customer=customer)
    response = manager_client.post(reverse("watchlist-remove", args=[entry.pk]), {"note": "ok", "next": target})
    assert response["Location"] == reverse("watchlist")
    task = f.TaskFactory(measure=f.MeasureFactory(owner=manager_user))
    response = manager_client.post(reverse("task-update", args=[task.pk]), {"progress": 10, "next": target})
    assert response["Location"] == reverse("measure-detail", args=[task.measure_id])


def test_next_on_the_site_is_followed(manager_client):
    customer = f.CustomerFactory()
    back = reverse("customer-detail", args=[customer.pk]) + "?tab=alerts"
    response = manager_client.post(reverse("watchlist-add"), {"customer": customer.pk, "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("value", ["abc", "4.55", "-1", ""])
def test_watchlist_add_with_a_bad_customer_is_a_message_not_a_500(manager_client, value):
    """Finding 9: `customer=abc` raised ValueError."""
    response = manager_client.post(reverse("watchlist-add"), {"customer": value}, follow=True)
    assert response.status_code == 200
    assert "Choose a customer to watch." in response.content.decode()
    assert not WatchlistEntry.objects.exists()


def test_control_characters_never_reach_the_database(staff, service_types):
    """Finding 2: `\\x01`, `\\x07`, `\\x00` were accepted by the API, the form, CSV import and the survey."""
    customer = f.CustomerFactory()
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 2,
            "feedback": "Slow reply\x07\x01,\r\nsecond line\tend"}  # fmt: skip
    response = staff.post("/api/v1/records/", body, format="json")
    assert response.status_code == 201, response.content
    assert SatisfactionRecord.objects.get().feedback == "Slow reply,\nsecond line\tend"
    # NUL: the API names the field; every other path (form, import, survey) goes through the service, which drops it.
    response = staff.post("/api/v1/records/", {**body, "feedback": "a\x00b"}, format="json")
    assert response.status_code == 400 and "feedback" in response.json()
    record, _ = record_satisfaction(customer=customer, service_type="data_analysis", score=3, feedback="a\x00b\x1b")
    assert record.feedback == "ab"


def test_xlsx_export_cannot_fail_on_stored_text(manager_client, service_types):
    """Finding 2: the XLSX export answered 500 (IllegalCharacterError) on a control character stored earlier."""
    f.RecordFactory(feedback="=HYPERLINK(\x01\x07)", score=2)
    response = manager_client.get(reverse("analytics:records"), {"format": "xlsx", "preset": "365d"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "'=HYPERLINK()" in rows[1]


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+08:00", "0001-01-01", "0001-01-01T00:00:00+08:00", "1989-12-31"])
def test_implausible_dates_are_a_400_naming_the_field(staff, manager, service_types, when):
    """Finding 1: year 9999 answered 201 and broke the nightly rebuild; "0001-01-01" answered 500."""
    customer = f.CustomerFactory()
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 4, "created_at": when}
    response = staff.post("/api/v1/records/", body, format="json")
    assert response.status_code == 400 and "created_at" in response.json(), response.content
    contract = f.ContractFactory(customer=customer)
    response = manager.post("/api/v1/tickets/", {"contract": contract.pk, "opened_at": when}, format="json")
    assert response.status_code == 400 and "opened_at" in response.json(), response.content
    response = manager.post("/api/v1/complaints/", {"contract": contract.pk, "filed_at": when}, format="json")
    assert response.status_code == 400 and "filed_at" in response.json(), response.content
    assert not SatisfactionRecord.objects.exists()


def test_a_plausible_date_is_accepted(staff, service_types):
    customer = f.CustomerFactory()
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 4, "created_at": "1990-01-02T08:00"}
    assert staff.post("/api/v1/records/", body, format="json").status_code == 201


@pytest.mark.parametrize("start, end", [("0001-01-01", "2026-01-31"), ("2026-01-01", "9999-12-31")])
def test_dashboard_with_an_implausible_custom_range_is_a_form_error(manager_client, start, end):
    """Finding 1: the HTML dashboard, drill-down and widgets answered 500 on year 1 or 9999."""
    params = {"preset": "custom", "start": start, "end": end}
    for url in (
        reverse("analytics:dashboard"),
        reverse("analytics:records"),
        reverse("analytics:widget", args=["kpis"]),
    ):
        assert manager_client.get(url, params).status_code == 200, url


def test_the_nightly_rebuild_survives_a_stray_year_9999_record(service_types):
    """Finding 1: one record dated 9999 made `rebuild_snapshots` fail every night with OverflowError."""
    import datetime as dt

    from django.utils import timezone

    from analytics.lib import snapshots

    f.RecordFactory(score=4)
    stray = f.RecordFactory(score=1)
    SatisfactionRecord.objects.filter(pk=stray.pk).update(created_at=dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC))
    result = snapshots.rebuild_all()
    assert result.records == 1 and timezone.now()
