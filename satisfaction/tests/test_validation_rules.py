"""Probe finding 12: one rule per limit, so the form, the API and an import refuse the same input."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import FEEDBACK_MAX_CHARS, RESPONSE_HOURS_MAX, record_satisfaction
from satisfaction.improvements.models import ImprovementMeasure
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
RECORD = "/api/v1/enterprise-satisfaction/satisfaction/record"


@pytest.fixture
def customer():
    return f.CustomerFactory()


@pytest.fixture
def staff_api(staff_user):
    api = APIClient()
    api.force_authenticate(staff_user)
    return api


@pytest.fixture
def manager_api(manager_user):
    api = APIClient()
    api.force_authenticate(manager_user)
    return api


def _form(client, customer, **fields):
    data = {"customer": customer.pk, "service_type": f.service_type().pk, "score": "4.0", **fields}
    return client.post(reverse("record-feedback"), data)


def _api(api, customer, **fields):
    return api.post(
        RECORD, {"customer": customer.pk, "service_type": "data_analysis", "score": 4, **fields}, format="json"
    )


@pytest.mark.parametrize(
    ("field", "too_much", "just_enough"),
    [
        ("feedback", "x" * (FEEDBACK_MAX_CHARS + 1), "x" * FEEDBACK_MAX_CHARS),
        ("response_time_hours", RESPONSE_HOURS_MAX * 10, RESPONSE_HOURS_MAX),
        ("response_time_hours", 1e308, 0),
    ],
)
def test_form_api_and_service_share_each_limit(client, staff_user, staff_api, customer, field, too_much, just_enough):
    client.force_login(staff_user)
    assert _form(client, customer, **{field: too_much}).status_code != 302
    assert _api(staff_api, customer, **{field: too_much}).status_code == 400
    with pytest.raises(ValidationError) as refused:
        record_satisfaction(customer=customer, service_type="data_analysis", score=4, **{field: too_much})
    assert field in refused.value.message_dict
    assert not SatisfactionRecord.objects.exists()

    assert _form(client, customer, **{field: just_enough}).status_code == 302
    assert _api(staff_api, customer, **{field: just_enough}).status_code == 201
    assert SatisfactionRecord.objects.count() == 2


def test_the_form_says_what_is_too_long(client, staff_user, customer):
    client.force_login(staff_user)
    response = _form(client, customer, feedback="x" * 100_000)
    assert "feedback" in response.context["form"].errors
    assert not SatisfactionRecord.objects.exists()


@pytest.mark.parametrize("value", [True, False])
def test_a_flag_is_not_a_number(staff_api, customer, value):
    response = _api(staff_api, customer, response_time_hours=value)
    assert response.status_code == 400 and "response_time_hours" in response.json()


def test_a_float_id_is_refused_not_truncated(staff_api, customer):
    other = f.CustomerFactory()
    assert other.pk == customer.pk + 1
    response = staff_api.post(
        RECORD, {"customer": customer.pk + 0.55, "service_type": "data_analysis", "score": 4}, format="json"
    )
    assert response.status_code == 400 and "customer" in response.json()
    assert not SatisfactionRecord.objects.exists()
    whole = staff_api.post(
        RECORD, {"customer": float(other.pk), "service_type": "data_analysis", "score": 4}, format="json"
    )
    assert whole.status_code == 201 and SatisfactionRecord.objects.get().customer == other


def test_true_is_not_an_id(manager_api, customer):
    response = manager_api.post("/api/v1/watchlist/", {"customer": True}, format="json")
    assert response.status_code == 400 and "customer" in response.json()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (RECORD, {"service_type": "data_analysis", "score": 4, "feedback": 12345}),
        ("/api/v1/customers/", {"name": 12345}),
        ("/api/v1/watchlist/", {"note": 7}),
    ],
)
def test_a_number_is_not_text(manager_api, customer, url, body):
    body = {"customer": customer.pk, **body} if url != "/api/v1/customers/" else body
    response = manager_api.post(url, body, format="json")
    assert response.status_code == 400
    field = next(k for k, v in body.items() if isinstance(v, int) and k != "customer" and k != "score")
    assert field in response.json()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_measure_task_and_contract_dates_keep_to_the_plausible_range(manager_api, manager_user, customer, day):
    measure = manager_api.post(
        "/api/v1/measures/", {"title": "Faster replies", "category": "process", "target_date": day}, format="json"
    )
    assert measure.status_code == 400 and "target_date" in measure.json()
    existing = f.MeasureFactory(owner=manager_user)
    task = manager_api.post("/api/v1/tasks/", {"measure": existing.pk, "title": "Call", "due_date": day}, format="json")
    assert task.status_code == 400 and "due_date" in task.json()
    contract = manager_api.post(
        "/api/v1/contracts/",
        {"customer": customer.pk, "service_type": "data_analysis", "start_date": day, "contract_number": "K-1"},
        format="json",
    )
    assert contract.status_code == 400 and "start_date" in contract.json()
    assert ImprovementMeasure.objects.count() == 1


def test_a_plausible_measure_date_is_accepted(manager_api):
    day = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    response = manager_api.post(
        "/api/v1/measures/", {"title": "Faster replies", "category": "process", "target_date": day}, format="json"
    )
    assert response.status_code == 201, response.json()


def test_the_analytics_limits_are_in_the_schema(manager_api):
    spec = manager_api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = spec["paths"]["/api/v1/enterprise-satisfaction/satisfaction/analytics"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["days"]["minimum"] == 1 and params["days"]["maximum"] == 3660
    assert params["segment_priority"]["minimum"] == 0 and params["segment_priority"]["maximum"] == 5
    assert "1990-01-01" in params["start"].get("description", "") + str(params["start"])
    assert manager_api.get("/api/v1/enterprise-satisfaction/satisfaction/analytics", {"days": 0}).status_code == 400
    assert manager_api.get("/api/v1/enterprise-satisfaction/satisfaction/analytics", {"days": 1}).status_code == 200
