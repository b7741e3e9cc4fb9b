"""CSV and XLSX downloads that spreadsheets open safely: formula-looking cells are neutralised, CSV is streamed.

Every export says what it holds: `about` rows (when it was exported, by whom, the period and filters in words)
come first in a CSV, then a blank line, then the table; in an XLSX they are a second sheet, "about". Times are
local with their offset, and rates are rounded to the precision the pages show (`RATE_DIGITS`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "xlsx")
# Pages show rates as percentages with one decimal and scores with two: exports keep exactly that much.
RATE_DIGITS = 3
SCORE_DIGITS = 2


def export_format(request) -> str | None:
    """`csv` or `xlsx` when the request asks for a download (`?format=`), else None (the page)."""
    fmt = request.GET.get("format")
    return fmt if fmt in EXPORT_FORMATS else None


def local_iso(value) -> str:
    """A timestamp in the site's time zone with its offset (what the pages show, unambiguous in a file)."""
    return "" if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def rounded(value, digits: int):
    """A number rounded for a file (None stays empty: missing is not zero)."""
    return None if value is None else round(float(value), digits)


def about_rows(request, filters: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """What an export holds: when and by whom it was made, then the page's period and filters in words."""
    user = getattr(request, "user", None)
    who = (user.get_full_name() or user.get_username()) if user is not None and user.is_authenticated else ""
    return [(_("Exported"), local_iso(timezone.now())), (_("By"), who), *filters]


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


def csv_rows(header: Sequence, rows: Iterable[Sequence], about: Sequence[tuple[str, str]] = ()) -> Iterable[str]:
    """Lines of a UTF-8 (with BOM, so Excel detects it) CSV, produced lazily: the `about` rows and a blank line
    first when given."""
    writer = csv.writer(Echo())
    bom = "\ufeff"
    for key, value in about:
        yield bom + writer.writerow([neutralise(str(key)), neutralise(str(value))])
        bom = ""
    if about:
        yield writer.writerow([])
    yield bom + writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        yield writer.writerow(["" if v is None else neutralise(v) for v in row])


def csv_response(
    filename: str, header: Sequence, rows: Iterable[Sequence], about: Sequence[tuple[str, str]] = ()
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_rows(header, rows, about), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, header: Sequence, rows: Iterable[Sequence], *, sheet: str = "data",
    about: Sequence[tuple[str, str]] = (),
) -> HttpResponse:  # fmt: skip
    """An XLSX written with openpyxl's write-only mode (constant memory per row); `about` as a second sheet."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append([neutralise(str(h)) for h in header])
    for row in rows:
        worksheet.append([neutralise(v) if isinstance(v, str) else v for v in row])
    if about:
        info = workbook.create_sheet("about")
        for key, value in about:
            info.append([neutralise(str(key)), neutralise(str(value))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_response(
    fmt: str, basename: str, header: Sequence, rows: Iterable[Sequence], about: Sequence[tuple[str, str]] = ()
):
    """`fmt` 'xlsx' or anything else for CSV; `about` (see `about_rows`) says what the file holds."""
    if fmt == "xlsx":
        return xlsx_response(f"{basename}.xlsx", header, rows, about=about)
    return csv_response(f"{basename}.csv", header, rows, about)
