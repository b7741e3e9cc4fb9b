"""Celery tasks for snapshot recomputes: each takes ids or ISO dates and calls one service; all are idempotent."""

import datetime as dt
import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from analytics import snapshots

__all__ = [
    "rebuild_snapshots",
    "recompute_customer_snapshots",
    "recompute_snapshot_bucket",
    "recompute_snapshot_day",
    "recompute_snapshots_for_records",
    "refresh_snapshots_after_batch",
    "refresh_snapshots_after_record",
    "refresh_snapshots_after_segment_change",
]

# Transient database trouble is retried with backoff; a recompute reads committed rows, so repeating it is safe.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, DatabaseError),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "max_retries": 8,
}

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, **DB_RETRY)
def rebuild_snapshots() -> int:
    """Nightly: rebuild the whole daily snapshot table; returns the number of buckets."""
    return snapshots.rebuild_all().buckets


@shared_task(acks_late=True, **DB_RETRY)
def recompute_snapshot_day(day: str) -> int:
    """Recompute every bucket of one local day (ISO date)."""
    return snapshots.recompute_day(day=dt.date.fromisoformat(day)).buckets


@shared_task(acks_late=True, **DB_RETRY)
def recompute_snapshot_bucket(day: str, service_type_id: int, segment_priority: int) -> int:
    """Recompute one (day, service type, segment) bucket."""
    return snapshots.recompute_bucket(
        day=dt.date.fromisoformat(day), service_type_id=service_type_id, segment_priority=segment_priority
    ).buckets


@shared_task(acks_late=True, **DB_RETRY)
def recompute_snapshots_for_records(record_ids: list[int]) -> int:
    """Recompute the buckets some records fall in (after they were recorded or imported)."""
    return snapshots.recompute_for_records(record_ids=record_ids).buckets


@shared_task(acks_late=True, **DB_RETRY)
def recompute_customer_snapshots(customer_id: int) -> int:
    """Move a customer's records to its current segment (after a contact priority changed)."""
    return snapshots.recompute_customer(customer_id=customer_id).buckets


def refresh_snapshots_after_record(record_id: int) -> None:
    """After-record hook: send the bucket recompute; never raises (the nightly rebuild catches up)."""
    _send_safely(recompute_snapshots_for_records, [record_id])


def refresh_snapshots_after_batch(record_ids: list[int]) -> None:
    """After-batch hook: recompute the buckets of an imported batch in one task; never raises."""
    if record_ids:
        _send_safely(recompute_snapshots_for_records, list(record_ids))


def refresh_snapshots_after_segment_change(customer_id: int) -> None:
    """Segment-change hook: move the customer's records to its current segment; never raises (nightly repairs)."""
    _send_safely(recompute_customer_snapshots, customer_id)


def _send_safely(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:
        # The feedback is saved already; a broker outage must not surface to whoever recorded it.
        logger.warning("Could not run %s now; the nightly snapshot rebuild will catch up.", task.name, exc_info=True)
