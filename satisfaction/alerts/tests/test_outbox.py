"""The outbox of alert e-mails and webhook deliveries: rows written with the alert, sent once, retried until sent,
re-enqueued by the sweep after a broker outage, visible in the admin."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from satisfaction.alerts import outbox
from satisfaction.alerts.models import AlertEmail, SatisfactionAlert, WebhookDelivery
from satisfaction.alerts.rules import Finding
from satisfaction.alerts.services import alert_raise, alert_resolve
from satisfaction.alerts.tasks import sweep_unevaluated_alerts
from satisfaction.alerts.tests.test_pipeline import celery_broker
from satisfaction.alerts.tests.test_webhooks import Receiver
from satisfaction.tests import factories as f

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _finding(n: int, severity="critical") -> Finding:
    return Finding(
        kind="low_score",
        dedupe_key=f"outbox-test:{n}",
        severity=severity,
        value=1.0,
        threshold=3.0,
        message_en=f"Alert number {n}",
        message_zh=f"第 {n} 条预警",
    )


@pytest.fixture
def managers(db):
    return [f.UserFactory(username=f"mgr{i}", role="manager", email=f"mgr{i}@example.com") for i in range(2)]


def _sent_to() -> list[tuple[str, str]]:
    """(recipient, first line of the body: the alert's message) of every e-mail sent."""
    return sorted((message.to[0], message.body.splitlines()[0]) for message in mail.outbox)


def _time_passes(*emails):
    """The retry wait of these e-mails is over."""
    AlertEmail.objects.filter(pk__in=[e.pk for e in emails]).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_the_e_mails_are_written_with_the_alert_and_sent_after_commit(managers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert, _ = alert_raise(finding=_finding(1))
        assert AlertEmail.objects.filter(alert=alert, status="pending").count() == 2
        assert mail.outbox == []  # nothing leaves before the commit
    emails = AlertEmail.objects.filter(alert=alert)
    assert sorted(emails.values_list("to_email", "status", "attempts")) == [
        ("mgr0@example.com", "sent", 1),
        ("mgr1@example.com", "sent", 1),
    ]
    assert [m.to for m in mail.outbox] in (
        [["mgr0@example.com"], ["mgr1@example.com"]],
        [["mgr1@example.com"], ["mgr0@example.com"]],
    )
    assert "Alert number 1" in mail.outbox[0].body and emails.first().body == mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_alert_leaves_no_e_mail(managers):
    with pytest.raises(RuntimeError), transaction.atomic():
        alert_raise(finding=_finding(2))
        raise RuntimeError("the caller failed after raising the alert")
    assert not SatisfactionAlert.objects.exists() and not AlertEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_medium_alerts_queue_no_e_mail(managers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(finding=_finding(3, severity="medium"))
    assert not AlertEmail.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_e_mails_wait_and_the_sweep_sends_each_once(managers, caplog):
    with celery_broker(DEAD_BROKER):
        for n in range(5):
            alert_raise(finding=_finding(10 + n))
    assert mail.outbox == []
    assert AlertEmail.objects.filter(status="pending").count() == 10
    assert "periodic jobs will catch up" in caplog.text
    # The broker is back (eager here): the periodic sweep hands every pending e-mail to its task.
    sweep_unevaluated_alerts.delay()
    assert AlertEmail.objects.filter(status="sent").count() == 10
    assert len(mail.outbox) == 10 and len(set(_sent_to())) == 10
    # Sweeping again, or a duplicate task for a sent e-mail, sends nothing more.
    sweep_unevaluated_alerts.delay()
    assert outbox.alert_email_send(email_id=AlertEmail.objects.first().pk) is False
    assert len(mail.outbox) == 10


@pytest.mark.django_db
def test_a_message_held_by_another_task_is_not_sent_twice_and_its_own_redelivery_sends_it(managers):
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="held", severity="high", message_en="Held")
    [email, _other] = outbox.alert_emails_enqueue(alert=alert, event="opened", send=False)
    now = timezone.now()
    AlertEmail.objects.filter(pk=email.pk).update(status="sending", claimed_by="task-a", claimed_at=now)
    assert outbox.alert_email_send(email_id=email.pk, claim="task-b") is False  # a duplicate: someone holds it
    assert outbox.outbox_requeue()["emails"] == 1  # only the other recipient's e-mail is due
    assert [m.to for m in mail.outbox] == [[_other.to_email]]
    # The same task redelivered after its worker died (acks_late) takes its claim back and sends.
    assert outbox.alert_email_send(email_id=email.pk, claim="task-a") is True
    assert len(mail.outbox) == 2
    email.refresh_from_db()
    assert (email.status, email.claimed_by, email.attempts) == ("sent", "", 1)


@pytest.mark.django_db
def test_a_claim_of_a_dead_worker_is_taken_over_by_the_sweep(managers):
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="dead", severity="high")
    emails = outbox.alert_emails_enqueue(alert=alert, event="opened", send=False)
    old = timezone.now() - outbox.CLAIM_LEASE - dt.timedelta(seconds=1)
    AlertEmail.objects.filter(pk__in=[e.pk for e in emails]).update(status="sending", claimed_by="dead", claimed_at=old)
    assert outbox.outbox_requeue() == {"emails": 2, "webhooks": 0}
    assert AlertEmail.objects.filter(status="sent").count() == 2 and len(mail.outbox) == 2


class FailingBackend:
    """An e-mail backend whose mail server refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


@pytest.mark.django_db
def test_a_failed_send_is_retried_later_with_the_error_shown_until_it_is_sent(managers, settings):
    settings.EMAIL_BACKEND = "satisfaction.alerts.tests.test_outbox.FailingBackend"
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="smtp", severity="critical")
    email = outbox.alert_emails_enqueue(alert=alert, event="opened", send=False)[0]
    assert outbox.alert_email_send(email_id=email.pk) is False
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 1)
    assert "ConnectionRefusedError: SMTP server down" in email.last_error
    assert email.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    # Not due yet: the sweep leaves it alone; once due it is sent.
    assert outbox.outbox_requeue()["emails"] == 1  # the second recipient's, never tried
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.outbox_requeue()["emails"] == 0
    _time_passes(email)
    assert outbox.outbox_requeue()["emails"] == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 2, "")


@pytest.mark.django_db
def test_after_the_last_attempt_the_e_mail_is_failed_and_the_admin_sends_it_again(
    managers, settings, admin_client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "satisfaction.alerts.tests.test_outbox.FailingBackend"
    settings.ALERT_EMAIL_MAX_ATTEMPTS = 2
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="give-up", severity="critical")
    email = outbox.alert_emails_enqueue(alert=alert, event="opened", send=False)[0]
    outbox.alert_email_send(email_id=email.pk)
    _time_passes(email)
    outbox.alert_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 2)
    page = admin_client.get("/admin/satisfaction/alertemail/?status__exact=failed").content.decode()
    assert email.to_email in page and "SMTP server down" in page and "Failed" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_client.post(
            "/admin/satisfaction/alertemail/", {"action": "send_again", "_selected_action": [email.pk]}, follow=True
        )
    assert "queued again" in answer.content.decode()
    email.refresh_from_db()
    assert email.status == "sent" and [m.to for m in mail.outbox] == [[email.to_email]]


@pytest.mark.django_db
def test_an_alert_resolved_before_its_e_mail_went_out_sends_none(managers, manager_user):
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="gone", severity="high")
    emails = outbox.alert_emails_enqueue(alert=alert, event="opened", send=False)
    alert_resolve(alert=alert, user=manager_user, note="Called the customer")
    assert outbox.outbox_requeue()["emails"] == len(emails)
    assert set(AlertEmail.objects.values_list("status", flat=True)) == {"skipped"} and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_webhook_lost_with_the_broker_is_delivered_once_by_the_sweep():
    with Receiver(statuses=[200]) as receiver:
        f.WebhookEndpointFactory(url=receiver.url)
        with celery_broker(DEAD_BROKER):
            alert_raise(finding=_finding(20))
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("pending", 0) and receiver.requests == []
        sweep_unevaluated_alerts.delay()
        sweep_unevaluated_alerts.delay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_webhook_another_task_is_posting_is_not_posted_again():
    from satisfaction.alerts.webhooks import webhook_deliver

    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="hook", severity="high")
    with Receiver(statuses=[200]) as receiver:
        endpoint = f.WebhookEndpointFactory(url=receiver.url)
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, alert=alert, event="opened", payload={"a": 1})
        WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_by="task-a", claimed_at=timezone.now())
        assert webhook_deliver(delivery_id=delivery.pk, claim="task-b") is False
        assert outbox.outbox_requeue()["webhooks"] == 0
        assert receiver.requests == []
        assert webhook_deliver(delivery_id=delivery.pk, claim="task-a") is True
    assert len(receiver.requests) == 1
