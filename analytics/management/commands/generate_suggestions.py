"""Run the improvement-suggestion rules once in the foreground (the nightly task does the same)."""

import datetime as dt

from django.core.management.base import BaseCommand

from analytics.rules.suggestions import generate_suggestions


class Command(BaseCommand):
    help = "Generate improvement suggestions from the data now (deduplicated by rule and scope)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Evaluate as of this date (YYYY-MM-DD).")

    def handle(self, *args, today=None, **options):
        result = generate_suggestions(today=today)
        self.stdout.write(
            f"Suggestions: found {result.found}, created {result.created}, already known {result.existing}."
        )
