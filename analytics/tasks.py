"""Celery tasks of analytics: snapshot recomputes, suggestions and measure evaluations.

Each takes ids or ISO dates, calls one function and is idempotent (see core.retry).
"""

import datetime as dt
import logging

from celery import shared_task

from analytics import bundles, subscriptions
from analytics.lib import helpdesk_snapshots, snapshots, submetrics
from analytics.rules import evaluation, suggestions
from core.localtime import local_tz
from core.on_commit import send_on_commit, send_safely
from core.retry import TASK_OPTIONS

__all__ = [
    "rebuild_snapshots",
    "recompute_customer_snapshots",
    "recompute_helpdesk_days",
    "recompute_snapshot_bucket",
    "recompute_snapshot_day",
    "recompute_snapshots_for_records",
    "rebuild_text_snapshots",
    "refresh_text_snapshots_after_analysis",
    "refresh_text_snapshots_after_rebuild",
    "refresh_snapshots_after_batch",
    "refresh_snapshots_after_record",
    "refresh_snapshots_after_segment_change",
    "evaluate_all_measures",
    "evaluate_measure",
    "generate_improvement_suggestions",
    "request_measure_evaluation",
    "request_suggestion_generation",
    "refresh_suggestions_after_history_import",
    "send_report_subscriptions",
    "deliver_report_subscription",
    "build_report_bundle",
]

logger = logging.getLogger(__name__)


@shared_task(**TASK_OPTIONS)
def rebuild_snapshots() -> int:
    """Nightly: rebuild the whole daily snapshot table and the sub-metric pre-aggregates; returns the buckets."""
    buckets = snapshots.rebuild_all().buckets
    submetrics.rebuild_all()
    helpdesk_snapshots.rebuild_all()
    return buckets


@shared_task(**TASK_OPTIONS)
def recompute_snapshot_day(day: str) -> int:
    """Recompute every bucket of one local day (ISO date), snapshots and sub-metric pre-aggregates."""
    submetrics.recompute_day(day=dt.date.fromisoformat(day))
    return snapshots.recompute_day(day=dt.date.fromisoformat(day)).buckets


@shared_task(**TASK_OPTIONS)
def recompute_snapshot_bucket(day: str, service_type_id: int, segment_priority: int) -> int:
    """Recompute one (day, service type, segment) bucket (and that day's sub-metric pre-aggregates)."""
    submetrics.recompute_day(day=dt.date.fromisoformat(day))
    return snapshots.recompute_bucket(
        day=dt.date.fromisoformat(day), service_type_id=service_type_id, segment_priority=segment_priority
    ).buckets


@shared_task(**TASK_OPTIONS)
def recompute_snapshots_for_records(record_ids: list[int]) -> int:
    """Recompute the buckets some records fall in (after they were recorded or imported)."""
    submetrics.recompute_for_records(record_ids=record_ids)
    return snapshots.recompute_for_records(record_ids=record_ids).buckets


@shared_task(**TASK_OPTIONS)
def recompute_customer_snapshots(customer_id: int) -> int:
    """Move a customer's records to its current segment (after a contact priority changed)."""
    submetrics.recompute_customer(customer_id=customer_id)
    helpdesk_snapshots.recompute_customer(customer_id=customer_id)
    return snapshots.recompute_customer(customer_id=customer_id).buckets


@shared_task(**TASK_OPTIONS)
def recompute_helpdesk_days(days: list[str]) -> int:
    """Recompute the segment comparison's ticket and complaint pre-aggregates of some local days (ISO dates)."""
    return helpdesk_snapshots.recompute_days(days=[dt.date.fromisoformat(d) for d in days]).buckets


@shared_task(**TASK_OPTIONS)
def rebuild_text_snapshots(since: str | None = None) -> int:
    """Recompute the text and topic pre-aggregates from a local day (ISO date) on, or all of them."""
    return snapshots.rebuild_texts(since=dt.date.fromisoformat(since) if since else None)


def refresh_text_snapshots_after_analysis(record_ids: list[int]) -> None:
    """After-analysis hook: recompute the buckets of the analysed records (topics, texts); never raises."""
    if record_ids:
        send_safely(recompute_snapshots_for_records, list(record_ids))


def refresh_text_snapshots_after_rebuild(since: dt.datetime | None) -> None:
    """After-rebuild hook of `analyse_feedback`: one recompute of the text pre-aggregates; never raises."""
    send_safely(rebuild_text_snapshots, since.astimezone(local_tz()).date().isoformat() if since else None)


def refresh_snapshots_after_record(record_id: int) -> None:
    """After-record hook: send the bucket recompute; never raises (the nightly rebuild catches up)."""
    send_safely(recompute_snapshots_for_records, [record_id])


def refresh_snapshots_after_batch(record_ids: list[int]) -> None:
    """After-batch hook: recompute the buckets of an imported batch in one task; never raises."""
    if record_ids:
        send_safely(recompute_snapshots_for_records, list(record_ids))


def refresh_snapshots_after_segment_change(customer_id: int) -> None:
    """Segment-change hook: move the customer's records to its current segment; never raises (nightly repairs)."""
    send_safely(recompute_customer_snapshots, customer_id)


@shared_task(**TASK_OPTIONS)
def generate_improvement_suggestions() -> dict:
    """Nightly and on demand: run every suggestion rule and store the results, deduplicated."""
    result = suggestions.generate_suggestions()
    return {"found": result.found, "created": result.created, "existing": result.existing}


@shared_task(**TASK_OPTIONS)
def evaluate_measure(measure_id: int) -> str | None:
    """Evaluate one measure's effect and keep the result with it; returns the verdict."""
    stored = evaluation.run_measure_evaluation(measure_id)
    return stored.verdict if stored else None


@shared_task(**TASK_OPTIONS)
def evaluate_all_measures() -> int:
    """Nightly: evaluate every started measure; returns how many were evaluated."""
    return len(evaluation.run_all_evaluations())


@shared_task(**TASK_OPTIONS)
def send_report_subscriptions() -> int:
    """Daily: one delivery task per subscription whose last complete period is not sent yet; returns how many."""
    due = subscriptions.due_subscription_ids()
    for subscription_id in due:
        deliver_report_subscription.delay(subscription_id)
    return len(due)


@shared_task(**TASK_OPTIONS)
def deliver_report_subscription(subscription_id: int) -> bool:
    """E-mail one subscription's PDF for its last complete period, unless already sent; returns whether it was."""
    return subscriptions.deliver_subscription_id(subscription_id)


# No retry: a failed build is written into its job for the page, and the manager starts another.
@shared_task(acks_late=True)
def build_report_bundle(token: str) -> str:
    """Build the report bundle of job `token` (started from the report page); returns its final state."""
    job = bundles.bundle_job_run(token=token)
    return job.state if job else "missing"


def request_suggestion_generation() -> None:
    """Ask for a suggestion run after the current transaction commits (the "refresh" button)."""
    send_on_commit(generate_improvement_suggestions)


def refresh_suggestions_after_history_import() -> None:
    """After-history hook: the suggestions see the imported past at once, not at the nightly run; never raises."""
    send_safely(generate_improvement_suggestions)


def request_measure_evaluation(measure_id: int) -> None:
    """Ask for one measure's evaluation after the current transaction commits."""
    send_on_commit(evaluate_measure, measure_id)
