"""Recovery cases through their services: one case per dissatisfied response on commit, whatever the write path;
contact attempts and closing with their rules; reminders sent once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.feedback.services import record_satisfaction, record_satisfaction_batch, record_update
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.recovery.services import (
    recovery_case_assign,
    recovery_case_close,
    recovery_case_contact,
    recovery_case_open,
    send_recovery_reminders,
    sweep_missing_cases,
)
from satisfaction.surveys.services import survey_answer
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return f.CustomerFactory(external_id="C-1", name="Acme")


def _record(customer, commit, score="2.0", **kwargs):
    with commit(execute=True):
        return record_satisfaction(customer=customer, service_type="data_analysis", score=score, **kwargs)


def test_a_low_score_recorded_twice_opens_one_case_due_48_hours_later(customer, django_capture_on_commit_callbacks):
    at = timezone.now() - dt.timedelta(hours=3)
    first, created = _record(customer, django_capture_on_commit_callbacks, external_id="X-1", created_at=at)
    again, created_again = _record(customer, django_capture_on_commit_callbacks, external_id="X-1", created_at=at)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    case = RecoveryCase.objects.get()
    assert case.record_id == first.pk and case.customer == customer and case.status == "open"
    assert case.due_at == first.created_at + dt.timedelta(hours=48)
    assert case.owner is None  # no handler: the managers' queue
    # The hook run again (record_update re-runs it, the sweep catches up) opens nothing new.
    assert recovery_case_open(record_id=first.pk) == case
    assert sweep_missing_cases() == 0 and RecoveryCase.objects.count() == 1


@pytest.mark.parametrize(("score", "opens"), [("4.5", False), ("3.0", False), ("2.9", True), ("1.0", True)])
def test_only_scores_below_3_open_a_case(customer, django_capture_on_commit_callbacks, score, opens):
    _record(customer, django_capture_on_commit_callbacks, score=score)
    assert RecoveryCase.objects.exists() is opens


@pytest.mark.parametrize(("nps", "opens"), [(6, True), (7, False), (None, False)])
def test_an_nps_detractor_opens_a_case_even_with_a_good_score(customer, django_capture_on_commit_callbacks, nps, opens):
    invitation = f.SurveyInvitationFactory(contact=f.ContactFactory(customer=customer), ask_nps=True)
    with django_capture_on_commit_callbacks(execute=True):
        record = survey_answer(invitation=invitation, score=4, nps_score=nps)
    assert RecoveryCase.objects.filter(record=record).exists() is opens


def test_nothing_opens_before_commit(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_satisfaction(customer=customer, service_type="data_analysis", score="2.0")
    assert callbacks and not RecoveryCase.objects.exists()


def test_the_handler_owns_the_case_and_a_self_rating_opens_none(customer, django_capture_on_commit_callbacks):
    agent = f.UserFactory(username="li.wei")
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=customer), agent=agent)
    record, _ = _record(customer, django_capture_on_commit_callbacks, ticket=ticket)
    assert RecoveryCase.objects.get(record=record).owner == agent
    # The handler typing in a rating of their own case is not the customer's voice (not counted): no case.
    own, _ = _record(customer, django_capture_on_commit_callbacks, ticket=ticket, recorded_by=agent)
    assert own.self_rated and not RecoveryCase.objects.filter(record=own).exists()


def test_an_import_opens_the_cases_of_its_low_rows_but_not_old_history(customer, django_capture_on_commit_callbacks):
    old = (timezone.now() - dt.timedelta(days=90)).isoformat()
    rows = [
        {"external_id": "R-1", "customer": "C-1", "service_type": "data_analysis", "score": "2.0"},
        {"external_id": "R-2", "customer": "C-1", "service_type": "data_analysis", "score": "4.5"},
        {"external_id": "R-3", "customer": "C-1", "service_type": "data_analysis", "score": "1.5", "created_at": old},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = record_satisfaction_batch(rows=rows)
    assert not result.errors
    assert list(RecoveryCase.objects.values_list("record__external_id", flat=True)) == ["R-1"]


def test_a_corrected_score_opens_the_case_on_update(customer, django_capture_on_commit_callbacks):
    record, _ = _record(customer, django_capture_on_commit_callbacks, score="4.0")
    assert not RecoveryCase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        record_update(record=record, data={"score": "2.0"})
    assert RecoveryCase.objects.filter(record=record).count() == 1


def test_the_sweep_opens_cases_a_lost_hook_missed(customer):
    record = f.RecordFactory(customer=customer, score=Decimal("2.0"))  # saved without the write path's hooks
    f.RecordFactory(customer=customer, score=Decimal("2.0"), created_at=timezone.now() - dt.timedelta(days=60))
    assert sweep_missing_cases() == 1
    assert RecoveryCase.objects.get().record == record


def test_the_low_score_alert_links_to_its_case(customer, django_capture_on_commit_callbacks):
    record, _ = _record(customer, django_capture_on_commit_callbacks, score="1.5")
    alert = SatisfactionAlert.objects.get(kind="low_score", record=record)
    assert alert.record.recovery_case == RecoveryCase.objects.get()


@pytest.fixture
def case(customer, django_capture_on_commit_callbacks):
    record, _ = _record(customer, django_capture_on_commit_callbacks, created_at=timezone.now() - dt.timedelta(hours=1))
    return RecoveryCase.objects.get(record=record)


def test_life_cycle_open_contacted_closed(case, manager_user):
    recovery_case_contact(case=case, user=manager_user, channel="phone", reached=False, note="Voicemail")
    case.refresh_from_db()
    assert case.status == "open" and case.first_contact_at is None  # not reached: still open
    attempt = recovery_case_contact(case=case, user=manager_user, channel="email", note="Replied")
    case.refresh_from_db()
    assert (case.status, case.first_contact_at) == ("contacted", attempt.at)
    closed = recovery_case_close(case=case, user=manager_user, outcome="recovered", root_cause="Late report")
    assert (closed.status, closed.outcome, closed.root_cause, closed.closed_by) == (
        "closed", "recovered", "Late report", manager_user,
    )  # fmt: skip
    assert ContactAttempt.objects.filter(case=case).count() == 2
    with pytest.raises(ValidationError) as exc:
        recovery_case_contact(case=case, user=manager_user, channel="phone")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        recovery_case_close(case=case, user=manager_user, outcome="recovered", root_cause="x")
    assert "status" in exc.value.message_dict


def test_closing_rules_name_the_field(case, manager_user):
    with pytest.raises(ValidationError) as exc:
        recovery_case_close(case=case, user=manager_user, outcome="maybe")
    assert set(exc.value.message_dict) == {"outcome", "root_cause"}
    with pytest.raises(ValidationError) as exc:
        recovery_case_close(case=case, user=manager_user, outcome="recovered", root_cause="Late")
    assert set(exc.value.message_dict) == {"outcome"}  # nobody reached the customer yet
    closed = recovery_case_close(case=case, user=manager_user, outcome="unreachable")
    assert closed.status == "closed" and closed.first_contact_at is None


def test_contact_rules_name_the_field(case, manager_user):
    with pytest.raises(ValidationError) as exc:
        recovery_case_contact(case=case, user=manager_user, channel="pigeon")
    assert set(exc.value.message_dict) == {"channel"}
    with pytest.raises(ValidationError) as exc:
        recovery_case_contact(case=case, user=manager_user, channel="phone", at=timezone.now() + dt.timedelta(days=1))
    assert set(exc.value.message_dict) == {"at"}
    with pytest.raises(ValidationError) as exc:
        recovery_case_contact(
            case=case, user=manager_user, channel="phone", at=case.record.created_at - dt.timedelta(hours=1)
        )
    assert set(exc.value.message_dict) == {"at"}


def test_reminders_go_once_to_the_owner_then_to_managers_when_overdue(case, manager_user):
    owner = f.UserFactory(username="owner", email="owner@example.com")
    recovery_case_assign(case=case, owner=owner)
    mail.outbox.clear()
    # 30 h before due: too early for the reminder.
    assert send_recovery_reminders(now=case.due_at - dt.timedelta(hours=30)) == {"reminders": 0, "overdue": 0}
    assert send_recovery_reminders(now=case.due_at - dt.timedelta(hours=23)) == {"reminders": 1, "overdue": 0}
    assert mail.outbox[-1].to == ["owner@example.com"] and "Acme" in mail.outbox[-1].subject
    assert send_recovery_reminders(now=case.due_at - dt.timedelta(hours=22))["reminders"] == 0  # idempotent
    after_due = case.due_at + dt.timedelta(hours=1)
    sent = send_recovery_reminders(now=after_due)
    assert sent == {"reminders": 0, "overdue": 1} and mail.outbox[-1].to == [manager_user.email]
    assert send_recovery_reminders(now=after_due) == {"reminders": 0, "overdue": 0}


def test_a_closed_case_gets_no_reminders(case, manager_user):
    recovery_case_close(case=case, user=manager_user, outcome="unreachable")
    assert send_recovery_reminders(now=case.due_at + dt.timedelta(hours=1)) == {"reminders": 0, "overdue": 0}
