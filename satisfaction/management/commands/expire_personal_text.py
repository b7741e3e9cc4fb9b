"""Empty free text older than the retention once, for installs that run the nightly job from cron."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from satisfaction.privacy.services import personal_text_expire, retention_days


class Command(BaseCommand):
    help = (
        "Empty comments and notes older than N days (default PERSONAL_TEXT_RETENTION_DAYS; nothing when it is "
        "unset). Scores and every other column stay; each emptied field is recorded in the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Retention in days (default: the setting).")

    def handle(self, *args, days=None, **options):
        days = retention_days() if days is None else days
        if not days:
            self.stdout.write("Retention is off (PERSONAL_TEXT_RETENTION_DAYS is unset): nothing emptied.")
            return
        try:
            counts = personal_text_expire(days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        done = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "nothing was due"
        self.stdout.write(f"Emptied free text older than {days} day(s): {done}.")
