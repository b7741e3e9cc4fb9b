"""The XLSX readers (calamine for sheets that fit in memory, the streaming one for larger) read what openpyxl
reads: the same values, types, row numbers and widths; broken and encrypted files are refused by name."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from core.text import printable
from satisfaction.imports import readers
from satisfaction.imports.readers import UnreadableFile, _sheet_rows, open_table
from satisfaction.imports.services import import_file


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


def _table_rows(data: bytes) -> tuple[list, list]:
    table = open_table(io.BytesIO(data), filename="export.xlsx")
    return table.headers, list(table.rows)


def test_calamine_and_the_streaming_reader_give_the_same_rows(monkeypatch):
    """Small sheets are read by calamine, large ones streamed: the import must not tell them apart."""
    for write_only in (True, False):
        data = _workbook(write_only)
        headers, rows = _table_rows(data)
        monkeypatch.setattr(readers, "XLSX_IN_MEMORY_XML_BYTES", 0)  # every sheet streamed
        streamed_headers, streamed = _table_rows(data)
        monkeypatch.undo()
        assert headers == streamed_headers
        assert rows == streamed
        # The same types too: whole numbers as int, a date cell as a datetime at midnight, durations, times.
        assert [[type(v) for v in cells] for _n, cells in rows] == [[type(v) for v in cells] for _n, cells in streamed]
        assert rows[0][1][3] == dt.datetime(2026, 3, 22) and rows[1][1][1] == 3 and type(rows[1][1][1]) is int


def test_a_sheet_starting_below_and_right_of_a1_keeps_its_row_numbers_and_positions(monkeypatch):
    book = Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"] = "id", "score"
    sheet["C5"], sheet["D5"] = "A-1", 4
    sheet["E6"] = "stray"
    out = io.BytesIO()
    book.save(out)
    for streamed in (False, True):
        if streamed:
            monkeypatch.setattr(readers, "XLSX_IN_MEMORY_XML_BYTES", 0)
        headers, rows = _table_rows(out.getvalue())
        assert headers == ["", "", "id", "score"]
        assert rows == [(5, ["", "", "A-1", 4]), (6, ["", "", "", "", "stray"])]


def test_control_characters_in_xlsx_text_cells_are_dropped(monkeypatch):
    book = Workbook()
    book.active.append(["id", "note"])
    book.active.append(["A-1", "tab\there"])  # the one control character openpyxl lets into a sheet
    out = io.BytesIO()
    book.save(out)
    for streamed in (False, True):
        if streamed:
            monkeypatch.setattr(readers, "XLSX_IN_MEMORY_XML_BYTES", 0)
        _headers, rows = _table_rows(out.getvalue())
        assert rows == [(2, ["A-1", printable("tab\there")])]


def test_an_encrypted_workbook_is_refused_with_a_message_saying_so():
    # A password-protected .xlsx is an OLE compound file holding the encrypted package, not a zip.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
    with translation.override("en"), pytest.raises(UnreadableFile) as raised:
        open_table(io.BytesIO(data), filename="export.xlsx")
    assert "password-protected" in raised.value.reason
    with translation.override("en"):
        result = import_file(kind="customers", source=io.BytesIO(data), filename="export.xlsx")
    assert "password-protected" in result.message and result.created == 0


def test_a_broken_zip_named_xlsx_is_refused_naming_xlsx():
    with translation.override("en"), pytest.raises(UnreadableFile) as raised:
        open_table(io.BytesIO(b"PK\x03\x04" + bytes(100)), filename="export.xlsx")
    assert "could not be read as XLSX" in raised.value.reason
