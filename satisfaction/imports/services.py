"""Import entry points: import a file, create and run import jobs, save header mappings by name, purge old files.

The web page, the `import_data` command, the API upload and the Celery task all come through here.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.background import in_background_thread, run_in_background
from core.batch import BatchResult, ErrorSink, RawChunk, chunked, run_batch
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction_batch
from satisfaction.imports.audit import ImportTrail, import_job_audited
from satisfaction.imports.headers import HeaderMap, map_headers
from satisfaction.imports.history import history_cutoff, history_imported, old_rows_in
from satisfaction.imports.kinds import ModelBatch
from satisfaction.imports.mappings import MappingSpec, mapping_coerce, mapping_parse
from satisfaction.imports.models import ImportJob, ImportKind, ImportMapping
from satisfaction.imports.readers import UnreadableFile, encoding_check, open_table
from satisfaction.imports.references import ReferenceMaker

logger = logging.getLogger(__name__)


def import_file(
    *,
    kind: str,
    source: str | os.PathLike | IO[bytes],
    filename: str = "",
    mapping: MappingSpec | ImportMapping | Mapping[str, str] | None = None,
    dry_run: bool = False,
    history: bool | None = None,
    update: bool = True,
    encoding: str = "",
    user=None,
    job_id: int | None = None,
    errors: ErrorSink | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> BatchResult:
    """Validate a CSV/XLSX file of one kind and, unless `dry_run`, import it: all of it if every row is valid,
    or (mapping `on_error: skip`) its valid rows, reporting the others.

    `mapping` translates the file's layout (see `satisfaction.imports.mappings`); `history` (default: the
    mapping's) imports past data without live side effects. Rows already imported (same external id) are
    updated where their values changed, through the entity's service (sync); `update=False` skips them instead.
    `encoding` names a CSV's encoding when detection is not sure of it (see `readers.detect_encoding`).
    Every row created or updated gets its audit entry, marked with `user`, the file and `job_id` (`audit`).
    Returns a `BatchResult`; `message` is set when the
    file as a whole could not be imported (unreadable, required columns missing). Row errors go to `errors`
    (an `ErrorSink`) when given. The source is closed when done.
    """
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown import kind '%(kind)s'.") % {"kind": kind}})
    spec = mapping_coerce(mapping, kind=kind)
    history = spec.history if history is None else history
    own_sink = errors is None
    errors = errors or ErrorSink()
    try:
        try:
            table = open_table(source, filename=filename, encoding=encoding)
        except UnreadableFile as exc:
            return BatchResult(dry_run=dry_run, message=exc.reason)
        headers = map_headers(kind=kind, headers=table.headers, mapping=spec)
        if headers.problems:
            for problem in headers.problems:
                errors.add(1, "header", "", problem)
            return _finish(BatchResult(dry_run=dry_run, message=" ".join(headers.problems)), headers, errors, table)
        if on_total:
            on_total(table.estimated_rows)
        errors.labels.update(headers.labels)
        transform = spec.transformer()
        maker = ReferenceMaker(create=spec.create, errors=errors) if spec.create else None

        def make(part) -> RawChunk:
            chunk = RawChunk.from_cells(part, headers.index)
            transform(chunk)
            return maker.ensure(chunk) if maker else chunk

        chunks = chunked(table.rows, make)
        quiet_before = history_cutoff() if history else None
        # Rows created for references follow the file: with all-or-nothing (or a dry run) they go when it goes.
        atomic = transaction.atomic() if maker and (dry_run or not spec.skip_errors) else nullcontext()
        # The reference maker writes on this connection as the chunks are read: on SQLite the batch writer must
        # not take the write lock before the last chunk (no early move), or the maker's next write would wait for it.
        expected = 0 if maker else table.estimated_rows
        trail = ImportTrail(user=user, filename=filename or str(getattr(source, "name", "")), job_id=job_id)
        try:
            with atomic, trail.recording():
                result = _run(kind, chunks, spec, dry_run, user, errors, on_progress, quiet_before, update, expected)
                if maker and not result.written and not isinstance(atomic, nullcontext):
                    transaction.set_rollback(True)
        except UnreadableFile as exc:
            result = BatchResult(dry_run=dry_run, message=exc.reason, error_count=errors.count)
        if history and result.written:
            transaction.on_commit(history_imported)
        return _finish(result, headers, errors, table)
    finally:
        if own_sink:
            errors.close()


def _run(
    kind, chunks, spec: MappingSpec, dry_run, user, errors, on_progress, quiet_before, update, expected
) -> BatchResult:
    if kind == ImportKind.FEEDBACK:
        return record_satisfaction_batch(
            chunks=chunks,
            channel=SatisfactionRecord.Channel.IMPORT,
            recorded_by=user,
            dry_run=dry_run,
            errors=errors,
            on_progress=on_progress,
            skip_errors=spec.skip_errors,
            quiet_before=quiet_before,
            update=update,
            expected_rows=expected,
        )
    return run_batch(
        spec=ModelBatch(kind, quiet_before=quiet_before),
        chunks=chunks,
        dry_run=dry_run,
        errors=errors,
        on_progress=on_progress,
        skip_errors=spec.skip_errors,
        update=update,
        expected_rows=expected,
    )


def _finish(result: BatchResult, headers: HeaderMap, errors: ErrorSink, table) -> BatchResult:
    table.rows.close()
    table.close()  # releases the file also when no row was read
    result.unknown_columns = headers.unknown
    result.columns = {label: name for name, label in headers.labels.items()}
    result.error_count = errors.count
    result.errors = list(errors.preview)
    return result


@transaction.atomic
def import_mapping_save(
    *,
    name: str,
    kind: str,
    columns: Mapping[str, str] | None = None,
    spec: MappingSpec | None = None,
    created_by=None,
    mapping: ImportMapping | None = None,
) -> ImportMapping:
    """Create or replace the mapping called `name` (or change `mapping`, renaming it): a parsed mapping file
    (`spec`), or just header → field `columns`. Every target must be a field of `kind` (or "-"); errors name
    the key and the line."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown import kind '%(kind)s'.") % {"kind": kind}})
    spec = spec if spec is not None else mapping_coerce(dict(columns or {}), kind=kind)
    if spec.kind != kind:
        raise ValidationError(
            {"kind": _("This mapping is for %(mapping)s, not %(kind)s.") % {"mapping": spec.kind, "kind": kind}}
        )
    data = spec.to_data()
    if mapping is not None:
        mapping.name = name.strip()
    else:
        mapping = ImportMapping.objects.filter(name=name.strip()).first() or ImportMapping(name=name.strip())
    mapping.kind = kind
    mapping.columns = data["columns"]
    mapping.date_formats = data.get("date_format", [])
    mapping.on_error = spec.on_error
    mapping.history = spec.history
    mapping.create = list(spec.create)
    if created_by is not None and mapping.created_by_id is None:
        mapping.created_by = created_by
    mapping.full_clean()
    mapping.save()
    return mapping


@transaction.atomic
def import_mapping_delete(*, mapping: ImportMapping) -> None:
    """Delete a saved mapping; the jobs that used it keep their own copy of it (`mapping_spec`)."""
    mapping.delete()


@transaction.atomic
def import_job_create(
    *,
    kind: str,
    file,
    created_by=None,
    dry_run: bool = False,
    mapping: ImportMapping | None = None,
    mapping_spec: MappingSpec | None = None,
    history: bool = False,
    live: bool = False,
    old_rows: int | None = None,
    update: bool = True,
    encoding: str = "",
) -> ImportJob:
    """Store the uploaded file as a new import job and queue it (on commit); returns the job.

    The mapping (a saved one, or `mapping_spec` from a mapping file sent with the upload) is copied into the
    job, so editing the saved mapping later does not change what this job does. `history` or the mapping's
    own `history` imports the file as past data; `live` says that rows older than the alert windows may raise
    live alerts; otherwise the job first counts those rows (unless the caller did: `old_rows`) and, if there
    are any, waits for the importer's choice (`import_job_choose`). `encoding` reads a CSV in that codec."""
    if encoding:
        try:
            encoding = encoding_check(encoding)
        except UnreadableFile as exc:
            raise ValidationError({"encoding": exc.reason}) from None
    spec = mapping_spec if mapping_spec is not None else (mapping_coerce(mapping, kind=kind) if mapping else None)
    if spec is not None and spec.kind != kind:
        raise ValidationError(
            {"mapping": _("This mapping is for %(mapping)s, not %(kind)s.") % {"mapping": spec.kind, "kind": kind}}
        )
    job = ImportJob(
        kind=kind,
        original_name=os.path.basename(getattr(file, "name", "") or "")[:255],
        dry_run=dry_run,
        mapping=mapping,
        mapping_spec=spec.to_data() if spec is not None else None,
        history=history or bool(spec and spec.history),
        live=live,
        old_rows=old_rows,
        update=update,
        encoding=encoding,
        language=translation.get_language() or "",
        created_by=created_by,
    )
    job.file.save(job.original_name or "upload", file, save=False)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: import_job_enqueue(job_id=job.pk))
    return job


def import_job_enqueue(*, job_id: int) -> None:
    """Send the job to the worker; without a broker, to a background thread of this process
    (`IMPORT_IN_BACKGROUND`), or inline. If the broker is down, the job says so."""
    from satisfaction.imports.tasks import run_import

    run_in_background(
        run_import, job_id, name=f"import-job-{job_id}",
        on_failure=lambda: ImportJob.objects.filter(pk=job_id).exclude(status__in=ImportJob.FINISHED).update(
            status=ImportJob.Status.FAILED, message=_("The import stopped unexpectedly."), finished_at=timezone.now()
        ),
        on_queue_failure=lambda: ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
            status=ImportJob.Status.FAILED,
            message=_("The import could not be queued (task broker unavailable). Upload the file again later."),
            finished_at=timezone.now(),
        ),
    )  # fmt: skip


def import_job_run(*, job_id: int) -> ImportJob:
    """Run one import job to the end, reporting progress into its row; a finished job is left alone.

    Runs in the uploader's language, so the row errors and messages it stores read in it."""
    job = ImportJob.objects.select_related("mapping", "created_by").get(pk=job_id)
    if job.is_finished or job.waits_for_choice:
        return job  # a redelivered task never answers for the importer
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _import_job_run(job)


def _import_job_run(job: ImportJob) -> ImportJob:
    jobs = ImportJob.objects.filter(pk=job.pk)
    # Progress goes through queryset updates: visible at once to the page polling it, and not an audit entry each.
    started = timezone.now()
    jobs.update(status=ImportJob.Status.VALIDATING, started_at=started, heartbeat_at=started, rows_done=0, message="")
    estimate = {"total": 0}

    def on_total(total: int) -> None:
        estimate["total"] = total
        jobs.update(rows_total=total, heartbeat_at=timezone.now())

    def on_progress(done: int, phase: str) -> None:
        estimate["total"] = max(estimate["total"], done)
        status = ImportJob.Status.WRITING if phase == "writing" else ImportJob.Status.VALIDATING
        jobs.update(rows_done=done, rows_total=estimate["total"], status=status, heartbeat_at=timezone.now())

    errors = ErrorSink()
    mapping = mapping_parse(job.mapping_spec, kind=job.kind) if job.mapping_spec else job.mapping
    try:
        if _waits_for_choice(job, jobs, mapping, on_total, lambda done: on_progress(done, "checking")):
            return ImportJob.objects.select_related("created_by").get(pk=job.pk)
        with job.file.open("rb") as source:
            result = import_file(
                kind=job.kind,
                source=source,
                filename=job.original_name or job.file.name,
                mapping=mapping,
                dry_run=job.dry_run,
                history=job.history,
                update=job.update,
                encoding=job.encoding,
                user=job.created_by,
                job_id=job.pk,
                errors=errors,
                on_progress=on_progress,
                on_total=on_total,
            )
    except Exception as exc:
        logger.exception("Import job %s failed", job.pk)
        errors.close()
        return _job_failed(job, exc)
    try:
        return _job_finished(job, result, errors)
    finally:
        errors.close()


def import_file_as_job(
    *,
    kind: str,
    path: str | os.PathLike,
    user=None,
    mapping: MappingSpec | None = None,
    dry_run: bool = False,
    history: bool | None = None,
    live: bool = False,
    update: bool = True,
    encoding: str = "",
    errors: ErrorSink,
) -> tuple[ImportJob, BatchResult]:
    """Import a file on this machine's disk now (`manage.py import_data`), recorded as an import job like an upload.

    The job is the import's audit trail: the rows it creates link to it, and it gets its entry when it finishes.
    The file is not copied into storage (it is the caller's own); the job keeps its name, the outcome, the counts
    and the error report. Returns the finished job and the import's result."""
    job = ImportJob.objects.create(
        kind=kind,
        original_name=os.path.basename(os.fspath(path))[:255],
        dry_run=dry_run,
        mapping_spec=mapping.to_data() if mapping is not None else None,
        history=bool(history) or bool(mapping and mapping.history),
        live=live,
        update=update,
        encoding=encoding,
        language=translation.get_language() or "",
        created_by=user,
        status=ImportJob.Status.VALIDATING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    try:
        result = import_file(
            kind=kind, source=path, filename=os.fspath(path), mapping=mapping, dry_run=dry_run, history=history,
            update=update, encoding=encoding, user=user, job_id=job.pk, errors=errors,
        )  # fmt: skip
    except Exception as exc:
        _job_failed(job, exc)
        raise
    return _job_finished(job, result, errors), result


def _job_failed(job: ImportJob, exc: Exception) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        message=_("Import failed: %(error)s") % {"error": exc},
        finished_at=timezone.now(),
    )
    failed = ImportJob.objects.select_related("created_by").get(pk=job.pk)
    import_job_audited(job=failed, status_before=job.status)
    return failed


def _job_finished(job: ImportJob, result: BatchResult, errors: ErrorSink) -> ImportJob:
    """Store the job's outcome, counts and error report, and its audit entry; returns the job as it now is."""
    report = _save_error_report(job, errors) if errors.count else ""
    if result.message:
        status = ImportJob.Status.FAILED if not result.error_count else ImportJob.Status.REJECTED
    elif result.written:
        status = ImportJob.Status.SUCCEEDED  # with `on_error: skip`, also when some rows were skipped
    elif result.error_count and not (result.dry_run and (job.mapping_spec or {}).get("on_error") == "skip"):
        status = ImportJob.Status.REJECTED
    elif result.dry_run:
        status = ImportJob.Status.VALIDATED
    else:
        status = ImportJob.Status.SUCCEEDED
    # Unconditional, also over a job the stale sweep marked failed meanwhile: this process knows what was written.
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        rows_total=result.rows_total,
        rows_done=result.rows_total,
        created_count=result.created,
        updated_count=result.updated,
        skipped_count=result.skipped,
        error_count=result.error_count,
        errors_preview=[e.__dict__ for e in result.errors[:50]],
        unknown_columns=result.unknown_columns,
        error_report=report,
        message=result.message,
        finished_at=timezone.now(),
    )
    finished = ImportJob.objects.select_related("created_by").get(pk=job.pk)
    import_job_audited(job=finished, status_before=job.status)
    return finished


def _waits_for_choice(job: ImportJob, jobs: QuerySet, mapping, on_total, on_progress) -> bool:
    """Before a live import writes anything: count its rows older than the alert windows; if there are any, the
    job stops and waits for the importer to choose history or live alerts (True). A dry run raises nothing."""
    if job.dry_run or job.history or job.live or job.old_rows is not None:
        return False
    with job.file.open("rb") as source:
        found = old_rows_in(
            kind=job.kind,
            source=source,
            filename=job.original_name or job.file.name,
            mapping=mapping,
            encoding=job.encoding,
            on_total=on_total,
            on_progress=on_progress,
        )
    if not found.count:
        jobs.update(old_rows=0)
        return False
    jobs.update(status=ImportJob.Status.CHOOSE, old_rows=found.count, message=found.message(), rows_done=0)
    return True


@transaction.atomic
def import_job_choose(*, job: ImportJob, history: bool) -> ImportJob:
    """The importer's answer to a job waiting for it: `history` (no live side effects for the old rows) or live
    alerts; the job is queued again and runs with that choice."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.CHOOSE:
        raise ValidationError({"status": _("This import is not waiting for a choice.")})
    job.history, job.live = history, not history
    job.status, job.message, job.rows_done = ImportJob.Status.PENDING, "", 0
    job.save(update_fields=["history", "live", "status", "message", "rows_done"])
    transaction.on_commit(lambda: import_job_enqueue(job_id=job.pk))
    return job


def import_jobs_fail_stale(*, now: datetime | None = None) -> int:
    """Mark failed the jobs left running (or, without a broker, queued) by a process that died; returns how many.

    A running job reports progress at least every chunk of rows (`heartbeat_at`); one silent for longer than
    `IMPORT_STALE_SECONDS` is not being run by anybody any more: a web process restarted under its background
    thread, or a worker killed. Without a broker a pending job is run at once by a thread of the web process,
    so one pending that long lost its thread too; with a broker it may only be waiting in the queue.
    Runs from the import pages and API (so it works without a broker) and from the periodic sweep.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    silent = Q(status__in=ImportJob.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    if in_background_thread():
        silent |= Q(status=ImportJob.Status.PENDING, created_at__lt=cutoff)
    # A queryset update: jobs are not audited change by change, and a concurrent sweep marks each job once.
    failed = ImportJob.objects.filter(silent).update(
        status=ImportJob.Status.FAILED,
        message=_(
            "The import stopped: the process running it ended (a restart or a crash) and it reported no progress "
            "for %(seconds)s seconds. Its rows were not saved; upload the file again (rows imported before are "
            "recognised by their id and not repeated)."
        )
        % {"seconds": settings.IMPORT_STALE_SECONDS},
        finished_at=now or timezone.now(),
    )
    if failed:
        logger.warning("Marked %s import job(s) failed: their process stopped reporting", failed)
    return failed


def _save_error_report(job: ImportJob, errors: ErrorSink) -> str:
    """Write the full row-error report as a UTF-8 (BOM, for Excel) CSV into storage; returns its name."""
    with tempfile.TemporaryFile("w+", encoding="utf-8-sig", newline="") as out:
        errors.write_csv(out)
        out.flush()
        out.seek(0)
        field_file = job.error_report
        return field_file.storage.save(
            field_file.field.generate_filename(job, f"import-{job.pk}-errors.csv"), File(out.buffer)
        )


PURGE_CHUNK = 500


def import_jobs_due_for_purge(*, older_than_days: int | None = None, now: datetime | None = None) -> QuerySet:
    """Finished jobs whose files are still kept and that finished more than `older_than_days` days before `now`."""
    days = settings.IMPORT_FILE_RETENTION_DAYS if older_than_days is None else older_than_days
    if days < 0:
        raise ValidationError({"older_than_days": _("The retention must be zero days or more.")})
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return ImportJob.objects.filter(
        status__in=ImportJob.FINISHED, finished_at__lt=cutoff, files_purged_at__isnull=True
    ).order_by("pk")


def purge_import_files(*, older_than_days: int | None = None, now: datetime | None = None) -> int:
    """Delete the upload and error report of jobs finished more than N days ago; returns how many jobs were purged.

    N defaults to `IMPORT_FILE_RETENTION_DAYS`. The job row stays (who imported what, counts, first errors) and gets
    `files_purged_at`. A file already missing counts as deleted; a job whose file cannot be deleted stays due and is
    tried again on the next run. Running jobs are never touched.
    """
    now = now or timezone.now()
    due = list(import_jobs_due_for_purge(older_than_days=older_than_days, now=now).values_list("pk", flat=True))
    purged = 0
    # No transaction around the loop: storage deletes cannot be rolled back, so each chunk is marked as soon as its
    # files are gone, and a crash in between only leaves jobs to be purged again (deleting is idempotent). The ids are
    # read up front because SQLite gives no isolation between a running SELECT and updates to the same table.
    for start in range(0, len(due), PURGE_CHUNK):
        chunk = ImportJob.objects.filter(pk__in=due[start : start + PURGE_CHUNK], files_purged_at__isnull=True)
        removed = [job.pk for job in chunk.only("pk", "file", "error_report") if _delete_job_files(job)]
        purged += _mark_purged(removed, now)
    if purged:
        logger.info("Removed the files of %s finished import job(s)", purged)
    return purged


def _delete_job_files(job: ImportJob) -> bool:
    """Delete the job's stored files; False (logged) when one could not be deleted, a missing file aside."""
    removed = True
    for field_file in (job.file, job.error_report):
        if not field_file.name:
            continue
        try:
            field_file.storage.delete(field_file.name)
        except FileNotFoundError:
            pass
        except Exception:
            logger.exception("Could not delete %s of import job %s", field_file.name, job.pk)
            removed = False
    return removed


def _mark_purged(job_ids: list[int], now: datetime) -> int:
    # A queryset update: a concurrent run marks each job once, and retention is not a change anybody made to audit.
    return ImportJob.objects.filter(pk__in=job_ids, files_purged_at__isnull=True).update(files_purged_at=now)
