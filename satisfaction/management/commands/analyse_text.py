"""`manage.py analyse_text IN.csv --out OUT.csv`: analyse a UTF-8 file of `id,text` rows, writing nothing to the DB.

OUT has `id,language,sentiment,sentiment_score,topics,keywords` (topics and keywords `;`-separated), one row per
input row in the input's order. A row the analyser cannot read (no text, an over-long cell) still gets a row.
"""

import csv
import sys

from django.core.management.base import BaseCommand, CommandError

from satisfaction.text.analyser import analyse
from satisfaction.text.services import active_topics

OUT_COLUMNS = ["id", "language", "sentiment", "sentiment_score", "topics", "keywords"]


class Command(BaseCommand):
    help = "Analyse the `text` column of a UTF-8 CSV with columns id,text and write the results to --out."

    def add_arguments(self, parser):
        parser.add_argument("input", help="UTF-8 CSV (a BOM is fine) with the columns id,text")
        parser.add_argument("--out", required=True, help="where to write the results (CSV, UTF-8)")

    def handle(self, *args, input, out, **options):
        csv.field_size_limit(sys.maxsize)
        _, topics = active_topics()
        try:
            source = open(input, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by the with below)
        except OSError as exc:
            raise CommandError(f"cannot read {input}: {exc.strerror}") from exc
        rows = 0
        with source, open(out, "w", encoding="utf-8", newline="") as target:
            reader = csv.DictReader(source)
            header = [(name or "").strip().lower() for name in reader.fieldnames or []]
            if "id" not in header or "text" not in header:
                raise CommandError(f"{input} needs the columns id,text; found {','.join(header) or 'none'}")
            reader.fieldnames = header
            writer = csv.writer(target)
            writer.writerow(OUT_COLUMNS)
            try:
                for row in reader:
                    result = analyse(row.get("text") or "", topics)
                    writer.writerow(
                        [
                            row.get("id") or "",
                            result.language,
                            result.sentiment,
                            f"{result.score:.3f}",
                            ";".join(result.topics),
                            ";".join(result.keywords),
                        ]
                    )
                    rows += 1
            except UnicodeDecodeError as exc:
                raise CommandError(f"{input} is not UTF-8 (after {rows} rows): {exc.reason}") from exc
        self.stdout.write(f"Analysed {rows:,} rows into {out}.")
