"""The XLSX reader reads what openpyxl reads, faster: the same values, row numbers and widths."""

import datetime as dt
import io

from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from satisfaction.imports.readers import _sheet_rows, open_table


def _workbook(write_only: bool) -> bytes:
    """Every kind of cell a helpdesk export holds, with gaps between cells and between rows."""
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    rows = [
        ["id", "score", "when", "day", "ok", "note", None, "far"],
        ["A-1", 4.5, dt.datetime(2026, 3, 22, 9, 30), dt.date(2026, 3, 22), True, "  spaced  ", None, "x"],
        [],
        ["A-2", 3, dt.datetime(1999, 12, 31, 23, 59, 59), None, False, '中文 <&> "quoted"', None, None],
        ["A-3", 1e-7, None, dt.time(8, 15), None, "=1+1", None, 12345678901234],
        [None, None, None, None, None, None, None, None],
        ["A-4", -0.0, dt.timedelta(hours=30), None, None, "", None, "last"],
    ]
    for row in rows:
        sheet.append(row)
    if not write_only:
        sheet["C9"] = "after a gap"
        sheet["B10"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _openpyxl_rows(data: bytes) -> list[tuple[int, list]]:
    """openpyxl's own read-only reading, trimmed of trailing empty cells, rows without values left out."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    found = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(cells)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            found.append((number, cells))
    book.close()
    return found


def _our_rows(data: bytes) -> list[tuple[int, list]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    found = [(number, cells) for number, cells in _sheet_rows(book, book.worksheets[0]) if cells]
    book.close()
    return found


def test_the_sheet_reader_gives_what_openpyxl_gives():
    for write_only in (True, False):  # inline strings (write-only) and shared strings (a normal save)
        data = _workbook(write_only)
        expected = _openpyxl_rows(data)
        assert _our_rows(data) == expected
        assert [type(v) for v in expected[1][1]] == [type(v) for v in _our_rows(data)[1][1]]
        assert len(expected) >= 5


def test_rows_keep_their_spreadsheet_numbers_through_open_table():
    table = open_table(io.BytesIO(_workbook(write_only=False)), filename="export.xlsx")
    rows = list(table.rows)
    assert table.headers[:2] == ["id", "score"]
    assert [number for number, _cells in rows] == [2, 4, 5, 7, 9, 10]
    assert rows[0][1][:2] == ["A-1", 4.5] and rows[0][1][5] == "  spaced  "
    assert rows[-2][1] == ["", "", "after a gap"] and rows[-1][1] == ["", "plain bold"]
