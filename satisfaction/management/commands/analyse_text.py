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
        with source, open(out, "w", encoding="utf-8", newline="") as target:
            try:
                rows = self._analyse(csv.DictReader(source), csv.writer(target), topics, input)
            except UnicodeDecodeError as exc:
                raise CommandError(f"{input} is not UTF-8: {exc.reason} at byte {exc.start}") from exc
        self.stdout.write(f"Analysed {rows:,} rows into {out}.")

    def _analyse(self, reader: csv.DictReader, writer, topics, name: str) -> int:
        header = [(column or "").strip().lower() for column in reader.fieldnames or []]
        if "id" not in header or "text" not in header:
            raise CommandError(f"{name} needs the columns id,text; found {','.join(header) or 'none'}")
        reader.fieldnames = header
        writer.writerow(OUT_COLUMNS)
        rows = 0
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
        return rows
