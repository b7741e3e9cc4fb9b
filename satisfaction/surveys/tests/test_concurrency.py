"""Races on PostgreSQL: a double-submitted answer and a ticket closed twice at once never duplicate anything."""

import threading

import pytest
from django.db import connection

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.surveys import services as surveys
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n, func):
    """Run `func` in n threads released at the same moment; returns results and exceptions."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(func())
        except Exception as exc:  # noqa: BLE001 - collected for the assertion, not hidden
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_simultaneous_answers_record_once():
    invitation = f.SurveyInvitationFactory()
    results, errors = _race(4, lambda: surveys.survey_answer(invitation=invitation, score=3).pk)
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(e, surveys.SurveyLinkError) and e.reason == "answered" for e in errors)
    assert SatisfactionRecord.objects.count() == 1


def test_simultaneous_invitations_for_one_contact_respect_the_cooldown():
    contact = f.ContactFactory()
    contract = f.ContractFactory(customer=contact.customer)
    tickets = [f.TicketFactory(contract=contract) for _ in range(4)]
    lock = threading.Lock()
    pending = list(tickets)

    def invite():
        with lock:
            ticket = pending.pop()
        return surveys.invitation_create(contact=contact, service_type=contract.service_type, ticket=ticket).reason

    results, errors = _race(4, invite)
    assert errors == []
    assert sorted(results) == ["cooldown", "cooldown", "cooldown", "created"]
    assert SurveyInvitation.objects.count() == 1
