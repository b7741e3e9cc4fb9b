"""Outgoing webhooks: alert events as signed JSON, queued per endpoint and delivered by a Celery task."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.on_commit import send_on_commit
from satisfaction.alerts.models import SatisfactionAlert, WebhookDelivery, WebhookEndpoint
from satisfaction.alerts.notifications import alert_url

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Satisfaction-Signature"
EVENT_HEADER = "X-Satisfaction-Event"
SEVERITY_RANK = {"medium": 1, "high": 2, "critical": 3}
RESPONSE_KEEP_CHARS = 2000


def sign(secret: str, body: bytes) -> str:
    """The signature header value: `sha256=` + hex HMAC-SHA256 of the raw body with the endpoint secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alert_event_payload(alert: SatisfactionAlert, event: str) -> dict:
    """The JSON body of an alert event; `text` makes it readable in Slack and Teams incoming webhooks as is."""
    scope = alert.customer.name if alert.customer else (alert.service_type.name_en if alert.service_type else "overall")
    link = alert_url(alert.pk)
    return {
        "event": f"alert.{event}",
        "sent_at": timezone.now().isoformat(),
        "text": f"[{alert.severity.upper()}] {alert.get_kind_display()} ({event}): {scope}. {alert.message_en} {link}",
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "severity": alert.severity,
            "status": alert.status,
            "customer_id": alert.customer_id,
            "customer": alert.customer.name if alert.customer else None,
            "service_type": alert.service_type.code if alert.service_type else None,
            "value": alert.value,
            "threshold": alert.threshold,
            "occurrences": alert.occurrences,
            "message_en": alert.message_en,
            "message_zh": alert.message_zh,
            "evidence": alert.evidence,
            "created_at": alert.created_at.isoformat(),
            "last_seen_at": alert.last_seen_at.isoformat(),
            "resolution_note": alert.resolution_note,
            "url": link,
        },
    }


@transaction.atomic
def webhook_enqueue(*, alert: SatisfactionAlert, event: str) -> list[WebhookDelivery]:
    """Log one pending delivery per active endpoint that wants `event` at this severity; sent after commit."""
    from satisfaction.alerts.tasks import deliver_webhook

    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if endpoint.wants(event) and SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[endpoint.min_severity]
    ]
    if not endpoints:
        return []
    payload = alert_event_payload(alert, event)
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, alert=alert, event=event, payload=payload)
        delivery.full_clean()
        delivery.save()
        send_on_commit(deliver_webhook, delivery.pk)
        deliveries.append(delivery)
    return deliveries


def retry_delay_seconds(retries: int) -> int:
    """Wait before retry number `retries` + 1 of a failed delivery: WEBHOOK_RETRY_BASE_SECONDS doubled each time."""
    base = getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 10)
    return min(base * 2**retries, 3600)


def webhook_deliver(*, delivery_id: int, final_attempt: bool = True, claim: str | None = None) -> bool:
    """POST one delivery and log the outcome; True when the endpoint answered 2xx (or it was already delivered).

    A failure leaves the delivery pending for a retry, or marks it failed on the final attempt. `claim` names the
    sender (the task id, kept across retries and redeliveries): while one sender holds the delivery, another
    (the sweep's, a duplicate) posts nothing and answers False."""
    from satisfaction.alerts.outbox import CLAIM_LEASE

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return True
    if delivery.status == WebhookDelivery.Status.FAILED:
        return False
    claim = claim or uuid.uuid4().hex
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .filter(Q(claimed_by="") | Q(claimed_by=claim) | Q(claimed_at__lt=timezone.now() - CLAIM_LEASE))
        .update(claimed_by=claim, claimed_at=timezone.now())
    )
    if not claimed:
        return False
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Satisfaction-Webhooks/1.0",
            SIGNATURE_HEADER: sign(endpoint.secret, body),
            EVENT_HEADER: f"alert.{delivery.event}",
        },
    )
    status, response_body, error = None, "", ""
    try:
        with urllib.request.urlopen(request, timeout=getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5)) as response:
            status = response.status
            response_body = response.read(RESPONSE_KEEP_CHARS).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
        response_body = exc.read(RESPONSE_KEEP_CHARS).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    now = timezone.now()
    new_status = (
        WebhookDelivery.Status.SUCCEEDED
        if ok
        else (WebhookDelivery.Status.FAILED if final_attempt else WebhookDelivery.Status.PENDING)
    )
    WebhookDelivery.objects.filter(pk=delivery.pk, claimed_by=claim).update(
        status=new_status,
        attempts=delivery.attempts + 1,
        response_status=status,
        response_body=response_body,
        error=error,
        last_attempt_at=now,
        next_attempt_at=now + dt.timedelta(seconds=retry_delay_seconds(delivery.attempts)),
        delivered_at=now if ok else None,
        claimed_by="",
        claimed_at=None,
    )
    if not ok:
        logger.info("Webhook delivery %s to %s failed: %s", delivery.pk, endpoint.url, error or status)
    return ok
