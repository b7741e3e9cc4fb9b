"""CSV and XLSX downloads that spreadsheets open safely: formula-looking cells are neutralised, CSV is streamed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse

from core.text import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet opens safely: control characters removed (XLSX cannot hold them) and a quote before
    text starting with = + - @ (or a tab/CR) so Excel does not run it as a formula."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return printable(value)


class Echo:
    """A file-like object whose write() returns the line, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def csv_rows(header: Sequence, rows: Iterable[Sequence]) -> Iterable[str]:
    """Lines of a UTF-8 (with BOM, so Excel detects it) CSV, produced lazily."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        yield writer.writerow(["" if v is None else neutralise(v) for v in row])


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, header: Sequence, rows: Iterable[Sequence], *, sheet: str = "data") -> HttpResponse:
    """An XLSX written with openpyxl's write-only mode (constant memory per row)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append([neutralise(str(h)) for h in header])
    for row in rows:
        worksheet.append([neutralise(v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_response(fmt: str, basename: str, header: Sequence, rows: Iterable[Sequence]):
    """`fmt` 'xlsx' or anything else for CSV."""
    if fmt == "xlsx":
        return xlsx_response(f"{basename}.xlsx", header, rows)
    return csv_response(f"{basename}.csv", header, rows)
