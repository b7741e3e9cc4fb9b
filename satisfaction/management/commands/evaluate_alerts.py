"""Run the alert sweep (and optionally the window rules) once in the foreground, for operators and cron installs."""

from django.core.management.base import BaseCommand

from satisfaction.alerts.services import evaluate_window_rules, sweep_unevaluated


class Command(BaseCommand):
    help = "Evaluate satisfaction records never evaluated for alerts; with --window-rules also run the window rules."

    def add_arguments(self, parser):
        parser.add_argument(
            "--window-rules",
            action="store_true",
            help="Also run customer decline, significant drop, complaint SLA, target at risk and the risk scores.",
        )
        parser.add_argument("--limit", type=int, default=100_000, help="Evaluate at most this many records.")

    def handle(self, *args, window_rules=False, limit=100_000, **options):
        swept = sweep_unevaluated(limit=limit)
        self.stdout.write(f"Evaluated {swept} record(s) for alerts.")
        if window_rules:
            raised = evaluate_window_rules()
            for rule, count in raised.items():
                self.stdout.write(f"{rule}: {count}")
