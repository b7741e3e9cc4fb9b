"""Recording feedback through the API: idempotent on external_id, 400s naming each field, never a 500."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.tests import factories as f

RECORD_URLS = ["/api/v1/records/", "/api/v1/enterprise-satisfaction/satisfaction/record"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def client(staff):
    return staff


@pytest.fixture
def customer(db):
    return f.CustomerFactory(external_id="C-1001", name="Huaxin Securities")


def test_the_urls_are_the_documented_ones():
    assert reverse("api:record-list") == RECORD_URLS[0]
    assert reverse("api:satisfaction-record") == RECORD_URLS[1]


@pytest.mark.django_db
@pytest.mark.parametrize("url", RECORD_URLS)
def test_create_then_retry_returns_the_original(client, customer, staff_user, url):
    body = {
        "customer": customer.pk,
        "service_type": "legal_consultation",
        "score": 3.5,
        "feedback": "  Slow first answer.  ",
        "response_time_hours": 30.5,
        "accuracy_score": 4,
        "completeness_score": 3,
        "external_id": "FB-1",
    }
    first = client.post(url, body, format="json")
    assert first.status_code == 201
    data = first.json()
    record = SatisfactionRecord.objects.get()
    assert data["id"] == record.pk
    assert record.score == Decimal("3.5") and data["score"] == 3.5
    assert record.feedback == data["feedback"] == "Slow first answer."
    assert record.channel == data["channel"] == "api"
    assert record.recorded_by == staff_user and data["recorded_by"] == {"id": staff_user.pk, "username": "staff_member"}
    assert data["service_type"] == "legal_consultation" and data["customer_name"] == "Huaxin Securities"
    assert (data["response_time_hours"], data["accuracy_score"], data["completeness_score"]) == (30.5, 4, 3)

    retry = client.post(url, {**body, "score": 5}, format="json")
    assert retry.status_code == 200
    assert retry.json() == data  # the original, not the changed retry
    assert SatisfactionRecord.objects.count() == 1


@pytest.mark.django_db
def test_both_urls_share_the_external_id_space(client, customer):
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 4, "external_id": "FB-2"}
    assert client.post(RECORD_URLS[0], body, format="json").status_code == 201
    assert client.post(RECORD_URLS[1], body, format="json").status_code == 200
    assert SatisfactionRecord.objects.filter(external_id="FB-2").count() == 1


@pytest.mark.django_db
def test_without_external_id_every_post_is_a_new_record(client, customer):
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 4}
    assert [client.post(RECORD_URLS[0], body, format="json").status_code for _ in range(2)] == [201, 201]
    assert SatisfactionRecord.objects.count() == 2


@pytest.mark.django_db
def test_customer_by_external_id(client, customer):
    body = {"customer_external_id": "C-1001", "service_type": "document_review", "score": "4.5"}
    response = client.post(RECORD_URLS[1], body, format="json")
    assert response.status_code == 201 and response.json()["customer"] == customer.pk

    other = f.CustomerFactory(external_id="C-2")
    clash = client.post(RECORD_URLS[1], {**body, "customer": other.pk}, format="json")
    assert clash.status_code == 400 and list(clash.json()) == ["customer_external_id"]
    unknown = client.post(RECORD_URLS[1], {**body, "customer_external_id": "nope"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["customer_external_id"]


BAD_BODIES = [
    ({"score": 5.5}, {"score"}),
    ({"score": 0.5}, {"score"}),
    ({"score": "abc"}, {"score"}),
    ({"score": 4.25}, {"score"}),  # one decimal only
    ({"score": None}, {"score"}),
    ({"service_type": "translation"}, {"service_type"}),
    ({"customer": 10**12}, {"customer"}),
    ({"customer": "abc"}, {"customer"}),
    ({"accuracy_score": 6, "completeness_score": 0}, {"accuracy_score", "completeness_score"}),
    ({"response_time_hours": -1}, {"response_time_hours"}),
    ({"channel": "fax"}, {"channel"}),
    ({"created_at": "yesterday"}, {"created_at"}),
    ({"external_id": "x" * 65}, {"external_id"}),
    ({"ticket": 10**12}, {"ticket"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "fields"), BAD_BODIES, ids=[str(sorted(b[1])) + str(b[0])[:20] for b in BAD_BODIES])
def test_bad_input_is_a_400_naming_each_field(client, customer, change, fields):
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 4, **change}
    response = client.post(RECORD_URLS[0], body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == fields
    assert all(isinstance(message, str) and message for field in fields for message in errors[field])
    assert not SatisfactionRecord.objects.exists()


@pytest.mark.django_db
def test_missing_fields_are_all_named(client):
    response = client.post(RECORD_URLS[1], {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"service_type", "score"}
    response = client.post(RECORD_URLS[1], {"service_type": "data_analysis", "score": 4}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"customer"}


@pytest.mark.django_db
def test_service_errors_come_back_per_field(client, customer):
    """The ticket check lives in record_satisfaction; its ValidationError becomes a 400 on `ticket`."""
    foreign_ticket = f.TicketFactory()  # belongs to another customer
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 4, "ticket": foreign_ticket.pk}
    response = client.post(RECORD_URLS[0], body, format="json")
    assert response.status_code == 400
    assert response.json() == {"ticket": ["This ticket belongs to another customer."]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "content_type"),
    [("{not json", "application/json"), ("score=4", "text/plain"), ("[1, 2]", "application/json")],
)
def test_unparseable_bodies_are_4xx_not_500(client, payload, content_type):
    response = client.post(RECORD_URLS[0], payload, content_type=content_type)
    assert response.status_code in (400, 415)
    assert "detail" in response.json() or "non_field_errors" in response.json()


@pytest.mark.django_db
def test_linked_ticket_and_self_rating(customer, db):
    agent = f.UserFactory(username="agent", role="staff")
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=customer), agent=agent)
    api = APIClient()
    api.force_authenticate(agent)
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 5, "ticket": ticket.pk}
    data = api.post(RECORD_URLS[0], body, format="json").json()
    assert data["ticket"] == ticket.pk and data["self_rated"] is True


@pytest.mark.django_db
def test_recording_runs_the_after_record_hooks(client, customer, django_capture_on_commit_callbacks):
    from satisfaction.feedback import services as feedback

    seen = []
    body = {"customer": customer.pk, "service_type": "data_analysis", "score": 2, "external_id": "FB-9"}
    # Only this test's hook, and the registry restored afterwards.
    with feedback.hooks_replaced(after_record=[]), django_capture_on_commit_callbacks(execute=True):
        feedback.register_after_record_hook(seen.append)
        first = client.post(RECORD_URLS[1], body, format="json").json()
        client.post(RECORD_URLS[1], body, format="json")
    assert seen == [first["id"]]  # the retry fired nothing
