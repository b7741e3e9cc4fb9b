import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from analytics.quality.report import LANGS, write_bundle


class Command(BaseCommand):
    help = "Write the service-quality export bundle (CSVs, charts, report.md, report.pdf, report.json) for one segment."

    def add_arguments(self, parser):
        parser.add_argument("--segment-priority", type=int, default=1, help="Segment to compare (default 1).")
        parser.add_argument("--out", required=True, help="Directory to write the files into.")
        parser.add_argument("--lang", choices=LANGS, default="en", help="Language of headers, charts and report.")
        parser.add_argument("--start", type=dt.date.fromisoformat, help="First local day (YYYY-MM-DD).")
        parser.add_argument("--end", type=dt.date.fromisoformat, help="Last local day (YYYY-MM-DD).")
        parser.add_argument("--service-type", action="append", default=[], help="Service type code (repeatable).")

    def handle(self, *args, segment_priority, out, lang, start, end, service_type, **options):
        if not 1 <= segment_priority <= 5:
            raise CommandError("--segment-priority must be between 1 and 5.")
        if start and end and start > end:
            raise CommandError("--start must not be after --end.")
        with translation.override(lang):
            paths = write_bundle(
                out, priority=segment_priority, lang=lang, start=start, end=end, service_types=tuple(service_type)
            )
        for path in paths:
            self.stdout.write(f"  {path}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(paths)} files to {out}."))
