"""The audit trail of imports: one django-auditlog entry per import job, a link to the job from every row it created,
and auditlog's own entry for every row it updated.

Rows an import creates are written in bulk (`core.batch`), past the model signals auditlog listens to. Each carries
`import_job` (`core.db.import_job_field`), written in the same statement as the row: the link exists exactly
when the row does, and the job says who ran the import, when, from which file and with what outcome, with its own
entry when it finishes. A separate entry per created row, as first built, cost as much as writing the row itself
(the log table has ten indexes), which the import's throughput target does not leave room for.
Rows it updates go through the entity's update service and get auditlog's own entry with the changed fields.
Every entry of one import carries the same correlation id (`cid`, "import-job-<id>") and `additional_data`
{"import_job": id, "file": name}: from any entry to its job, and back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from auditlog.context import auditlog_value, set_extra_data
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from core.batch import stamping


class ImportTrail:
    """The audit context of one import: who ran it, from which file, under which job."""

    def __init__(self, *, user=None, filename: str = "", job_id: int | None = None):
        self.actor = user if user is not None and user.pk is not None else None
        self.job_id = job_id
        # Without a job (a direct call of `import_file`, as in the benchmark) the entries still share an id.
        self.cid = f"import-job-{job_id}" if job_id else f"import-{uuid.uuid4().hex[:16]}"
        self.extra = {"import_job": job_id, "file": filename}

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Inside: created rows link to the job, and the update services' entries carry this import's marks."""
        context = {"cid": self.cid, "additional_data": self.extra}
        if self.actor is not None:
            context["actor"] = self.actor
        outer = auditlog_value.get(None)
        try:
            with set_extra_data(context_data=context), stamping(import_job_id=self.job_id):
                yield
        finally:
            # auditlog leaves its context variable set on exit: give the request's own context (its actor) back.
            if outer is not None:
                auditlog_value.set(outer)


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
