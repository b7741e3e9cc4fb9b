"""Reads of the periodic jobs: each job of the beat schedule with its last run and its next due time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from satisfaction.schedules.models import JobRun
from satisfaction.schedules.schedule import Job, next_due
from satisfaction.schedules.scheduler import beat_jobs


@dataclass(frozen=True)
class JobStatus:
    """One periodic job as the jobs page and the admin show it."""

    job: Job
    last_run: JobRun | None
    next_run: dt.datetime | None

    @property
    def state(self) -> str:
        if self.last_run is None:
            return "never"
        if self.last_run.finished_at is None:
            return "running"
        return "ok" if self.last_run.ok else "failed"


def job_statuses(*, now: dt.datetime | None = None) -> list[JobStatus]:
    """Every job of the beat schedule, in its declared order, with its latest run (two queries in all)."""
    now = now or timezone.now()
    jobs = beat_jobs()
    latest = JobRun.objects.filter(job__in=[j.name for j in jobs]).values("job").annotate(due=Max("due_at"))
    match = Q(pk__in=[])
    for row in latest:
        match |= Q(job=row["job"], due_at=row["due"])
    runs = {run.job: run for run in JobRun.objects.filter(match)}
    return [JobStatus(job=j, last_run=runs.get(j.name), next_run=next_due(j, now)) for j in jobs]


def schedules_run_here() -> bool:
    """True when this site's web process runs the schedule (no broker); with a broker, Celery beat does."""
    return bool(settings.SCHEDULER_EMBEDDED)
