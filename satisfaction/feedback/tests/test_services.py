"""The one write path for feedback: validation, idempotency on external_id, side effects on commit."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from satisfaction.feedback import services as feedback_service
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests import factories as f


@pytest.mark.django_db
def test_records_valid_feedback(staff_user):
    customer = f.CustomerFactory()
    record, created = record_satisfaction(
        customer=customer, service_type="legal_consultation", score="4.3", feedback="  Good  ",
        accuracy_score=4, completeness_score=5, response_time_hours=2.5, recorded_by=staff_user,
    )  # fmt: skip
    assert created
    record.refresh_from_db()
    assert record.score == Decimal("4.3")
    assert record.service_type.code == "legal_consultation"
    assert record.feedback == "Good"
    assert record.channel == "form"
    assert not record.self_rated


@pytest.mark.django_db
def test_retry_with_same_external_id_returns_original():
    customer = f.CustomerFactory()
    first, created1 = record_satisfaction(customer=customer, service_type="data_analysis", score=2, external_id="R-1")
    again, created2 = record_satisfaction(customer=customer, service_type="data_analysis", score=5, external_id="R-1")
    assert (created1, created2) == (True, False)
    assert again.pk == first.pk and again.score == Decimal("2")
    assert SatisfactionRecord.objects.filter(external_id="R-1").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"score": 6}, "score"),
        ({"score": "0.5"}, "score"),
        ({"score": "abc"}, "score"),
        ({"score": None}, "score"),
        ({"score": "4.25"}, "score"),
        ({"accuracy_score": 7}, "accuracy_score"),
        ({"completeness_score": 0}, "completeness_score"),
        ({"response_time_hours": -3}, "response_time_hours"),
        ({"service_type": "astrology"}, "service_type"),
        ({"channel": "fax"}, "channel"),
        ({"customer": 999999}, "customer"),
    ],
)
def test_invalid_input_names_the_field_and_saves_nothing(kwargs, field):
    args = {"customer": f.CustomerFactory(), "service_type": "data_analysis", "score": 4, **kwargs}
    with pytest.raises(ValidationError) as exc:
        record_satisfaction(**args)
    assert field in exc.value.message_dict
    assert SatisfactionRecord.objects.count() == 0


@pytest.mark.django_db
def test_ticket_of_another_customer_is_rejected():
    ticket = f.TicketFactory()
    with pytest.raises(ValidationError) as exc:
        record_satisfaction(customer=f.CustomerFactory(), service_type="data_analysis", score=4, ticket=ticket)
    assert "ticket" in exc.value.message_dict


@pytest.mark.django_db
def test_rating_by_the_ticket_handler_is_marked_self_rated(staff_user):
    ticket = f.TicketFactory(agent=staff_user)
    record, _ = record_satisfaction(
        customer=ticket.contract.customer, service_type="data_analysis", score=5, ticket=ticket, recorded_by=staff_user
    )
    assert record.self_rated


@pytest.mark.django_db(transaction=True)
def test_after_commit_hooks_run_only_after_commit():
    seen = []
    customer = f.CustomerFactory()
    with feedback_service.hooks_replaced(after_record=[seen.append]):
        record, _ = record_satisfaction(customer=customer, service_type="data_analysis", score=1)
        assert seen == [record.pk]
        record_satisfaction(customer=customer, service_type="data_analysis", score=1, external_id="dup")
        record_satisfaction(customer=customer, service_type="data_analysis", score=1, external_id="dup")
    assert len(seen) == 2  # the retry did not fire side effects again


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_record():
    customer = f.CustomerFactory()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(
                record_satisfaction(customer=customer.pk, service_type="data_analysis", score=3, external_id="race")
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert SatisfactionRecord.objects.filter(external_id="race").count() == 1
    assert sum(created for _, created in results) == 1
    assert len({r.pk for r, _ in results}) == 1
