"""The alert lifecycle: open → acknowledged → resolved, dedupe, escalation, auto watch list and alert emails."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.alerts.notifications import notification_preferences_update
from satisfaction.alerts.services import alert_acknowledge, alert_resolve, evaluate_record
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _low(customer=None, score="2.5"):
    record = f.RecordFactory(customer=customer or f.CustomerFactory(), score=Decimal(score))
    return evaluate_record(record_id=record.pk)[0]


def test_acknowledge_then_resolve_records_who_and_when(manager_user):
    alert = _low()
    alert = alert_acknowledge(alert=alert, user=manager_user)
    assert alert.status == "acknowledged" and alert.acknowledged_by == manager_user and alert.acknowledged_at
    alert = alert_resolve(alert=alert, user=manager_user, note="Called the customer, fixed the report.")
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_by == manager_user and alert.resolved_at
    assert alert.resolution_note == "Called the customer, fixed the report."


def test_resolve_needs_a_note_and_an_unresolved_alert(manager_user):
    alert = _low()
    with pytest.raises(ValidationError) as exc:
        alert_resolve(alert=alert, user=manager_user, note="  ")
    assert "note" in exc.value.message_dict
    alert_resolve(alert=alert, user=manager_user, note="done")
    with pytest.raises(ValidationError) as exc:
        alert_resolve(alert=alert, user=manager_user, note="again")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError):
        alert_acknowledge(alert=alert, user=manager_user)


def test_resolving_directly_from_open_also_sets_acknowledged(manager_user):
    alert = alert_resolve(alert=_low(), user=manager_user, note="handled on the phone")
    assert alert.acknowledged_by == manager_user


def test_after_resolution_the_same_scope_opens_a_new_alert(manager_user):
    customer = f.CustomerFactory()
    first = _low(customer)
    alert_resolve(alert=first, user=manager_user, note="handled")
    second = _low(customer)
    assert second.pk != first.pk and second.status == "open"
    assert SatisfactionAlert.objects.filter(dedupe_key=first.dedupe_key).count() == 2


def test_acknowledged_alert_is_updated_not_duplicated(manager_user):
    customer = f.CustomerFactory()
    alert = alert_acknowledge(alert=_low(customer), user=manager_user)
    again = _low(customer, score="3.1")
    assert again.pk == alert.pk
    again.refresh_from_db()
    assert again.occurrences == 2 and again.status == "acknowledged"


def test_high_and_critical_alerts_put_the_customer_on_the_watch_list():
    customer = f.CustomerFactory()
    alert = _low(customer, score="2.5")  # high
    entry = WatchlistEntry.objects.get(customer=customer, removed_at__isnull=True)
    assert entry.reason == "alert" and entry.alert_id == alert.pk and entry.added_by is None
    _low(customer, score="1.0")  # a second alert for the same customer: still one active entry
    assert WatchlistEntry.objects.filter(customer=customer).count() == 1


def test_medium_alert_does_not_watch_the_customer():
    _low(score="3.2")
    assert not WatchlistEntry.objects.exists()


def test_high_alert_emails_opted_in_managers_with_a_link(manager_user, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://cx.example.com"
    other = f.UserFactory(username="quiet_manager", role="manager")
    notification_preferences_update(user=other, alert_emails=False)
    f.UserFactory(username="plain_staff", role="staff")
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = record_satisfaction(customer=f.CustomerFactory(), service_type="data_analysis", score="1.5")
    alert = SatisfactionAlert.objects.get(record=record)
    assert [m.to for m in mail.outbox] == [[manager_user.email]]
    assert f"https://cx.example.com/alerts/{alert.pk}/" in mail.outbox[0].body
    assert "Critical" in mail.outbox[0].subject


def test_medium_alert_sends_no_email(manager_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=f.CustomerFactory(), service_type="data_analysis", score="3.3")
    assert SatisfactionAlert.objects.get().severity == "medium"
    assert mail.outbox == []


def test_escalation_to_high_emails_once(manager_user, django_capture_on_commit_callbacks):
    customer = f.CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=customer, service_type="data_analysis", score="3.3")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=customer, service_type="data_analysis", score="2.2")
    alert = SatisfactionAlert.objects.get(kind="low_score")
    assert alert.severity == "high" and alert.occurrences == 2
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=customer, service_type="data_analysis", score="2.5")  # same severity
    assert len(mail.outbox) == 1
