"""Reads of import jobs and saved mappings."""

from __future__ import annotations

from django.db.models import QuerySet

from core.roles import is_manager
from satisfaction.imports.models import ImportJob, ImportMapping


def import_job_list(*, user=None) -> QuerySet[ImportJob]:
    """Import jobs, newest first, with who started them and the mapping used.

    With `user`: the jobs a staff member may see, their own (the rows and error reports hold customer data);
    managers and admins see every job."""
    jobs = ImportJob.objects.select_related("created_by", "mapping").order_by("-created_at", "-pk")
    if user is not None and not is_manager(user):
        jobs = jobs.filter(created_by=user) if user.is_authenticated else jobs.none()
    return jobs


def import_mapping_list(*, user=None) -> QuerySet[ImportMapping]:
    """Saved mappings by kind and name, with who saved them.

    With `user`, as for jobs: staff see (and may change) the mappings they saved, managers and admins all."""
    mappings = ImportMapping.objects.select_related("created_by").order_by("kind", "name")
    if user is not None and not is_manager(user):
        mappings = mappings.filter(created_by=user) if user.is_authenticated else mappings.none()
    return mappings
