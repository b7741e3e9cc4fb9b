"""Celery tasks of the text analysis: each takes record ids and calls the service."""

from celery import shared_task

from core.on_commit import send_safely
from core.retry import TASK_OPTIONS
from satisfaction.text import services

BATCH_CHUNK = 2000


@shared_task(**TASK_OPTIONS)
def analyse_records(record_ids: list[int]) -> int:
    """Analyse these records' texts (idempotent: the stored analysis is replaced)."""
    return services.text_analyse_records(record_ids=record_ids)


@shared_task(**TASK_OPTIONS)
def analyse_unmatched() -> int:
    """After a topic is kept: analyse the recent comments that matched no topic (idempotent)."""
    return services.text_analyse_unmatched()


def enqueue_record_analysis(record_id: int) -> None:
    """After-record hook: analyse the new or changed record; never raises (`analyse_feedback` catches up)."""
    send_safely(analyse_records, [record_id])


def enqueue_batch_analysis(record_ids: list[int]) -> None:
    """After-batch hook: analyse an imported batch in chunks; never raises."""
    for start in range(0, len(record_ids), BATCH_CHUNK):
        send_safely(analyse_records, list(record_ids[start : start + BATCH_CHUNK]))
