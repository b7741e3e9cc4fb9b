"""`manage.py import_data KIND FILE [--mapping NAME | --mapping-file FILE.yml] [--encoding CODEC]
[--history | --live] [--dry-run]`: import a CSV/XLSX file from the shell."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.batch import ErrorSink
from satisfaction.imports.history import old_rows_in
from satisfaction.imports.mappings import mapping_coerce, mapping_load
from satisfaction.imports.models import ImportKind, ImportMapping
from satisfaction.imports.services import import_file_as_job


class Command(BaseCommand):
    help = "Import customers, contacts, contracts, tickets, complaints or feedback from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", help="Name of a saved mapping.")
        parser.add_argument(
            "--mapping-file", type=Path, help="A mapping file (YAML or JSON): columns, value maps, date formats, …"
        )
        parser.add_argument(
            "--history", action="store_true", help="Past data: no live alerts, e-mails or survey invitations."
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="Rows older than the alert windows raise live alerts (such a file needs --history or --live).",
        )
        parser.add_argument(
            "--no-update", action="store_true", help="Insert only: rows imported before are skipped even if changed."
        )
        parser.add_argument(
            "--encoding",
            default="",
            help="The CSV's encoding (gb18030, shift_jis, cp1252, latin-1, …) when detection is not sure of it.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate every row, write nothing.")
        parser.add_argument("--user", help="Username recorded as the importer (feedback's recorded_by).")
        parser.add_argument(
            "--errors",
            type=Path,
            help="Where to write the row-error CSV (default: FILE.errors.csv when there are errors).",
        )

    def handle(self, *args, kind, file, mapping=None, dry_run=False, user=None, errors=None, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        spec = self._mapping(kind, mapping, options.get("mapping_file"))
        history, live = options.get("history"), options.get("live")
        if history and live:
            raise CommandError("Give --history or --live, not both.")
        if not (dry_run or history or live or (spec is not None and spec.history)):
            found = old_rows_in(
                kind=kind, source=file, filename=file.name, mapping=spec, encoding=options.get("encoding") or ""
            )
            if found.count:
                raise CommandError(
                    f"{found.message()} Nothing was imported: run again with --history (past data: no alerts, "
                    "e-mails, watch-list entries or survey invitations) or --live (raise live alerts)."
                )
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user called {user!r}.")
        sink = ErrorSink()
        try:
            job, result = import_file_as_job(
                kind=kind,
                path=file,
                mapping=spec,
                dry_run=dry_run,
                history=True if history else None,
                live=bool(live),
                update=not options.get("no_update"),
                encoding=options.get("encoding") or "",
                user=importer,
                errors=sink,
            )
            if result.unknown_columns:
                self.stderr.write(f"Unknown columns, not imported: {', '.join(result.unknown_columns)}")
            if sink.count:
                report = errors or file.with_name(file.name + ".errors.csv")
                with open(report, "w", encoding="utf-8-sig", newline="") as out:
                    sink.write_csv(out)
                for error in result.errors[:20]:
                    self.stderr.write(f"row {error.row}, {error.column} = {error.value!r}: {error.reason}")
                if sink.count > 20:
                    self.stderr.write(f"… {sink.count - 20} more")
                self.stderr.write(f"Full error report: {report}")
        finally:
            sink.close()
        skipping = spec is not None and spec.skip_errors
        summary = (
            f"{kind}: {result.rows_total} rows read, {result.created} created, {result.updated} updated, "
            f"{result.skipped} already present{' (unchanged)' if result.unchanged == result.skipped > 0 else ''}, "
            f"{result.error_count} row errors"
            + (" (skipped)" if skipping and result.error_count else "")
            + (" (dry run: nothing written)" if dry_run else "")
            + f"; import job {job.pk}"
        )
        # With `on_error: skip` a file that could be read is a success; the report lists the rows left out.
        if result.message or (result.error_count and not skipping):
            raise CommandError(f"{result.message or 'Nothing imported: fix the rows above and run again.'} {summary}")
        self.stdout.write(self.style.SUCCESS(summary))

    def _mapping(self, kind, name, path):
        if name and path:
            raise CommandError("Give --mapping or --mapping-file, not both.")
        try:
            if path:
                if not path.is_file():
                    raise CommandError(f"No such mapping file: {path}")
                return mapping_load(path.read_bytes(), kind=kind)
            if name:
                saved = ImportMapping.objects.filter(name=name).first()
                if saved is None:
                    raise CommandError(f"No saved mapping called {name!r}.")
                if saved.kind != kind:
                    raise CommandError(f"Mapping {name!r} is for {saved.kind}, not {kind}.")
                return mapping_coerce(saved, kind=kind)
        except ValidationError as exc:
            problems = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in exc.message_dict.items())
            raise CommandError(f"The mapping cannot be used: {problems}") from None
        return None
