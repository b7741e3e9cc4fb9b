"""Outgoing webhooks against a real HTTP server on 127.0.0.1: signed JSON, delivery log, failures never block."""

import hashlib
import hmac
import http.server
import json
import socket
import threading
from decimal import Decimal

import pytest

from satisfaction.alerts.models import SatisfactionAlert, WebhookDelivery
from satisfaction.alerts.services import alert_resolve
from satisfaction.alerts.webhooks import webhook_deliver
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


class Receiver:
    """A tiny HTTP server in a thread that records every POST and answers with the next queued status."""

    def __init__(self, statuses=(200,)):
        self.requests = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _record_low(score="1.5", customer=None):
    record, _ = record_satisfaction(customer=customer or f.CustomerFactory(), service_type="data_analysis", score=score)
    return record


def test_opened_alert_is_posted_signed_with_slack_text(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        endpoint = f.WebhookEndpointFactory(url=receiver.url, secret="s3cret")
        with django_capture_on_commit_callbacks(execute=True):
            record = _record_low()
    alert = SatisfactionAlert.objects.get(record=record)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Satisfaction-Signature"] == expected
    assert request["headers"]["X-Satisfaction-Event"] == "alert.opened"
    payload = json.loads(request["body"])
    assert payload["event"] == "alert.opened"
    assert payload["alert"]["id"] == alert.pk and payload["alert"]["severity"] == "critical"
    assert "CRITICAL" in payload["text"] and f"/alerts/{alert.pk}/" in payload["text"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.status, delivery.attempts, delivery.response_status) == (
        endpoint,
        "succeeded",
        1,
        200,
    )


def test_resolved_and_escalated_events(django_capture_on_commit_callbacks, manager_user):
    customer = f.CustomerFactory()
    with Receiver() as receiver:
        f.WebhookEndpointFactory(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            _record_low("3.2", customer)  # medium: opened
        with django_capture_on_commit_callbacks(execute=True):
            _record_low("1.2", customer)  # critical: escalated
        alert = SatisfactionAlert.objects.get(kind="low_score")
        with django_capture_on_commit_callbacks(execute=True):
            alert_resolve(alert=alert, user=manager_user, note="refund agreed")
    events = [json.loads(r["body"])["event"] for r in receiver.requests]
    assert events == ["alert.opened", "alert.escalated", "alert.resolved"]
    assert json.loads(receiver.requests[-1]["body"])["alert"]["resolution_note"] == "refund agreed"


def test_endpoint_filters_by_event_severity_and_active(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        f.WebhookEndpointFactory(url=receiver.url, min_severity="critical")
        f.WebhookEndpointFactory(url=receiver.url, on_opened=False)
        f.WebhookEndpointFactory(url=receiver.url, is_active=False)
        with django_capture_on_commit_callbacks(execute=True):
            _record_low("2.5")  # high: below the first endpoint's minimum
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_failing_endpoint_never_blocks_recording_or_alerting(django_capture_on_commit_callbacks):
    with Receiver(statuses=[500]) as receiver:
        f.WebhookEndpointFactory(url=receiver.url, name="broken")
        f.WebhookEndpointFactory(url=f"http://127.0.0.1:{_free_port()}/nobody-listens", name="down")
        with django_capture_on_commit_callbacks(execute=True):
            record = _record_low()
    assert SatisfactionRecord.objects.filter(pk=record.pk, alerts_evaluated_at__isnull=False).exists()
    assert SatisfactionAlert.objects.filter(record=record).exists()
    deliveries = {d.endpoint.name: d for d in WebhookDelivery.objects.select_related("endpoint")}
    assert deliveries["broken"].status == "failed" and deliveries["broken"].response_status == 500
    assert deliveries["down"].status == "failed" and "Connection" in deliveries["down"].error
    assert deliveries["down"].response_status is None


def test_a_retry_after_failure_delivers_and_logs_attempts():
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="k", severity="high", value=2.0)
    with Receiver(statuses=[503, 200]) as receiver:
        endpoint = f.WebhookEndpointFactory(url=receiver.url)
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, alert=alert, event="opened", payload={"a": 1})
        assert webhook_deliver(delivery_id=delivery.pk, final_attempt=False) is False
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 503)
        assert webhook_deliver(delivery_id=delivery.pk, final_attempt=False) is True
        assert webhook_deliver(delivery_id=delivery.pk) is True  # already delivered: not sent again
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 2, 200)
    assert delivery.delivered_at is not None
    assert len(receiver.requests) == 2


def test_payload_amounts_are_the_alert_values(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        f.WebhookEndpointFactory(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            _record_low("2.7")
    alert_json = json.loads(receiver.requests[0]["body"])["alert"]
    assert alert_json["value"] == float(Decimal("2.7")) and alert_json["threshold"] == 3.5
    assert alert_json["kind"] == "low_score" and alert_json["service_type"] == "data_analysis"
