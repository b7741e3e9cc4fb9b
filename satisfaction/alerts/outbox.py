"""The outbox of alert e-mails, and the sweep that re-sends what the broker lost (e-mails and webhook deliveries).

An alert's e-mails are rows (`AlertEmail`, one per recipient) written in the transaction that opens or escalates
the alert, so they exist exactly when the alert does. A task sends each row after commit; while the broker is
down the row simply waits, and the periodic sweep enqueues it again once the broker is back. Without a broker
(eager mode) the task runs in-process on commit, as any other.

Each message is sent once: a task claims the row (a conditional update naming the task) before it sends, so a
second task for the same row (the sweep's, a duplicate) finds it claimed or sent and does nothing. A redelivered
task (`acks_late`, after a worker died mid-send) carries the same task id and takes its claim back; a claim older
than CLAIM_LEASE belongs to a dead worker and may be taken over. The one window left is a worker dying after the
mail server accepted the message and before the row says so: that message is sent again on redelivery, because
losing an alert e-mail is worse than sending it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.on_commit import send_on_commit
from satisfaction.alerts.models import AlertEmail, SatisfactionAlert, WebhookDelivery
from satisfaction.alerts.notifications import NOTIFY_SEVERITIES, alert_email_content, users_opted_in

logger = logging.getLogger(__name__)

# Longer than any send could take (SMTP timeouts included): a claim this old is a dead worker's.
CLAIM_LEASE = dt.timedelta(minutes=10)
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
ERROR_KEEP_CHARS = 2000
REQUEUE_BATCH = 1000


def max_attempts() -> int:
    """Attempts at one e-mail before it is marked failed (an admin can queue it again)."""
    return int(getattr(settings, "ALERT_EMAIL_MAX_ATTEMPTS", 20))


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes, at most an hour."""
    return dt.timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def alert_emails_enqueue(*, alert: SatisfactionAlert, event: str, send: bool = True) -> list[AlertEmail]:
    """Write one pending e-mail per manager who wants alert e-mails, in the caller's transaction; with `send`, each
    is handed to the sending task once the transaction commits. Nothing for medium or resolved alerts."""
    if alert.severity not in NOTIFY_SEVERITIES or alert.status == SatisfactionAlert.Status.RESOLVED:
        return []
    emails = []
    for user in users_opted_in("alert_emails"):
        email = AlertEmail(alert=alert, event=event, recipient=user, to_email=user.email)
        email.full_clean()
        email.save()
        emails.append(email)
    if send:
        from satisfaction.alerts.tasks import send_outbox_email

        for email in emails:
            send_on_commit(send_outbox_email, email.pk)
    return emails


def notify_alert(*, alert_id: int) -> int:
    """Queue and send now the e-mails about a high or critical alert to the managers who want them; returns the
    number sent. The alert services queue them in their own transaction instead (`alert_emails_enqueue`)."""
    alert = SatisfactionAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        return 0
    with transaction.atomic():
        emails = alert_emails_enqueue(alert=alert, event="opened", send=False)
    return sum(alert_email_send(email_id=email.pk) for email in emails)


def _claimable(claim: str, now) -> Q:
    return (
        Q(status=AlertEmail.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=AlertEmail.Status.SENDING, claimed_by=claim)
        | Q(status=AlertEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    )


def alert_email_send(*, email_id: int, claim: str | None = None) -> bool:
    """Send one queued e-mail unless another task holds it or it is done; True when this call sent it.

    `claim` names the sender (the task id, so a redelivered task takes its own claim back). A failure leaves the
    e-mail pending for a later attempt with the error shown in the admin, or failed after `max_attempts()`."""
    claim = claim or uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        AlertEmail.objects.filter(pk=email_id)
        .filter(_claimable(claim, now))
        .update(
            status=AlertEmail.Status.SENDING,
            claimed_by=claim,
            claimed_at=now,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    )
    if not claimed:
        return False
    email = AlertEmail.objects.select_related("alert__customer", "alert__service_type", "alert__record").get(
        pk=email_id
    )
    mine = AlertEmail.objects.filter(pk=email_id, claimed_by=claim)
    released = {"claimed_by": "", "claimed_at": None}
    if email.alert.status == SatisfactionAlert.Status.RESOLVED:
        mine.update(status=AlertEmail.Status.SKIPPED, **released)
        return False
    subject, body = alert_email_content(email.alert)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email.to_email], fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server leaves the e-mail for a retry
        failed = email.attempts >= max_attempts()
        mine.update(
            status=AlertEmail.Status.FAILED if failed else AlertEmail.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:ERROR_KEEP_CHARS],
            next_attempt_at=timezone.now() + retry_delay(email.attempts),
            subject=subject[:300],
            body=body,
            **released,
        )
        logger.warning("Alert e-mail %s to %s failed (attempt %s): %s", email.pk, email.to_email, email.attempts, exc)
        return False
    mine.update(
        status=AlertEmail.Status.SENT,
        sent_at=timezone.now(),
        subject=subject[:300],
        body=body,
        last_error="",
        **released,
    )
    return True


@transaction.atomic
def alert_emails_retry(*, email_ids: list[int]) -> int:
    """Queue failed or skipped e-mails again (the admin's action); returns how many were queued."""
    from satisfaction.alerts.tasks import send_outbox_email

    done = AlertEmail.objects.filter(pk__in=email_ids, status__in=[AlertEmail.Status.FAILED, AlertEmail.Status.SKIPPED])
    queued = list(done.select_for_update().values_list("pk", flat=True))
    AlertEmail.objects.filter(pk__in=queued).update(
        status=AlertEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_by="", claimed_at=None
    )
    for email_id in queued:
        send_on_commit(send_outbox_email, email_id)
    return len(queued)


def _publish_all(task, ids: list[int]) -> int:
    """`task.delay(id)` for each id; stops at the first broker failure (the next sweep tries again)."""
    for published, pk in enumerate(ids):
        try:
            task.delay(pk)
        except Exception:  # noqa: BLE001 - broker down: logged, the rows stay pending
            logger.warning("Broker unreachable: %d message(s) stay queued for the next sweep.", len(ids) - published)
            return published
    return len(ids)


def outbox_requeue(*, now=None) -> dict[str, int]:
    """Hand every due e-mail and webhook delivery to its task again: pending ones whose next attempt is due, and
    ones claimed by a worker that died. Safe to run any time: the claim lets one task send each message."""
    from satisfaction.alerts.tasks import deliver_webhook, send_outbox_email

    now = now or timezone.now()
    stale = now - CLAIM_LEASE
    email_ids = list(
        AlertEmail.objects.filter(
            Q(status=AlertEmail.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=AlertEmail.Status.SENDING, claimed_at__lt=stale)
        )
        .order_by("id")
        .values_list("id", flat=True)[:REQUEUE_BATCH]
    )
    delivery_ids = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_by="") | Q(claimed_at__lt=stale))
        .order_by("id")
        .values_list("id", flat=True)[:REQUEUE_BATCH]
    )
    return {
        "emails": _publish_all(send_outbox_email, email_ids),
        "webhooks": _publish_all(deliver_webhook, delivery_ids),
    }
