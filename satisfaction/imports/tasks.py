"""Celery tasks for file imports: each calls one service (an import job by id, the daily file retention, the sweep
of jobs whose process died)."""

from celery import shared_task

from satisfaction.imports.services import import_job_run, import_jobs_fail_stale, purge_import_files

__all__ = ["fail_stale_import_jobs", "purge_old_import_files", "run_import"]


# No automatic retry: a job is all-or-nothing and idempotent, and a failure is written into the job for the user.
@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    """Run the import job `job_id`; returns its final status."""
    return import_job_run(job_id=job_id).status


# No retry either: the purge is idempotent and the next daily run picks up whatever this one left.
@shared_task(acks_late=True)
def purge_old_import_files() -> int:
    """Delete the files of import jobs past the retention (IMPORT_FILE_RETENTION_DAYS); returns how many jobs."""
    return purge_import_files()


# Idempotent: a job is marked once; a missed run is made up by the next one.
@shared_task(acks_late=True)
def fail_stale_import_jobs() -> int:
    """Mark failed the import jobs whose process stopped reporting (IMPORT_STALE_SECONDS); returns how many."""
    return import_jobs_fail_stale()
