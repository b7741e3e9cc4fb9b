"""Celery task of the personal-data tools: the daily retention of free text calls one service."""

from celery import shared_task

from core.retry import TASK_OPTIONS
from satisfaction.privacy.services import personal_text_expire

__all__ = ["expire_personal_text"]


@shared_task(**TASK_OPTIONS)
def expire_personal_text() -> dict:
    """Empty free text older than PERSONAL_TEXT_RETENTION_DAYS (does nothing while it is unset); idempotent."""
    return personal_text_expire()
