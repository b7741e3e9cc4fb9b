"""Evaluate the effect of every started measure once in the foreground (the nightly task does the same)."""

import datetime as dt

from django.core.management.base import BaseCommand

from analytics.rules.evaluation import run_all_evaluations


class Command(BaseCommand):
    help = "Evaluate started improvement measures now and keep each result with its measure."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Evaluate as of this date (YYYY-MM-DD).")

    def handle(self, *args, today=None, **options):
        results = run_all_evaluations(today=today)
        for ev in results:
            self.stdout.write(f"{ev.measure}: {ev.get_verdict_display()} (n {ev.n_before} → {ev.n_after})")
        self.stdout.write(f"Evaluated {len(results)} measure(s).")
