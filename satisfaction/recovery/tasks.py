"""Celery tasks of recovery cases: each takes ids and calls one service."""

from celery import shared_task

from core.on_commit import send_safely
from core.retry import TASK_OPTIONS
from satisfaction.recovery import services

__all__ = ["open_recovery_case", "open_recovery_cases", "recovery_reminders"]


@shared_task(**TASK_OPTIONS)
def open_recovery_case(record_id: int) -> int | None:
    """Open the recovery case of one response if it owes a call-back; returns the case id."""
    case = services.recovery_case_open(record_id=record_id)
    return case.pk if case else None


@shared_task(**TASK_OPTIONS)
def open_recovery_cases(record_ids: list[int]) -> int:
    """Open the recovery cases of an imported batch; returns how many were opened."""
    return services.recovery_cases_open(record_ids=record_ids)


@shared_task(**TASK_OPTIONS)
def recovery_reminders() -> dict:
    """Catch up cases a lost hook missed, then send the due-soon and overdue e-mails (each once per case)."""
    opened = services.sweep_missing_cases()
    return {"opened": opened, **services.send_recovery_reminders()}


def enqueue_case_opening(record_id: int) -> None:
    """After-record hook: open the case; never raises (broker down → logged, the periodic sweep catches up)."""
    send_safely(open_recovery_case, record_id)


def enqueue_batch_case_opening(record_ids: list[int]) -> None:
    """After-batch hook: open the cases of an imported batch; never raises."""
    send_safely(open_recovery_cases, list(record_ids))
