"""Write everything held about a contact or a customer to a zip of JSON and CSV (a data-subject request)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from satisfaction.privacy.commands import acting_user, add_subject_arguments, subject_from
from satisfaction.privacy.services import DEFAULT_EXPORT_REASON, personal_data_export


class Command(BaseCommand):
    help = (
        "Export every row held about a contact (--contact ID) or a customer and its contacts (--customer ID) "
        "to FILE.zip: personal_data.json and one CSV per kind of row. The export is recorded in the audit log."
    )

    def add_arguments(self, parser):
        add_subject_arguments(parser)
        parser.add_argument("--out", required=True, metavar="FILE.zip", help="Where to write the zip.")
        parser.add_argument("--reason", default=str(DEFAULT_EXPORT_REASON), help="Why (kept in the audit log).")

    def handle(self, *args, **options):
        subject = subject_from(options)
        out = Path(options["out"])
        if out.suffix.lower() != ".zip":
            raise CommandError("--out must name a .zip file.")
        if not out.parent.exists():
            raise CommandError(f"The folder {out.parent} does not exist (--out).")
        content = personal_data_export(
            subject=subject, by=acting_user(options["by"]), reason=options["reason"], via="command"
        )
        out.write_bytes(content)
        self.stdout.write(f"Wrote the personal data of {subject.kind} {subject.pk} to {out} ({len(content)} bytes).")
