from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from satisfaction.crm.models import Customer
from satisfaction.demo import SCALES, DemoDataExists, seed_demo


class Command(BaseCommand):
    help = "Fill an empty database with deterministic demo data (customers, tickets, complaints, feedback)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--scale", choices=sorted(SCALES), default="default", help="Data size.")
        parser.add_argument("--reset", action="store_true", help="Wipe existing domain data first.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (and succeed) when the database already has data."
        )

    def handle(self, *args, seed, scale, reset, if_empty, **options):
        if if_empty and not reset and Customer.objects.exists():
            self.stdout.write("Demo data already present; nothing to do. Log in as admin / manager / staff.")
            return
        try:
            report = seed_demo(
                seed=seed, scale=scale, reset=reset, create_users=settings.DEBUG,
                log=lambda msg: self.stdout.write(msg),
            )  # fmt: skip
        except DemoDataExists as exc:
            raise CommandError(str(exc)) from None
        for name, n in report.counts.items():
            self.stdout.write(f"  {name:>22}: {n:,}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ({scale}, seed {seed}) created in {report.seconds:.1f} s."))
        # Dashboards read the daily snapshots: build them now (by name, so this app does not import analytics).
        call_command("rebuild_snapshots", stdout=self.stdout)
        # A new user should find the loop alive: open alerts, risk scores and suggestions from the demo data.
        call_command("evaluate_alerts", "--window-rules", stdout=self.stdout)
        call_command("generate_suggestions", stdout=self.stdout)
        if report.users:
            self.stdout.write(self.style.WARNING("Demo logins (shown once; change with `manage.py changepassword`):"))
            for username, password in report.users.items():
                self.stdout.write(f"  {username:<8} {password}")
