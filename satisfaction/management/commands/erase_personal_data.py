"""Anonymise a contact or a customer everywhere it is held, keeping the scores (a right-to-erasure request)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from satisfaction.privacy.commands import acting_user, add_subject_arguments, subject_from
from satisfaction.privacy.services import personal_data_erase


class Command(BaseCommand):
    help = (
        "Erase the personal data of a contact (--contact ID) or of a customer and all its contacts (--customer ID): "
        "names, e-mails, phones, the text of comments, answers and notes, text keywords and survey tokens. "
        "Scores, dates and categories stay, so aggregates do not change. Recorded in the audit log with --reason."
    )

    def add_arguments(self, parser):
        add_subject_arguments(parser)
        parser.add_argument("--reason", required=True, help="Why (kept in the audit log), e.g. the request's ref.")

    def handle(self, *args, **options):
        subject = subject_from(options)
        try:
            result = personal_data_erase(
                subject=subject, reason=options["reason"], by=acting_user(options["by"]), via="command"
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        changed = ", ".join(f"{name} {n}" for name, n in sorted(result.rows.items())) or "nothing left to change"
        self.stdout.write(
            f"Erased the personal data of {subject.kind} {subject.pk}: {changed}; "
            f"{result.audit_entries_masked} earlier audit entries masked."
        )
