"""Streaming readers for CSV (UTF-8 with or without BOM, GB18030, or a named encoding) and XLSX files.

A reader yields the header row and then `(row_number, cells)` with the spreadsheet's row numbering
(header = row 1), skipping blank rows; nothing holds the whole file in memory. Every reader is bounded: it stops
with an `UnreadableFile` past `IMPORT_MAX_ROWS` rows or `IMPORT_MAX_SECONDS` of reading (see `Budget`), and text
cells come out without control characters (`core.text.printable`), so a NUL never reaches the database.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.batch import RowInvalid
from core.text import printable

SCAN_BYTES = 1 << 20
GUESS_BYTES = 64 * 1024  # enough text for charset-normalizer to tell GB18030 from Shift-JIS or Latin-1
XLSX_MAGIC = b"PK\x03\x04"
# charset-normalizer's names for encodings that GB18030 (a superset of them) reads right.
GB_FAMILY = {"gb18030", "gbk", "gb2312"}
# Bytes that never occur in text (C0 controls other than tab, newline, form feed and carriage return, and DEL).
_BINARY_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_TEXT_BYTES = bytes(b for b in range(256) if b not in _BINARY_BYTES)
BINARY_SHARE = 0.01  # more control bytes than this in the first megabyte: not a text file
BINARY_MIN_CONTROLS = 16
CLOCK_EVERY = 1024  # rows between looks at the clock


class UnreadableFile(RowInvalid):
    """The file is not a CSV or XLSX we can read; the whole import stops with this reason."""


class Budget:
    """The row and time limits of one import: `check(row_number)` raises `UnreadableFile` past either."""

    def __init__(self, *, max_rows: int | None = None, max_seconds: float | None = None):
        self.max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
        self.max_seconds = settings.IMPORT_MAX_SECONDS if max_seconds is None else max_seconds
        self.deadline = time.monotonic() + self.max_seconds
        self._ticks = 0

    def check(self, number: int) -> None:
        # Row numbers count the header and blank rows: a sheet reaching past the cap stops here, whatever it holds.
        if number > self.max_rows + 1:
            raise UnreadableFile(
                _(
                    "The file has more than %(cap)s rows (IMPORT_MAX_ROWS); split it into smaller files and "
                    "import them one by one."
                )
                % {"cap": f"{self.max_rows:,}"}
            )
        self._ticks += 1
        if self._ticks % CLOCK_EVERY == 0 and time.monotonic() > self.deadline:
            raise UnreadableFile(
                _(
                    "Reading the file took longer than %(seconds)s seconds (IMPORT_MAX_SECONDS) and was stopped at "
                    "row %(row)s; nothing was imported. Split it into smaller files."
                )
                % {"seconds": f"{self.max_seconds:g}", "row": number}
            )


@dataclass
class Table:
    """A file opened for reading: its header cells, an estimate of the data rows, and the row iterator."""

    headers: list[str]
    estimated_rows: int
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str = ""
    # Releases the file; also when the rows were never read (closing an unstarted generator runs no cleanup).
    close: Callable[[], None] = lambda: None


def open_table(
    source: str | os.PathLike | IO[bytes], *, filename: str = "", encoding: str = "", budget: Budget | None = None
) -> Table:
    """Open a CSV or XLSX by content (XLSX is a zip) and return its `Table`.

    `encoding` (a Python codec name) reads a CSV in that encoding instead of guessing it; `budget` bounds the
    reading (default: the settings' row cap and time budget, counted from now)."""
    if encoding:
        encoding = encoding_check(encoding)
    budget = budget or Budget()
    stream = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115 - closed by the row iterator
    name = filename or str(getattr(source, "name", source))
    head = stream.read(4)
    stream.seek(0)
    if head == XLSX_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
        return _open_xlsx(stream, budget)
    if name.lower().endswith(".xls"):
        stream.close()
        raise UnreadableFile(_("Old .xls files are not supported: save the sheet as .xlsx or CSV."))
    try:
        return _open_csv(stream, encoding, budget)
    except UnreadableFile:
        stream.close()
        raise


def encoding_check(name: str) -> str:
    """The codec's canonical name (`latin-1` → `iso8859-1`); `UnreadableFile` naming it when Python has no such
    text encoding."""
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, ValueError):
        raise UnreadableFile(_("Unknown encoding %(encoding)r.") % {"encoding": name}) from None
    if not getattr(info, "_is_text_encoding", True):
        raise UnreadableFile(_("Unknown encoding %(encoding)r.") % {"encoding": name})
    return info.name


def detect_encoding(stream: IO[bytes], *, guess: bool = True) -> tuple[str, int]:
    """The encoding of a CSV and its count of line breaks: UTF-16 or UTF-8 by their byte-order mark, UTF-8 if
    the whole file decodes as UTF-8, else GB18030 when charset-normalizer also reads it as Chinese.

    Anything else is refused (`UnreadableFile`) rather than guessed: a Latin-1 "Müller" also decodes as GB18030
    ("M黮ler"), so decoding without an error proves nothing. The message names the likely encoding, which the
    user can then choose explicitly. A file full of control bytes is binary, not a CSV. With `guess=False` (the
    user named the encoding) only the byte-order mark, the line breaks and the binary check are looked at.
    """
    stream.seek(0)
    first = stream.read(3)
    if first == codecs.BOM_UTF8:
        encoding = "utf-8-sig"
    elif first[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    else:
        encoding = ""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    bad_line = 0
    newlines = 0
    sample = b""
    while chunk := stream.read(SCAN_BYTES):
        if not sample:
            sample = chunk
            if encoding != "utf-16" and _looks_binary(sample):
                raise UnreadableFile(_binary_message())
        if utf8 and guess and not encoding:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                utf8 = False
                bad_line = newlines + chunk.count(b"\n", 0, max(0, exc.start)) + 1
        newlines += chunk.count(b"\n")
    if utf8 and guess and not encoding:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8, bad_line = False, newlines + 1
    stream.seek(0)
    if encoding:
        return encoding, newlines
    if utf8 or not guess:
        return "utf-8", newlines
    return _guess_non_utf8(sample, bad_line), newlines


def _looks_binary(sample: bytes) -> bool:
    controls = len(sample.translate(None, _TEXT_BYTES))  # what is left once every text byte is deleted
    # A stray NUL in a small CSV is a bad cell (dropped), not a binary file: a few are allowed whatever the size.
    return controls >= BINARY_MIN_CONTROLS and controls > BINARY_SHARE * len(sample)


def _binary_message() -> str:
    return _(
        "The file is not a text CSV: it holds binary data (a picture, a program or a compressed file renamed .csv?). "
        "Upload a CSV saved as text, or an .xlsx workbook."
    )


def _guess_non_utf8(sample: bytes, bad_line: int) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:GUESS_BYTES]).best()
    if best is None:
        raise UnreadableFile(_binary_message())
    guess = best.encoding.lower()
    if guess in GB_FAMILY:
        return "gb18030"
    raise UnreadableFile(
        _(
            "The file's encoding is not certain: it is not UTF-8 (line %(line)s is not) and does not read as "
            "GB18030 Chinese; it looks like %(guess)s. Save it as UTF-8, or choose its encoding when importing "
            "(%(guess)s if that is right)."
        )
        % {"line": bad_line, "guess": guess}
    )


def _clean_lines(lines: Iterable[str]) -> Iterator[str]:
    """Lines without control characters: a NUL or BEL in a cell is dropped before the CSV parser sees it."""
    for line in lines:
        # isprintable() is a fast C check; only lines with a tab, a control character or the like are rewritten.
        yield line if line.rstrip("\r\n").isprintable() else printable(line)


def _text_cell(value: Any) -> Any:
    if isinstance(value, str) and not value.isprintable():
        return printable(value)
    return value


def _open_csv(stream: IO[bytes], encoding: str, budget: Budget) -> Table:
    detected, newlines = detect_encoding(stream, guess=not encoding)
    if not encoding:
        encoding = detected
    elif encoding in ("utf-8", "utf_8") and detected == "utf-8-sig":
        encoding = "utf-8-sig"  # the mark is not data: it would stick to the first header
    if encoding.startswith("utf-16") or detected.startswith("utf-16"):
        newlines = 0  # counted on the wrong byte width; the estimate is only for the progress bar
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    try:
        first_line = text.readline()
        text.seek(0)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            _("The file could not be read as %(encoding)s (%(reason)s).") % {"encoding": encoding, "reason": exc}
        ) from None
    delimiter = max((",", "\t", ";"), key=first_line.count) if first_line else ","
    reader = csv.reader(_clean_lines(text), delimiter=delimiter)
    try:
        headers = _first_nonblank(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(_("The file could not be read as CSV (%(reason)s).") % {"reason": exc}) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            number = 1
            for cells in reader:
                number += 1
                budget.check(number)
                # The first cell decides for almost every row; only rows starting blank are looked at whole.
                if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                    yield number, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(
                _("Row %(row)s could not be read (%(reason)s).") % {"row": number + 1, "reason": exc}
            ) from None
        finally:
            stream.close()

    return Table(
        headers=headers, estimated_rows=max(0, newlines - 1), rows=rows(), encoding=encoding, close=stream.close
    )


def _first_nonblank(reader) -> list[str]:
    for cells in reader:
        if any(str(c).strip() for c in cells):
            return [str(c) if c is not None else "" for c in cells]
    return []


def _open_xlsx(stream: IO[bytes], budget: Budget) -> Table:
    """An XLSX by python-calamine (Rust) when its sheet fits the memory budget, else by the streaming reader.

    calamine parses the whole first sheet into memory before the first row comes out: about 1.7 bytes held per
    byte of the sheet's XML (measured: 185 MB for a 200,000-row, 113 MB sheet), and ten times faster than
    reading the XML in Python. A sheet larger than `XLSX_IN_MEMORY_XML_BYTES` is streamed instead, so a
    million-row workbook stays within the import's memory bound, at the streaming reader's speed.
    """
    if stream.read(len(OLE_MAGIC)) == OLE_MAGIC:
        stream.close()
        raise UnreadableFile(
            _(
                "The file is a password-protected (encrypted) workbook or an old .xls file: remove the password, "
                "or save it as .xlsx or CSV, and import it again."
            )
        )
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            sheets = [i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        stream.close()
        raise UnreadableFile(
            _("The file could not be read as XLSX (%(reason)s).") % {"reason": exc.__class__.__name__}
        ) from None
    stream.seek(0)
    if sheets and max(sheets) <= XLSX_IN_MEMORY_XML_BYTES:
        return _open_xlsx_calamine(stream, budget)
    return _open_xlsx_streaming(stream, budget)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook (and an .xls) is an OLE compound file
XLSX_IN_MEMORY_XML_BYTES = 128 << 20  # held in memory: about 215 MB of cells, about 225,000 ten-column rows


def _open_xlsx_calamine(stream: IO[bytes], budget: Budget) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook, WorkbookClosed

    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        stream.close()
        raise UnreadableFile(
            _("The file could not be read as XLSX (%(reason)s).") % {"reason": exc.__class__.__name__}
        ) from None
    # calamine's rows run from the sheet's row 1, but its columns from the first one holding a value: padding
    # gives the cells back their positions (a sheet starting at column C reads as two empty cells first).
    (last_row, _last_column), first_column = sheet.end or (0, 0), (sheet.start or (0, 0))[1]
    pad = [""] * first_column
    values = enumerate(sheet.iter_rows(), start=1)
    headers: list[str] = []
    try:
        for number, cells in values:
            budget.check(number)
            if any(type(c) is not str or c.strip() for c in cells):
                while cells[-1] == "":
                    cells.pop()
                headers = [printable(_text_of(c)) for c in pad + cells]
                break
    except UnreadableFile:
        workbook.close()
        stream.close()
        raise

    def close() -> None:
        with suppress(WorkbookClosed):  # the rows close it when read to the end, the caller again
            workbook.close()
        stream.close()

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in values:
                budget.check(number)
                if any(type(c) is not str or c.strip() for c in cells):
                    while cells[-1] == "":  # as wide as its last value, as the streaming reader gives it
                        cells.pop()
                    if pad:
                        cells = pad + cells
                    try:
                        # A row of printable text only (every cell of a CSV saved as XLSX) needs no conversion.
                        plain = "".join(cells).isprintable()
                    except TypeError:  # a number, date or boolean among the cells
                        plain = False
                    yield number, cells if plain else list(map(_calamine_cell, cells))
        finally:
            close()

    estimated = max(0, min(last_row + 1, budget.max_rows + 1) - 1)
    return Table(headers=headers, estimated_rows=estimated, rows=rows(), encoding="xlsx", close=close)


def _calamine_cell(value: Any) -> Any:
    """A calamine cell as the streaming reader gives it: whole numbers as int (Excel stores every number as a
    float), a date cell as a datetime at midnight (what openpyxl's date conversion gives), text without control
    characters; an empty cell stays ""."""
    kind = type(value)
    if kind is str:
        return value if value.isprintable() else printable(value)
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _text_of(value: Any) -> str:
    value = _calamine_cell(value)
    return value if type(value) is str else str(value)


def _open_xlsx_streaming(stream: IO[bytes], budget: Budget) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError) as exc:
        stream.close()
        raise UnreadableFile(
            _("The file could not be read as XLSX (%(reason)s).") % {"reason": exc.__class__.__name__}
        ) from None
    # The sheet's declared <dimension> is whatever the writing program put there (A1:XFD1048576 in a 1.5 KB file):
    # it only sizes the progress bar. Rows are read by `_sheet_rows`, each as wide as its own last cell with a value.
    declared = sheet.max_row or 1
    estimated = max(0, min(declared, budget.max_rows + 1) - 1)
    values = _sheet_rows(workbook, sheet)
    headers: list[str] = []
    header_row = 0
    try:
        for header_row, cells in values:
            budget.check(header_row)
            if any(c is not None and str(c).strip() for c in cells):
                headers = ["" if c is None else printable(str(c)) for c in cells]
                break
    except UnreadableFile:
        workbook.close()
        stream.close()
        raise

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in values:
                budget.check(number)
                if any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
                    yield number, ["" if c is None else _text_cell(c) for c in cells]
        finally:
            values.close()
            workbook.close()
            stream.close()

    def close() -> None:
        values.close()
        workbook.close()
        stream.close()

    return Table(headers=headers, estimated_rows=estimated, rows=rows(), encoding="xlsx", close=close)


def _sheet_rows(workbook, sheet) -> Iterator[tuple[int, list[Any]]]:
    """`(row number, cell values)` of a read-only openpyxl sheet, straight from its XML.

    What `iter_rows(values_only=True)` gives (the same shared strings, number, boolean and date conversions, cached
    formula results) at a fifth of the cost: openpyxl builds a dict and a coordinate tuple per cell. A row comes
    as wide as its last cell holding a value (never padded to the declared width), numbered by its own `r`, so
    rows missing from the file are skipped, not yielded empty. Memory stays flat whatever the sheet's length.
    """
    from openpyxl.cell.text import Text
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    shared = sheet._shared_strings
    dates, durations, epoch = workbook._date_formats, workbook._timedelta_formats, workbook.epoch
    positions: dict[str, int] = {}
    number = 0
    with workbook._archive.open(sheet._worksheet_path) as source:
        for row in _row_elements(source):
            mark = row.get("r")
            number = int(float(mark)) if mark else number + 1
            cells: list[Any] = []
            column = 0
            for cell in row:
                mark = cell.get("r")
                if mark:
                    letters = mark.rstrip(_DIGITS)
                    column = positions.get(letters) or positions.setdefault(letters, _column_index(letters))
                else:
                    column += 1
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    text = cell.find(_INLINE)
                    value = None if text is None else _inline_text(text, Text)
                else:
                    value = cell.findtext(_VALUE) or None
                    if value is None:
                        continue
                    if kind == "n":
                        value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                        style = cell.get("s")
                        if style and int(style) in dates:
                            try:
                                value = from_excel(value, epoch, timedelta=int(style) in durations)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"  # a date serial out of range: an error cell, as openpyxl reads it
                    elif kind == "s":
                        value = shared[int(value)]
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        value = from_ISO8601(value)
                if value is None:
                    continue
                if column > len(cells) + 1:
                    cells.extend([None] * (column - 1 - len(cells)))
                cells.append(value)
            yield number, cells


FEED_BYTES = 1 << 16


def _row_elements(source: IO[bytes]) -> Iterator[Any]:
    """The `<row>` elements of a sheet's XML, each complete, in order, dropped from the tree once handed out.

    The parser reports no events past the start of `<sheetData>`: a row is taken once the parser has moved past
    it (every row but the last one under construction after a feed). An event per element, as `iterparse` gives,
    would cost more than reading the cells.
    """
    from xml.etree.ElementTree import TreeBuilder, XMLParser

    parser = XMLParser(target=TreeBuilder())
    events: list[tuple[str, Any]] = []
    parser._setevents(events, ("start",))  # what XMLPullParser does; switched off again below
    data = None
    while data is None:
        chunk = source.read(FEED_BYTES)
        if not chunk:
            break
        parser.feed(chunk)
        data = next((element for _event, element in events if element.tag == _SHEET_DATA), None)
        events.clear()
    parser._setevents(events, ())
    if data is None:
        return
    while True:
        chunk = source.read(FEED_BYTES)
        if not chunk:
            break
        yield from data[:-1]
        del data[:-1]
        parser.feed(chunk)
    parser.close()
    yield from data
    del data[:]


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA, _ROW, _VALUE, _INLINE, _TEXT = (f"{_MAIN}{tag}" for tag in ("sheetData", "row", "v", "is", "t"))
_DIGITS = "0123456789"


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def _inline_text(element, text_type) -> str:
    """An inline string's text: its one `<t>` (what openpyxl writes), else openpyxl's own reading of the runs."""
    if len(element) == 1 and element[0].tag == _TEXT:
        return element[0].text or ""
    return text_type.from_tree(element).content
