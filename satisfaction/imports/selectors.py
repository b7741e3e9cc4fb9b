"""Reads of import jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from core.roles import is_manager
from satisfaction.imports.models import ImportJob


def import_job_list(*, user=None) -> QuerySet[ImportJob]:
    """Import jobs, newest first, with who started them and the mapping used.

    With `user`: the jobs a staff member may see, their own (the rows and error reports hold customer data);
    managers and admins see every job."""
    jobs = ImportJob.objects.select_related("created_by", "mapping").order_by("-created_at", "-pk")
    if user is not None and not is_manager(user):
        jobs = jobs.filter(created_by=user) if user.is_authenticated else jobs.none()
    return jobs
