"""`manage.py analyse_feedback [--since DATE] [--stale]`: analyse the text of the stored records again."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from core.localtime import day_start
from core.progress import ProgressBar
from satisfaction.text import services


class Command(BaseCommand):
    help = "Analyse the feedback text of every record (or those created since DATE, or only the stale ones)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only records created on or after this local date (YYYY-MM-DD)")
        parser.add_argument("--stale", action="store_true", help="only records not analysed by the current version")

    def handle(self, *args, since=None, stale=False, **options):
        since_at = None
        if since:
            try:
                since_at = day_start(dt.date.fromisoformat(since))
            except ValueError as exc:
                raise CommandError(f"--since must be a date like 2026-01-31, got {since!r}") from exc
        bar = ProgressBar(self.stderr, tty=sys.stderr.isatty())
        count = services.text_rebuild(since=since_at, stale_only=stale, progress=bar.update)
        self.stdout.write(f"Analysed {count:,} records (version {services.current_version()}).")
