"""Celery tasks for alert evaluation, the watch list, risk scores and webhooks: each takes ids and calls one service."""

import logging

from celery import shared_task

from core.on_commit import send_safely
from core.retry import TASK_OPTIONS
from satisfaction.alerts import outbox, webhooks
from satisfaction.alerts import services as alert_services

logger = logging.getLogger(__name__)

__all__ = [
    "deliver_webhook",
    "evaluate_record",
    "evaluate_records",
    "run_window_rules",
    "send_alert_email",
    "send_outbox_email",
    "sweep_unevaluated_alerts",
]


WEBHOOK_MAX_RETRIES = 6


BATCH_CHUNK = 200


# The sweep runs every minute: stop before the next one starts; a backlog is worked off over several runs.
SWEEP_TIME_BUDGET_SECONDS = 50


@shared_task(**TASK_OPTIONS)
def evaluate_record(record_id: int) -> int:
    """Run the per-record alert rules once; returns the number of alerts opened or refreshed (0 if done before)."""
    alerts = alert_services.evaluate_record(record_id=record_id)
    return len(alerts or [])


@shared_task(**TASK_OPTIONS)
def evaluate_records(record_ids: list[int]) -> int:
    """Evaluate a batch of records (after a file import); returns how many this run evaluated."""
    return alert_services.evaluate_records(record_ids=record_ids)


@shared_task(**TASK_OPTIONS)
def sweep_unevaluated_alerts() -> int:
    """Catch up records whose evaluation never ran (broker down, worker died), then hand the e-mails and webhook
    deliveries still pending back to their tasks; returns how many records it evaluated."""
    evaluated = alert_services.sweep_unevaluated(time_budget_seconds=SWEEP_TIME_BUDGET_SECONDS)
    requeued = outbox.outbox_requeue()
    if any(requeued.values()):
        logger.info("Outbox sweep re-sent %(emails)d e-mail(s) and %(webhooks)d webhook delivery(ies).", requeued)
    return evaluated


@shared_task(**TASK_OPTIONS)
def run_window_rules() -> dict:
    """Customer decline, complaint SLA, target at risk, and the risk scores."""
    return alert_services.evaluate_window_rules()


@shared_task(**TASK_OPTIONS)
def run_drift_detector() -> int:
    """The weekly drop detector over every (service type × segment) cell and the overall rate."""
    return alert_services.evaluate_drift()


@shared_task(**TASK_OPTIONS)
def send_alert_email(alert_id: int) -> int:
    """Queue and send the e-mails about one alert (messages queued before the outbox existed still name this)."""
    return outbox.notify_alert(alert_id=alert_id)


@shared_task(bind=True, **TASK_OPTIONS)
def send_outbox_email(self, email_id: int) -> bool:
    """Send one queued alert e-mail once; a failure waits in the outbox for the sweep's next attempt."""
    return outbox.alert_email_send(email_id=email_id, claim=self.request.id)


@shared_task(bind=True, acks_late=True, max_retries=WEBHOOK_MAX_RETRIES)
def deliver_webhook(self, delivery_id: int) -> bool:
    """POST one webhook delivery; a failure is retried with exponential backoff, then logged as failed."""
    # Without a broker (eager mode) there is nobody to retry later: one attempt, then the log says failed.
    final = bool(self.request.is_eager) or self.request.retries >= self.max_retries
    delivered = webhooks.webhook_deliver(delivery_id=delivery_id, final_attempt=final, claim=self.request.id)
    if not delivered and not final:
        raise self.retry(countdown=webhooks.retry_delay_seconds(self.request.retries))
    return delivered


def enqueue_record_evaluation(record_id: int) -> None:
    """After-record hook: send `evaluate_record`; never raises (broker down → logged, the sweep catches up)."""
    send_safely(evaluate_record, record_id)


def enqueue_batch_evaluation(record_ids: list[int]) -> None:
    """After-batch hook: evaluate an imported batch in chunks; never raises (the sweep catches up)."""
    for start in range(0, len(record_ids), BATCH_CHUNK):
        send_safely(evaluate_records, list(record_ids[start : start + BATCH_CHUNK]))
