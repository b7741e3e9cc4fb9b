"""Celery tasks for suggestions and measure evaluations: each calls one function and is safe to repeat."""

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from analytics import evaluation, suggestions

__all__ = [
    "evaluate_all_measures",
    "evaluate_measure",
    "generate_improvement_suggestions",
    "request_measure_evaluation",
    "request_suggestion_generation",
]

# Transient database trouble is retried with backoff; both jobs dedupe what they store, so repeating is safe.
DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, DatabaseError),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "max_retries": 8,
}

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, **DB_RETRY)
def generate_improvement_suggestions() -> dict:
    """Nightly and on demand: run every suggestion rule and store the results, deduplicated."""
    result = suggestions.generate_suggestions()
    return {"found": result.found, "created": result.created, "existing": result.existing}


@shared_task(acks_late=True, **DB_RETRY)
def evaluate_measure(measure_id: int) -> str | None:
    """Evaluate one measure's effect and keep the result with it; returns the verdict."""
    stored = evaluation.run_measure_evaluation(measure_id)
    return stored.verdict if stored else None


@shared_task(acks_late=True, **DB_RETRY)
def evaluate_all_measures() -> int:
    """Nightly: evaluate every started measure; returns how many were evaluated."""
    return len(evaluation.run_all_evaluations())


def _send_on_commit(task, *args) -> None:
    def send():
        try:
            task.delay(*args)
        except Exception:  # a broker outage must not break the page; the nightly run catches up
            logger.exception("Could not enqueue %s%r; the nightly run will catch up.", task.name, args)

    transaction.on_commit(send)


def request_suggestion_generation() -> None:
    """Ask for a suggestion run after the current transaction commits (the "refresh" button)."""
    _send_on_commit(generate_improvement_suggestions)


def request_measure_evaluation(measure_id: int) -> None:
    """Ask for one measure's evaluation after the current transaction commits."""
    _send_on_commit(evaluate_measure, measure_id)
