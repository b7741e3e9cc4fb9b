"""Delete the uploaded files and error reports of old import jobs once, for operators and cron installs."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from satisfaction.imports.services import import_jobs_due_for_purge, purge_import_files


class Command(BaseCommand):
    help = (
        "Delete the uploaded file and error report of import jobs that finished more than N days ago "
        "(default IMPORT_FILE_RETENTION_DAYS); the job rows stay. Running jobs are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help=f"Retention in days (default: IMPORT_FILE_RETENTION_DAYS, now {settings.IMPORT_FILE_RETENTION_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the jobs whose files would go; delete nothing."
        )

    def handle(self, *args, older_than_days=None, dry_run=False, **options):
        if older_than_days is not None and older_than_days < 0:
            raise CommandError("--older-than-days must be zero or more.")
        days = settings.IMPORT_FILE_RETENTION_DAYS if older_than_days is None else older_than_days
        if dry_run:
            due = import_jobs_due_for_purge(older_than_days=days).only("pk", "original_name", "finished_at")
            count = 0
            for job in due.iterator():
                count += 1
                self.stdout.write(
                    f"#{job.pk} {job.original_name} (finished {timezone.localtime(job.finished_at):%Y-%m-%d %H:%M})"
                )
            self.stdout.write(
                f"Dry run: would remove the files of {count} import job(s) finished over {days} day(s) ago."
            )
            return
        purged = purge_import_files(older_than_days=days)
        self.stdout.write(f"Removed the files of {purged} import job(s) finished over {days} day(s) ago.")
