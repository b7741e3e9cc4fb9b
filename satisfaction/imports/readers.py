"""Streaming readers for CSV (UTF-8 with or without BOM, GB18030) and XLSX files.

A reader yields the header row and then `(row_number, cells)` with the spreadsheet's row numbering
(header = row 1), skipping blank rows; nothing holds the whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from core.batch import RowInvalid

SCAN_BYTES = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(RowInvalid):
    """The file is not a CSV or XLSX we can read; the whole import stops with this reason."""


@dataclass
class Table:
    """A file opened for reading: its header cells, an estimate of the data rows, and the row iterator."""

    headers: list[str]
    estimated_rows: int
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str = ""
    # Releases the file; also when the rows were never read (closing an unstarted generator runs no cleanup).
    close: Callable[[], None] = lambda: None


def open_table(source: str | os.PathLike | IO[bytes], *, filename: str = "") -> Table:
    """Open a CSV or XLSX by content (XLSX is a zip) and return its `Table`."""
    stream = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115 - closed by the row iterator
    name = filename or str(getattr(source, "name", source))
    head = stream.read(4)
    stream.seek(0)
    if head == XLSX_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
        return _open_xlsx(stream)
    if name.lower().endswith(".xls"):
        raise UnreadableFile("Old .xls files are not supported: save the sheet as .xlsx or CSV.")
    return _open_csv(stream)


def detect_encoding(stream: IO[bytes]) -> tuple[str, int]:
    """UTF-8 (BOM or not) if the whole file decodes as UTF-8, else GB18030; also counts the line breaks."""
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
    newlines = 0
    while chunk := stream.read(SCAN_BYTES):
        newlines += chunk.count(b"\n")
        if utf8 and not encoding:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if not encoding:
        encoding = "utf-8" if utf8 else "gb18030"
    stream.seek(0)
    return encoding, newlines


def _open_csv(stream: IO[bytes]) -> Table:
    encoding, newlines = detect_encoding(stream)
    if encoding == "utf-16":
        newlines = 0  # counted on the wrong byte width; the estimate is only for the progress bar
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    first_line = text.readline()
    text.seek(0)
    delimiter = max((",", "\t", ";"), key=first_line.count) if first_line else ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        headers = _first_nonblank(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        stream.close()
        raise UnreadableFile(f"The file could not be read as CSV ({exc}).") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            number = 1
            for cells in reader:
                number += 1
                # The first cell decides for almost every row; only rows starting blank are looked at whole.
                if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                    yield number, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFile(f"Row {number + 1} could not be read ({exc}).") from None
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


def _open_xlsx(stream: IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        stream.close()
        raise UnreadableFile(f"The file could not be read as XLSX ({exc.__class__.__name__}).") from None
    sheet = workbook.worksheets[0]
    estimated = max(0, (sheet.max_row or 1) - 1)
    values = sheet.iter_rows(values_only=True)
    headers: list[str] = []
    header_row = 0
    for header_row, cells in enumerate(values, start=1):  # noqa: B007 - the header's row number is used below
        if any(c is not None and str(c).strip() for c in cells):
            headers = ["" if c is None else str(c) for c in cells]
            break

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(values, start=header_row + 1):
                if any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
                    yield number, ["" if c is None else c for c in cells]
        finally:
            workbook.close()
            stream.close()

    def close() -> None:
        workbook.close()
        stream.close()

    return Table(headers=headers, estimated_rows=estimated, rows=rows(), encoding="xlsx", close=close)
