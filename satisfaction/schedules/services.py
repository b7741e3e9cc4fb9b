"""Writes of periodic job runs: claim a due time (the cross-process lock), then record how the run ended."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.db import IntegrityError, transaction
from django.utils import timezone

from satisfaction.schedules.models import JobRun

# A claimed run that has not finished after this long is taken as dead (the process stopped): the job may run again.
# Celery's hard task limit is 15 minutes, so a live run never lasts longer.
RUN_GIVE_UP = dt.timedelta(minutes=20)
RESULT_CHARS = 2000


def _process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_run_claim(*, job: str, due_at: dt.datetime, now: dt.datetime | None = None) -> JobRun | None:
    """Claim `job` for `due_at`; None when it ran (or is claimed) for that time, or an earlier run still goes on.

    The claim is the insert of the (job, due_at) row: of two processes that try at once, the database lets one
    succeed and gives the other an IntegrityError, on SQLite and PostgreSQL alike.
    """
    now = now or timezone.now()
    runs = JobRun.objects.filter(job=job)
    if runs.filter(due_at__gte=due_at).exists():
        return None
    if runs.filter(finished_at__isnull=True, started_at__gt=now - RUN_GIVE_UP).exists():
        return None
    run = JobRun(job=job, due_at=due_at, started_at=now, host=_process())
    # The unique constraint is checked by the insert itself (the lock), not by a query before it.
    run.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            run.save(force_insert=True)
    except IntegrityError:
        return None
    return run


def job_run_finish(*, run: JobRun, ok: bool, result: str = "", error: str = "") -> JobRun:
    """Record how a claimed run ended: its result or its error, and when."""
    run.finished_at = timezone.now()
    run.ok = ok
    run.result = result[:RESULT_CHARS]
    run.error = error[:RESULT_CHARS]
    run.full_clean(validate_unique=False, validate_constraints=False)
    run.save(update_fields=["finished_at", "ok", "result", "error"])
    return run
