"""The audit trail of imports in django-auditlog: one entry per import job, one per row an import created or updated.

Rows an import creates are written in bulk (`core.batch`), past the model signals auditlog listens to, so their
entries are written here, in bulk too and in the same transaction: an entry exists exactly when its row does.
Rows it updates go through the entity's update service and get auditlog's own entry with the changed fields.
Every entry of one import carries the same correlation id (`cid`, "import-job-<id>", or "import-<random>" for
the command) and `additional_data` {"import_job": id, "file": name}: from any row's entry to its job, and back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from auditlog.context import auditlog_value, set_extra_data
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.batch import listening_for_created

ENTRY_BATCH = 2000


class ImportTrail:
    """The audit context of one import: who ran it, from which file, under which job."""

    def __init__(self, *, user=None, filename: str = "", job_id: int | None = None):
        self.actor = user if user is not None and user.pk is not None else None
        self.cid = f"import-job-{job_id}" if job_id else f"import-{uuid.uuid4().hex[:16]}"
        self.extra = {"import_job": job_id, "file": filename}

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Inside: created rows get an entry each, and the update services' entries carry this import's marks."""
        context = {"cid": self.cid, "additional_data": self.extra}
        if self.actor is not None:
            context["actor"] = self.actor
        outer = auditlog_value.get(None)
        try:
            with set_extra_data(context_data=context), listening_for_created(self.rows_created):
                yield
        finally:
            # auditlog leaves its context variable set on exit: give the request's own context (its actor) back.
            if outer is not None:
                auditlog_value.set(outer)

    def rows_created(self, model, created: list[tuple[int, str]]) -> None:
        """One CREATE entry per new row; its external id names it (the row itself is one query away)."""
        if not created:
            return
        content_type = ContentType.objects.get_for_model(model)
        now = timezone.now()
        email = getattr(self.actor, "email", None) if self.actor else None
        label = str(model._meta.verbose_name)
        LogEntry.objects.bulk_create(
            (
                LogEntry(
                    content_type=content_type,
                    object_pk=str(pk),
                    object_id=pk,
                    object_repr=f"{label} {external_id}",
                    action=LogEntry.Action.CREATE,
                    changes={"external_id": ["None", external_id]},
                    changes_text="",
                    actor=self.actor,
                    actor_email=email,
                    cid=self.cid,
                    timestamp=now,
                    additional_data=self.extra,
                )
                for pk, external_id in created
            ),
            batch_size=ENTRY_BATCH,
        )


def import_job_audited(*, job, status_before: str) -> LogEntry:
    """The job's own entry once it finished: its outcome and counts, by whoever started it."""
    changes = {
        "status": [status_before, job.status],
        "rows_total": ["0", str(job.rows_total)],
        "created_count": ["0", str(job.created_count)],
        "updated_count": ["0", str(job.updated_count)],
        "error_count": ["0", str(job.error_count)],
    }
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(job)),
        object_pk=str(job.pk),
        object_id=job.pk,
        object_repr=str(job)[:200],
        action=LogEntry.Action.UPDATE,
        changes=changes,
        changes_text="",
        actor=job.created_by,
        actor_email=getattr(job.created_by, "email", None),
        cid=f"import-job-{job.pk}",
        additional_data={"import_job": job.pk, "file": job.original_name, "message": job.message[:500]},
    )
