"""Reads of import jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from satisfaction.imports.models import ImportJob


def import_job_list() -> QuerySet[ImportJob]:
    """Import jobs, newest first, with who started them and the mapping used."""
    return ImportJob.objects.select_related("created_by", "mapping").order_by("-created_at", "-pk")
