"""Celery tasks for file imports: each takes an import job id and calls one service."""

from celery import shared_task

from satisfaction.services.imports.jobs import run_import_job

__all__ = ["run_import"]


# No automatic retry: a job is all-or-nothing and idempotent, and a failure is written into the job for the user.
@shared_task(acks_late=True)
def run_import(job_id: int) -> str:
    """Run the import job `job_id`; returns its final status."""
    return run_import_job(job_id=job_id).status
