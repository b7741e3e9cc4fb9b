"""Bulk recording: up to 1,000 records, all or nothing, idempotent per external_id, the rules of one record."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import MAX_BULK_RECORDS
from satisfaction.tests import factories as f

URL = "/api/v1/enterprise-satisfaction/satisfaction/records/bulk"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def client(staff_user):
    api = APIClient()
    api.force_authenticate(staff_user)
    return api


@pytest.fixture
def customer(db):
    return f.CustomerFactory(external_id="C-1001", name="Huaxin Securities")


def _item(customer, n, **extra):
    return {"customer": customer.pk, "service_type": "data_analysis", "score": 4.5, "external_id": f"B-{n}", **extra}


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_saved_then_a_retry_creates_nothing(client, customer):
    items = [_item(customer, n) for n in range(3)] + [_item(customer, 3, score=1.0)]
    first = client.post(URL, {"records": items}, format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["created"], first.json()["existing"]) == (4, 0)
    assert [r["external_id"] for r in first.json()["records"]] == ["B-0", "B-1", "B-2", "B-3"]
    # The same side effects as one record: the low score raised its alert once the batch committed.
    assert SatisfactionAlert.objects.filter(record__external_id="B-3", kind="low_score").count() == 1

    again = client.post(URL, {"records": items}, format="json")
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["existing"]) == (0, 4)
    assert [r["id"] for r in again.json()["records"]] == [r["id"] for r in first.json()["records"]]
    assert SatisfactionRecord.objects.count() == 4


@pytest.mark.django_db
def test_one_bad_item_saves_nothing_and_names_its_index_and_field(client, customer):
    items = [_item(customer, 0), _item(customer, 1, created_at="2001-01-01T00:00:00Z", ticket=999999)]
    response = client.post(URL, {"records": items}, format="json")
    assert response.status_code == 400
    assert "ticket" in response.json()["records"]["1"]
    assert SatisfactionRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_rule_of_the_service_refuses_the_whole_batch(client, customer):
    other = f.CustomerFactory()
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=other))
    items = [_item(customer, 0), _item(customer, 1, ticket=ticket.pk)]
    response = client.post(URL, {"records": items}, format="json")
    assert response.status_code == 400
    assert response.json() == {"records": {"1": {"ticket": ["This ticket belongs to another customer."]}}}
    assert SatisfactionRecord.objects.count() == 0


@pytest.mark.django_db
def test_empty_and_oversized_batches_are_refused(client, customer):
    assert client.post(URL, {"records": []}, format="json").status_code == 400
    too_many = [_item(customer, n) for n in range(MAX_BULK_RECORDS + 1)]
    response = client.post(URL, {"records": too_many}, format="json")
    assert response.status_code == 400 and "records" in response.json()
    assert SatisfactionRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_full_batch_of_a_thousand_is_accepted(client, customer):
    items = [_item(customer, n, score=str(Decimal("4.0") + Decimal(n % 10) / 10)) for n in range(MAX_BULK_RECORDS)]
    response = client.post(URL, {"records": items}, format="json")
    assert response.status_code == 201
    assert response.json()["created"] == MAX_BULK_RECORDS
    assert SatisfactionRecord.objects.count() == MAX_BULK_RECORDS


@pytest.mark.django_db
def test_anonymous_clients_are_refused(customer):
    assert APIClient().post(URL, {"records": [_item(customer, 0)]}, format="json").status_code == 401
    assert SatisfactionRecord.objects.count() == 0
