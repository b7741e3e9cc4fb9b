import datetime as dt

from django.core.management.base import BaseCommand

from analytics.lib import helpdesk_snapshots, snapshots, submetrics


class Command(BaseCommand):
    help = "Rebuild the daily satisfaction snapshots from the raw records (everything, or one local day)."

    def add_arguments(self, parser):
        parser.add_argument("--day", type=dt.date.fromisoformat, help="Only this local day (YYYY-MM-DD).")

    def handle(self, *args, day=None, **options):
        result = snapshots.recompute_day(day=day) if day else snapshots.rebuild_all()
        # The sub-metric pre-aggregates of the drivers are rebuilt with the snapshots.
        sub = submetrics.recompute_day(day=day) if day else submetrics.rebuild_all()
        # So are the ticket and complaint pre-aggregates of the segment comparison.
        cases = helpdesk_snapshots.recompute_day(day=day) if day else helpdesk_snapshots.rebuild_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Snapshots: {result.buckets:,} buckets from {result.records:,} records "
                f"({result.deleted:,} stale removed) in {result.seconds:.2f} s; sub-metric sums: "
                f"{sub.buckets:,} buckets in {sub.seconds:.2f} s; ticket and complaint sums: {cases.buckets:,} rows "
                f"from {cases.records:,} cases in {cases.seconds:.2f} s."
            )
        )
