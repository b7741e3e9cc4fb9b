"""The embedded scheduler: without a broker, the web process runs the beat schedule itself.

`tick()` runs every job whose latest due time has not been claimed yet; `EmbeddedScheduler` is the thread that
calls it every SCHEDULER_TICK_SECONDS. Jobs are looked up by task name in the Celery app's registry, so this
package depends on no other: the one beat schedule in `satisfaction_site/celery.py` says what runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from satisfaction.schedules.models import JobRun
from satisfaction.schedules.schedule import Job, jobs_from, last_due
from satisfaction.schedules.services import job_run_claim, job_run_finish

logger = logging.getLogger(__name__)


def celery_app():
    from satisfaction_site.celery import app

    # Autodiscovery is lazy: a worker imports the packages' task modules at start-up, the web process does not.
    # Import them here (once; later calls are cheap) so every job of the schedule finds its task by name.
    app.loader.import_default_modules()
    return app


def beat_jobs() -> list[Job]:
    """The jobs of the one beat schedule."""
    return jobs_from(celery_app().conf.beat_schedule)


def catch_up_window() -> dt.timedelta:
    """How late a crontab job may still run: a nightly job missed while the site was down is not run at noon."""
    return dt.timedelta(minutes=settings.SCHEDULER_CATCH_UP_MINUTES)


def tick(*, now: dt.datetime | None = None, jobs: list[Job] | None = None) -> list[JobRun]:
    """Run each job that is due and not yet claimed for its due time; returns the runs this call made."""
    now = now or timezone.now()
    made = []
    for job in beat_jobs() if jobs is None else jobs:
        due = last_due(job, now)
        if due is None or (not job.is_interval and now - due > catch_up_window()):
            continue
        run = job_run_claim(job=job.name, due_at=due, now=now)
        if run is not None:
            made.append(run_job(job, run))
    return made


def run_job(job: Job, run: JobRun) -> JobRun:
    """Run the job's task in this process and record its result or error (a failure never stops the scheduler)."""
    try:
        task = celery_app().tasks[job.task]
        value = task.apply(args=job.args, kwargs=job.kwargs or {}, throw=True).get()
    except Exception as exc:
        logger.exception("Periodic job %s failed", job.name)
        return job_run_finish(run=run, ok=False, error=f"{type(exc).__name__}: {exc}")
    return job_run_finish(run=run, ok=True, result="" if value is None else str(value))


class EmbeddedScheduler(threading.Thread):
    """A daemon thread of the web process that calls `tick()` every `interval` seconds until stopped."""

    def __init__(self, interval: float | None = None):
        super().__init__(name="embedded-scheduler", daemon=True)
        self.interval = settings.SCHEDULER_TICK_SECONDS if interval is None else interval
        self.stopped = threading.Event()
        self.ticks = 0

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                tick()
            except Exception:
                logger.exception("Embedded scheduler tick failed")
            finally:
                close_old_connections()
                self.ticks += 1
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()


_started: EmbeddedScheduler | None = None
_lock = threading.Lock()


def start_embedded_scheduler() -> EmbeddedScheduler | None:
    """Start the thread once per process when SCHEDULER_EMBEDDED is on (no broker); None otherwise."""
    global _started
    if not settings.SCHEDULER_EMBEDDED:
        return None
    with _lock:
        if _started is None or not _started.is_alive():
            _started = EmbeddedScheduler()
            _started.start()
            logger.info("Embedded scheduler started: %d periodic jobs", len(beat_jobs()))
        return _started
