"""A customer with two contacts and everything the system can hold about one of them, built through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry, WebhookDelivery
from satisfaction.alerts.services import alert_resolve, evaluate_record
from satisfaction.alerts.watchlist import watchlist_add, watchlist_remove
from satisfaction.crm.services import contact_create
from satisfaction.feedback.services import record_satisfaction
from satisfaction.recovery.services import recovery_case_close, recovery_case_contact, recovery_case_open
from satisfaction.surveys.services import invitation_token, survey_answer
from satisfaction.tests.factories import (
    ComplaintFactory,
    ContractFactory,
    CustomerFactory,
    SurveyInvitationFactory,
    TicketFactory,
    UserFactory,
    WebhookEndpointFactory,
)
from satisfaction.text.models import RecordTopic, TextAnalysis
from satisfaction.text.services import text_analyse_records


@dataclass
class World:
    """The rows built, by model name, for the person (`contact`) and for the whole customer."""

    customer: object
    contact: object
    other_contact: object
    other_customer: object
    manager: object
    contact_rows: dict[str, set[int]] = field(default_factory=dict)
    customer_rows: dict[str, set[int]] = field(default_factory=dict)
    personal_strings: list[str] = field(default_factory=list)
    other_strings: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def _answer(invitation, *, score: int, comment: str, days_ago: int = 1):
    return survey_answer(
        invitation=invitation, score=score, comment=comment, now=timezone.now() - dt.timedelta(days=days_ago)
    )


@pytest.fixture
def world(db) -> World:
    manager = UserFactory(username="privacy-manager", role="manager")
    customer = CustomerFactory(name="Zephyr Holdings")
    other_customer = CustomerFactory(name="Unrelated Corp")
    contact = contact_create(
        customer=customer, name="Ada Lovelace", email="ada.lovelace@zephyr.example", phone="+44 20 7946 0001",
        contact_priority=1,
    )  # fmt: skip
    other_contact = contact_create(customer=customer, name="Grace Hopper", email="grace@zephyr.example", phone="")
    contract = ContractFactory(customer=customer)
    ticket = TicketFactory(contract=contract)
    complaint = ComplaintFactory(contract=contract)
    untouched_ticket = TicketFactory(contract=contract)

    # Ada answers two surveys: one about the ticket (bad, with her name and phone in the comment), one about the
    # complaint (good). Grace answers one.
    inv_ticket = SurveyInvitationFactory(contact=contact, ticket=ticket)
    inv_complaint = SurveyInvitationFactory(contact=contact, complaint=complaint, source="complaint")
    inv_other = SurveyInvitationFactory(contact=other_contact, ticket=untouched_ticket)
    tokens = [invitation_token(inv_ticket), invitation_token(inv_complaint)]
    bad = _answer(
        inv_ticket, score=2, comment="Ada Lovelace here: the report was late and wrong, call +44 20 7946 0001"
    )
    good = _answer(inv_complaint, score=5, comment="Quick and friendly, thank you")
    grace_record = _answer(inv_other, score=4, comment="Grace says fine overall")
    staff_record, _ = record_satisfaction(
        customer=customer, service_type="data_analysis", score=Decimal("3.5"),
        feedback="Noted on a call with Grace Hopper: slow invoices", created_at=timezone.now() - dt.timedelta(days=2),
    )  # fmt: skip
    records = [bad, good, grace_record, staff_record]
    text_analyse_records(record_ids=[r.pk for r in records])

    # The bad answer raises an alert (its message names the customer), opens a recovery case that is worked and
    # closed with notes naming Ada; the alert is resolved with a note; the customer is watched.
    alerts = evaluate_record(record_id=bad.pk)
    alert = alerts[0]
    alert_resolve(alert=alert, user=manager, note="Spoke to Ada Lovelace, resolved")
    case = recovery_case_open(record_id=bad.pk)
    recovery_case_contact(case=case, user=manager, channel="phone", note="Rang Ada on +44 20 7946 0001")
    recovery_case_close(
        case=case, user=manager, outcome="recovered", root_cause="late delivery", note="Ada Lovelace happy now"
    )
    case.refresh_from_db()
    endpoint = WebhookEndpointFactory()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, alert=alert, event="opened",
        payload={"customer": customer.name, "message": alert.message_en, "contact": "Ada Lovelace"},
    )  # fmt: skip
    # The bad answer put the customer on the watch list by rule; taken off with a note, then watched by hand.
    ruled = WatchlistEntry.objects.get(customer=customer, removed_at__isnull=True)
    watchlist_remove(entry=ruled, user=manager, note="Ada Lovelace called back")
    watch = watchlist_add(customer=customer, user=manager, note="Watch after Ada Lovelace complained")

    # Another customer's data must not move.
    other_record, _ = record_satisfaction(
        customer=other_customer, service_type="data_analysis", score=Decimal("4.0"), feedback="Unrelated Corp is ok"
    )
    text_analyse_records(record_ids=[other_record.pk])

    attempts = set(case.attempts.values_list("pk", flat=True))
    world = World(customer, contact, other_contact, other_customer, manager, tokens=tokens)
    world.contact_rows = {
        "contact": {contact.pk},
        "surveyinvitation": {inv_ticket.pk, inv_complaint.pk},
        "satisfactionrecord": {bad.pk, good.pk},
        "textanalysis": set(TextAnalysis.objects.filter(record__in=[bad, good]).values_list("pk", flat=True)),
        "recordtopic": set(RecordTopic.objects.filter(record__in=[bad, good]).values_list("pk", flat=True)),
        "serviceticket": {ticket.pk},
        "complaint": {complaint.pk},
        "satisfactionalert": set(SatisfactionAlert.objects.filter(record=bad).values_list("pk", flat=True)),
        "webhookdelivery": {delivery.pk},
        "watchlistentry": {ruled.pk, watch.pk},  # raised by her alert; noted with her name
        "recoverycase": {case.pk},
        "contactattempt": attempts,
    }
    world.customer_rows = {
        "customer": {customer.pk},
        "contact": {contact.pk, other_contact.pk},
        "contract": {contract.pk},
        "surveyinvitation": {inv_ticket.pk, inv_complaint.pk, inv_other.pk},
        "satisfactionrecord": {r.pk for r in records},
        "textanalysis": set(TextAnalysis.objects.filter(record__in=records).values_list("pk", flat=True)),
        "recordtopic": set(RecordTopic.objects.filter(record__in=records).values_list("pk", flat=True)),
        "serviceticket": {ticket.pk, untouched_ticket.pk},
        "complaint": {complaint.pk},
        "satisfactionalert": set(SatisfactionAlert.objects.filter(customer=customer).values_list("pk", flat=True)),
        "webhookdelivery": {delivery.pk},
        "watchlistentry": {ruled.pk, watch.pk},
        "recoverycase": {case.pk},
        "contactattempt": attempts,
    }
    assert world.contact_rows["textanalysis"] == {bad.pk, good.pk}
    assert world.contact_rows["satisfactionalert"]
    world.personal_strings = [
        "Ada Lovelace", "ada.lovelace@zephyr.example", "+44 20 7946 0001", "the report was late and wrong",
        "Quick and friendly", "Rang Ada", "happy now", "Spoke to Ada", inv_ticket.nonce, inv_complaint.nonce,
    ]  # fmt: skip
    world.other_strings = ["Grace Hopper", "grace@zephyr.example", "Grace says fine overall", "Zephyr Holdings"]
    return world
