"""Streaming validate-then-write machinery shared by every import kind and by `record_satisfaction_batch`.

Pass 1 reads rows in chunks held column by column, validates them, resolves references in bulk and spools
the converted rows to a temporary file; pass 2 runs only when no row failed and inserts the spool in one
transaction. Memory stays flat whatever the file size: chunks, the spool, the duplicate check and the error
list live on disk. Work is done per column rather than per cell where it can be: a column of 2,000 scores
holds a few dozen distinct strings, and each is parsed once (`parse_column`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import logging
import pickle
import queue
import sqlite3
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from core.spreadsheets import neutralise

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
WRITE_ROWS = 20_000  # rows per write batch; bounded memory, few round trips
ERROR_PREVIEW = 200
LOOKUP_CHUNK = 2000
SQLITE_CACHE_KIB = -65536  # negative: size in KiB


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: spreadsheet row number (header = 1), column, the value and why."""

    row: int
    column: str
    value: str
    reason: str


class RowInvalid(Exception):
    """Raised by a column parser; `reason` is the user-facing sentence."""

    def __init__(self, reason: str, column: str | None = None):
        super().__init__(reason)
        self.reason = str(reason)
        self.column = column


@dataclass
class BatchResult:
    """What a batch import did: counts, the ids it created, and the row errors (first ones kept in memory)."""

    rows_total: int = 0
    created_ids: Sequence[int] = field(default_factory=list)
    skipped: int = 0
    # Sync (re-import with updates): rows already present whose values changed / did not change (the unchanged
    # ones are also in `skipped`, "already present").
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    unknown_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    message: str = ""

    @property
    def created(self) -> int:
        return len(self.created_ids)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and not self.message


class ErrorSink:
    """Collects row errors: every one into a temporary CSV, the first few in memory for the summary."""

    HEADER = ("row", "column", "value", "reason")

    def __init__(self, keep: int = ERROR_PREVIEW, labels: Mapping[str, str] | None = None):
        self.keep = keep
        # Field name → the header the user's file calls it, so the report speaks the file's language.
        self.labels = dict(labels or {})
        self.count = 0
        self.preview: list[RowError] = []
        # Lives as long as the sink; close() releases it.
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file)

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        error = RowError(row=row, column=self.labels.get(column, column), value=_short(value), reason=str(reason))
        self.count += 1
        if len(self.preview) < self.keep:
            self.preview.append(error)
        self._writer.writerow((error.row, error.column, error.value, error.reason))

    def write_csv(self, out: io.TextIOBase) -> None:
        """Write the full report as CSV; cells that a spreadsheet would run as a formula are neutralised."""
        writer = csv.writer(out)
        writer.writerow(self.HEADER)
        self._file.flush()
        self._file.seek(0)
        for row in csv.reader(self._file):
            writer.writerow([neutralise(cell) for cell in row])
        self._file.seek(0, io.SEEK_END)

    def close(self) -> None:
        self._file.close()


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:197] + "…"


class SeenKeys:
    """External ids seen earlier in the same file: in a dict up to MEMORY_KEYS, then in an on-disk SQLite table.

    The dict keeps the common file cheap to check; past the limit the keys move to disk so memory stays bounded
    whatever the file size.
    """

    MEMORY_KEYS = 250_000  # about 30 MB of short ids

    def __init__(self):
        self._memory: dict[str, int] | None = {}
        self._db: sqlite3.Connection | None = None
        self._tmp = None

    def add(self, pairs: list[tuple[str, int]]) -> dict[int, int]:
        """Record `(key, row)` pairs; returns {row: earlier row with the same key} for the repeats."""
        if self._memory is not None and len(self._memory) + len(pairs) > self.MEMORY_KEYS:
            self._spill()
        if self._memory is None:
            return self._add_on_disk(pairs)
        repeats: dict[int, int] = {}
        remember = self._memory.setdefault
        for key, row in pairs:
            first = remember(key, row)
            if first != row:
                repeats[row] = first
        return repeats

    def _spill(self) -> None:
        self._tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3")  # noqa: SIM115 - closed in close()
        self._db = sqlite3.connect(self._tmp.name)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID")
        self._db.executemany("INSERT INTO seen (key, row) VALUES (?, ?)", self._memory.items())
        self._memory = None

    def _add_on_disk(self, pairs: list[tuple[str, int]]) -> dict[int, int]:
        repeats: dict[int, int] = {}
        first_in_chunk: dict[str, int] = {}
        for key, row in pairs:
            if key in first_in_chunk:
                repeats[row] = first_in_chunk[key]
            else:
                first_in_chunk[key] = row
        keys = list(first_in_chunk)
        earlier: dict[str, int] = {}
        for start in range(0, len(keys), 900):
            part = keys[start : start + 900]
            marks = ",".join("?" * len(part))
            earlier.update(self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({marks})", part).fetchall())
        for key, row in first_in_chunk.items():
            if key in earlier:
                repeats[row] = earlier[key]
        self._db.executemany(
            "INSERT OR IGNORE INTO seen (key, row) VALUES (?, ?)",
            [(k, r) for k, r in first_in_chunk.items() if k not in earlier],
        )
        return repeats

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._tmp.close()
        self._memory = None


class Spool:
    """Validated rows waiting for the write pass, pickled chunk by chunk into a temporary file.

    A chunk is `(params, marked)`: each row's database parameters as a tuple of plain values (cheap to pickle),
    and the external ids the spec marked for after-write work.
    """

    def __init__(self):
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.rows = 0

    def append(self, params: list[tuple], marked: set[str]) -> None:
        if params:
            pickle.dump((params, marked), self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self.rows += len(params)

    def __iter__(self) -> Iterator[tuple[list[tuple], set[str]]]:
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)  # our own temporary file, written above
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()


class RawChunk:
    """Up to CHUNK_ROWS input rows held column by column: the row numbers, and per field the cells.

    A field the row does not have (a short CSV line, a key missing from a mapping) is None, like an empty cell.
    """

    def __init__(self, numbers: list[int], columns: dict[str, Sequence[Any]]):
        self.numbers = numbers
        self._columns = columns

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, name: str) -> Sequence[Any]:
        found = self._columns.get(name)
        return found if found is not None else [None] * len(self.numbers)

    @property
    def names(self) -> set[str]:
        """The fields this chunk's file gives (a column the file lacks is not among them)."""
        return set(self._columns)

    def replace_column(self, name: str, cells: Sequence[Any]) -> None:
        """Put translated cells in place of a field's column (a mapping's value maps and date formats)."""
        self._columns[name] = cells

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Row by row, as `(row number, {field: cell})` without the absent fields."""
        names = list(self._columns)
        for i, number in enumerate(self.numbers):
            yield number, {name: self._columns[name][i] for name in names if self._columns[name][i] is not None}

    @classmethod
    def from_cells(cls, numbered: list[tuple[int, list[Any]]], index: Mapping[str, int]) -> RawChunk:
        """From `(row number, cells)` pairs and the field → position map of the header row."""
        width = max(index.values(), default=-1) + 1
        rows = [cells for _, cells in numbered]
        if rows and min(map(len, rows)) < width:  # short lines: pad them, as zip() stops at the shortest
            rows = [cells if len(cells) >= width else [*cells, *[None] * (width - len(cells))] for cells in rows]
        by_position = list(zip(*rows, strict=False)) if rows else [()] * width
        return cls([number for number, _ in numbered], {name: by_position[i] for name, i in index.items()})

    @classmethod
    def from_mappings(cls, numbered: list[tuple[int, Mapping[str, Any]]]) -> RawChunk:
        names = {name for _, row in numbered for name in row}
        return cls([n for n, _ in numbered], {name: [row.get(name) for _, row in numbered] for name in names})


def chunked(rows: Iterable[tuple[int, Any]], make: Callable[[list], RawChunk], size: int | None = None):
    """Group `(row number, row)` pairs into RawChunks of `size` (CHUNK_ROWS) rows; `make` builds one from a list."""
    iterator = iter(rows)
    while part := list(itertools.islice(iterator, size or CHUNK_ROWS)):
        yield make(part)


_MISSING = object()
MEMO_LIMIT = 50_000


class ColumnMemo:
    """What `parse_column` remembers across chunks for one column: outcome per distinct text cell, and which failed."""

    def __init__(self):
        self.outcomes: dict[Any, Any] = {}
        self.failed: set[Any] = set()

    def clear(self) -> None:
        self.outcomes.clear()
        self.failed.clear()


def parse_column(
    cells: Sequence[Any], parse: Callable[[Any], Any], memo: ColumnMemo | None = None
) -> tuple[list[Any], dict[int, str]]:
    """Apply `parse` to every cell; returns the values (None for a failed cell) and {index: reason} of failures.

    `parse` must depend on the cell alone and raise RowInvalid for a bad one. Text cells (all of a CSV) are
    parsed once per distinct value and remembered in `memo` across chunks; other cells (XLSX numbers, dates,
    booleans) each time, because 1, 1.0 and True are equal as dict keys but not as cells. Without a memo (columns
    of nearly distinct values, such as timestamps) every cell is parsed.
    """
    if memo is None:
        return _split_failures([_outcome(cell, parse) for cell in cells])
    outcomes = memo.outcomes
    if len(outcomes) > MEMO_LIMIT:
        memo.clear()  # columns of mostly distinct values (timestamps) must not grow without bound
    try:
        values = [outcomes[cell] for cell in cells]  # every cell seen before: the common case after the first chunk
    except KeyError:
        values = None
    if values is not None:
        if memo.failed.isdisjoint(cells):
            return values, {}
        return _split_failures(values)
    values = []
    for cell in cells:
        if cell is None or type(cell) is str:
            outcome = outcomes.get(cell, _MISSING)
            if outcome is _MISSING:
                outcome = outcomes[cell] = _outcome(cell, parse)
                if type(outcome) is RowInvalid:
                    memo.failed.add(cell)
        else:
            outcome = _outcome(cell, parse)
        values.append(outcome)
    return _split_failures(values)


def _outcome(cell, parse):
    try:
        return parse(cell)
    except RowInvalid as exc:
        return exc


def _split_failures(outcomes: list[Any]) -> tuple[list[Any], dict[int, str]]:
    failures = {i: o.reason for i, o in enumerate(outcomes) if type(o) is RowInvalid}
    for i in failures:
        outcomes[i] = None
    return outcomes, failures


@dataclass
class CleanRow:
    """A row that passed validation: its number, external id and model values by attname."""

    row: int
    external_id: str
    values: dict[str, Any]


DEFAULT = object()  # in a CleanChunk column: this row did not give the field, use the model default


@dataclass
class CleanChunk:
    """A validated chunk, column by column: model values by attname for every row, and the rows that failed.

    `marked` flags the rows whose after-write work the spec needs (e.g. tickets that are closed). A value
    that is DEFAULT takes the model field's default.
    """

    numbers: list[int]
    external_ids: list[str]
    columns: dict[str, Sequence[Any]]
    rejected: set[int] = field(default_factory=set)
    marked: list[bool] | None = None
    sparse: bool = False  # some values may be DEFAULT
    # (row number, external id) of failed rows that are not among `numbers`: a repeat is reported on them too.
    rejected_ids: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls, rows: list[CleanRow], marked: list[bool] | None = None, rejected_ids: list[tuple[int, str]] | None = None
    ) -> CleanChunk:
        names = {name for row in rows for name in row.values}
        return cls(
            numbers=[row.row for row in rows],
            external_ids=[row.external_id for row in rows],
            columns={name: [row.values.get(name, DEFAULT) for row in rows] for name in names},
            marked=marked,
            sparse=True,
            rejected_ids=list(rejected_ids or ()),
        )


class BatchSpec:
    """What one kind of import needs: the model, how to clean a chunk of raw rows, what to do after writing.

    Subclasses implement `clean_chunk`; the engine does chunking, duplicates, idempotency, spooling and writing.
    """

    model: type[models.Model]
    # Attnames a re-import may change on a row that exists (sync); set by clean_chunk to those the file gives.
    update_fields: tuple[str, ...] = ()

    def clean_chunk(self, chunk: RawChunk, errors: ErrorSink) -> CleanChunk:
        raise NotImplementedError

    def update_row(self, pk: int, changes: dict[str, Any]) -> None:
        """Apply the changed values to the existing row `pk` through the entity's service (inside the write)."""
        raise NotImplementedError

    def update_rows(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Apply every `(pk, changes)` of the import (inside the write); a spec whose entity has a bulk update
        service hands them over at once, else row by row."""
        for pk, changes in updates:
            self.update_row(pk, changes)

    def after_write(self, created: list[tuple[int, str]], marked: set[str]) -> None:
        """Called inside the write transaction with (id, external_id) of the rows created and the marked ids."""

    def on_commit(self, created_ids: list[int]) -> None:
        """Runs once after the write transaction committed."""


def run_batch(
    *,
    spec: BatchSpec,
    chunks: Iterable[RawChunk],
    dry_run: bool = False,
    errors: ErrorSink | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    skip_errors: bool = False,
    update: bool = False,
    expected_rows: int = 0,
) -> BatchResult:
    """Validate every row and write all of them in one transaction, committed only if none failed.

    The rows are written as they are validated, by a second thread in a transaction of its own (`_Writer`), which
    rolls back if a row fails; inside a transaction they are spooled and written after the last one (`_write`).

    With `update` (sync), a row whose external id exists is compared with the stored row: the fields that changed
    go through `spec.update_rows` in the write transaction (counted `updated`), the rest are `unchanged`.

    With `skip_errors` the valid rows are written even when others failed; the failed ones are reported.

    Rows whose external id exists already are skipped (re-imports create nothing); a repeated external id inside
    the file is a row error. `on_progress(rows_done, phase)` is called per chunk ("validating") and once before
    writing ("writing"). Not one atomic block on purpose: pass 1 reports progress that others must see.
    """
    own_sink = errors is None
    errors = errors or ErrorSink()
    result = BatchResult(dry_run=dry_run)
    seen = SeenKeys()
    spool = Spool()
    inserter = BulkInserter(spec.model)
    updates: list[tuple[int, dict[str, Any]]] = []
    # Outside a transaction the rows are written beside the validation (`_Writer`); inside one (a test, a caller's
    # `atomic`, an import creating referenced rows) a second connection would not see its rows, so they are
    # spooled and written after it, in this connection.
    writer = _Writer(spec, inserter) if not dry_run and not connection.in_atomic_block else None
    # The connection that writes gets the large page cache; this one only looks ids up when the writer writes.
    restore_cache = _grow_sqlite_cache() if writer is None else lambda: None
    moving = False  # SQLite: the writer holds the write lock from here on
    try:
        for chunk in chunks:
            result.rows_total += len(chunk)
            clean = spec.clean_chunk(chunk, errors)
            keep = _drop_repeats(clean, seen, errors)
            # Sync: the stored values come with the lookup, in the same query.
            fields = [name for name in spec.update_fields if name in clean.columns] if update else []
            existing = _stored(spec.model, [clean.external_ids[i] for i in keep], fields)
            if existing:
                present = [i for i in keep if clean.external_ids[i] in existing]
                if update and spec.update_fields:
                    changed = _changes(clean, present, fields, existing)
                    result.updated += len(changed)
                    result.unchanged += len(present) - len(changed)
                    result.skipped += len(present) - len(changed)  # already present, left as it is
                    if (skip_errors or not errors.count) and not dry_run:
                        if writer is not None:
                            writer.update(changed)
                        else:
                            updates.extend(changed)
                else:
                    result.skipped += len(present)
                keep = [i for i in keep if clean.external_ids[i] not in existing]
            if (skip_errors or not errors.count) and not dry_run:
                marked = {clean.external_ids[i] for i in keep if clean.marked[i]} if clean.marked else set()
                params = inserter.chunk_params(clean.columns, keep, sparse=clean.sparse)
                if writer is not None:
                    writer.add(params, marked)
                else:
                    spool.append(params, marked)
            if writer is not None and errors.count and not skip_errors:
                writer.close()  # the file will be rejected: roll back now, and free the lock
                writer, moving = None, False
            if writer is not None and not moving and _time_to_move(result.rows_total, expected_rows):
                # The job shows *writing* first: once the writer holds the lock, this connection's update would
                # wait for a commit that waits for this thread (SQLite's busy timeout, then "database is locked").
                if on_progress:
                    on_progress(result.rows_total, "writing")
                writer.start_moving()
                moving = True
            if on_progress and not moving:
                on_progress(result.rows_total, "validating")
        result.error_count = errors.count
        result.errors = list(errors.preview)
        if (errors.count and not skip_errors) or dry_run:
            return result
        if on_progress and not moving:
            on_progress(result.rows_total, "writing")
        if writer is not None:
            result.created_ids = writer.commit(updates)
            spec.on_commit(result.created_ids)  # outside any transaction: it committed
        else:
            result.created_ids = _write(spec=spec, spool=spool, inserter=inserter, updates=updates)
        result.written = True
        return result
    finally:
        if writer is not None:
            writer.close()  # rolls back what it wrote unless it committed
        restore_cache()
        seen.close()
        spool.close()
        if own_sink:
            errors.close()


class _Writer:
    """The write pass beside the validation: a thread with its own connection writes the validated rows while the
    caller validates the next ones, and commits once the caller says every row passed (`commit`), or rolls back.

    Python validates and the database writes, on two cores: psycopg and sqlite3 release the GIL while a statement
    runs. PostgreSQL gets the rows into the table as they come, in the thread's open transaction; the caller's own
    writes (the job's progress) touch other rows and go on. SQLite allows one writer at a time, so the thread only
    stages the rows in its temporary table (which takes no lock) and moves them into the table when told to
    (`start_moving`) or to commit: until then the caller still writes its progress. The changed rows of a re-import
    (sync) go to the thread too, `UPDATE_ROWS` at a time, and are updated as they come (SQLite: once it holds the
    lock). At most `QUEUED` batches wait, so memory stays bounded.
    """

    QUEUED = 3
    # Changed rows per update call: each call of a bulk update service runs its after-commit hooks once, so
    # groups this large keep those few (a re-import with 20,000 changes: 4 calls) while the updates overlap the
    # validation.
    UPDATE_ROWS = 5000
    _COMMIT, _MOVE, _UPDATE, _STOP = object(), object(), object(), object()

    def __init__(self, spec: BatchSpec, inserter: BulkInserter):
        from core.overlap import start_beside

        self.spec, self.inserter = spec, inserter
        self._queue: queue.Queue = queue.Queue(self.QUEUED)
        self._params: list[tuple] = []
        self._marked: set[str] = set()
        self._changes: list[tuple[int, dict[str, Any]]] = []
        self._done = False
        self._beside = start_beside(self._main, name="batch-writer")

    def add(self, params: list[tuple], marked: set[str]) -> None:
        self._params.extend(params)
        self._marked |= marked
        if len(self._params) >= WRITE_ROWS:
            self._send((self.inserter.pack(self._params), self._marked))
            self._params, self._marked = [], set()

    def update(self, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Rows already stored whose values changed: `(pk, {attname: value})`, for `spec.update_rows`."""
        self._changes.extend(changes)
        if len(self._changes) >= self.UPDATE_ROWS:
            self._send((self._UPDATE, self._changes))
            self._changes = []

    def start_moving(self) -> None:
        """SQLite: take the write lock now and move the rows into the table while the rest is validated (the
        caller writes nothing more until it commits: its progress would wait for the lock)."""
        if self._params:
            self._send((self.inserter.pack(self._params), self._marked))
            self._params, self._marked = [], set()
        self._send((self._MOVE, None))

    def commit(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> Sequence[int]:
        """Write what is left, apply the updates, commit; returns the new ids (raises the thread's error)."""
        if self._params:
            self._send((self.inserter.pack(self._params), self._marked))
        self._send((self._COMMIT, [*self._changes, *updates]))
        self._done = True
        return self._beside.result()

    def close(self) -> None:
        """Stop the thread; what it wrote is rolled back unless `commit` ran."""
        if not self._done:
            self._done = True
            self._send(self._STOP)
        self._beside.join()

    def _send(self, item) -> None:
        while True:
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                if not self._beside.running:  # it failed: its error comes out of result()
                    if item is self._STOP:
                        return
                    self._done = True
                    self._beside.result()
                    raise RuntimeError("The batch writer stopped.") from None

    def _batches(self) -> Iterator[tuple[Any, Any]]:
        while (item := self._queue.get()) is not self._STOP:
            yield item
            if item[0] is self._COMMIT:
                return
        raise _Stopped

    def _main(self) -> Sequence[int]:
        _grow_sqlite_cache()  # this thread's connection
        try:
            if connection.vendor == "sqlite":
                return self._write_staged()
            return self._write_as_they_come()
        except _Stopped:
            return array("q")

    @transaction.atomic
    def _write_as_they_come(self) -> Sequence[int]:
        created_ids = array("q")
        for head, rest in self._batches():
            if head is self._COMMIT or head is self._UPDATE:  # rest: the changed rows
                if rest:
                    self.spec.update_rows(rest)
                if head is self._COMMIT:
                    return created_ids
                continue
            if head is self._MOVE:  # PostgreSQL writes into the table from the start
                continue
            (rows, _count), marked = head, rest
            created = self.inserter.insert(rows)
            created_ids.extend(pk for pk, _ in created)
            self.spec.after_write(created, marked)
        return created_ids

    def _write_staged(self) -> Sequence[int]:
        """SQLite: stage the batches until told to move them (or to commit), then, holding the write lock, move
        the staged rows and each later batch into the table."""
        self.inserter.clear_stage()
        marked: set[str] = set()
        waiting: list[tuple[int, dict[str, Any]]] = []  # changes that come before the lock is held
        batches = self._batches()
        try:
            for item in batches:
                if item[0] is self._COMMIT or item[0] is self._MOVE:
                    return self._move_staged(item, batches, marked, waiting)
                if item[0] is self._UPDATE:
                    waiting.extend(item[1])
                    continue
                packed, batch_marked = item
                self.inserter.stage(packed)
                marked |= batch_marked
        finally:
            self.inserter.clear_stage()
        return array("q")

    @transaction.atomic
    def _move_staged(self, item, batches: Iterator, marked: set[str], waiting: list) -> Sequence[int]:
        created_ids = array("q")

        def move() -> None:
            for created in self.inserter.insert_staged():
                created_ids.extend(pk for pk, _ in created)
                self.spec.after_write(created, marked)

        move()
        if waiting and item[0] is not self._COMMIT:
            self.spec.update_rows(waiting)
            waiting = []
        while item[0] is not self._COMMIT:
            item = next(batches)
            if item[0] is self._UPDATE:
                self.spec.update_rows(item[1])
            elif item[0] is not self._COMMIT:  # holding the lock now: straight into the table
                packed, batch_marked = item
                marked |= batch_marked
                created = self.inserter.insert_packed(packed)
                created_ids.extend(pk for pk, _ in created)
                self.spec.after_write(created, marked)
        updates = [*waiting, *item[1]]
        if updates:
            self.spec.update_rows(updates)
        return created_ids


class _Stopped(Exception):
    """The caller stopped the writer: roll back."""


# SQLite: the share of the file validated when the writer starts moving the staged rows into the table. Once the
# writer holds the lock the caller's progress updates would wait for the commit, so the job's progress bar moves up
# to here, then the job shows *writing*. Writing is the slower half (200,000 records, quiet: validation alone
# 210,000 rows/s, the write floor 95,000), but starting earlier gains nothing measurable: staged rows move into the
# table 1.7 times faster than a batch is inserted straight from its JSON, which pays for the later start (from 40%
# and from 25%: 72,800 and 73,100 rows/s, medians of 3). Later would leave a move after the validation.
MOVE_AT = 0.4


def _time_to_move(done: int, expected: int) -> bool:
    # Not in an in-memory database (the tests'): its shared cache locks a table being written against readers,
    # and the validation reads the records already there; a file in WAL mode lets them read.
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return False
    return expected > 0 and done >= MOVE_AT * expected


def _drop_repeats(clean: CleanChunk, seen: SeenKeys, errors: ErrorSink) -> list[int]:
    """Indexes of the chunk's valid rows whose external id did not occur earlier in the file.

    Failed rows take part too: a repeated id is a row error whether or not either copy had another error, and a
    failed first copy still makes its repeat a duplicate.
    """
    valid = [i for i in range(len(clean.numbers)) if i not in clean.rejected]
    pairs = [(external_id, row) for row, external_id in clean.rejected_ids if external_id]
    pairs += [(clean.external_ids[i], clean.numbers[i]) for i in range(len(clean.numbers)) if clean.external_ids[i]]
    pairs.sort(key=lambda pair: pair[1])  # in file order, so the earlier row is the one named
    repeats = seen.add(pairs)
    if not repeats:
        return valid
    ids_by_row = {row: external_id for external_id, row in pairs}
    for row in sorted(repeats):
        errors.add(
            row, "external_id", ids_by_row[row], _("Duplicate id: row %(row)s has the same id.") % {"row": repeats[row]}
        )
    return [i for i in valid if clean.numbers[i] not in repeats]


def _changes(
    clean: CleanChunk, rows: list[int], fields: list[str], stored: Mapping[str, tuple]
) -> list[tuple[int, dict[str, Any]]]:
    """(pk, {attname: new value}) of the chunk's existing rows whose values differ from the stored ones.

    `stored` is what `_stored` read for `fields`. Most rows of a re-import are unchanged: each is one tuple
    comparison, and only a row that differs is looked at field by field (a file's value that is DEFAULT, a field the
    row did not give, never counts as a change)."""
    if not rows or not fields:
        return []
    columns = [clean.columns[name] for name in fields]
    changed = []
    for i in rows:
        old = stored.get(clean.external_ids[i])
        if old is None:
            continue
        new = tuple(column[i] for column in columns)
        if new == old[1:]:
            continue
        diff = {
            name: value
            for name, value, before in zip(fields, new, old[1:], strict=True)
            if value is not DEFAULT and value != before
        }
        if diff:
            changed.append((old[0], diff))
    return changed


def _stored(model, external_ids: list[str], fields: Sequence[str] = ()) -> dict[str, tuple]:
    """{external id: (pk, *values of `fields`)} of the stored rows with these external ids; without fields,
    {external id: ()}.

    One plain query per LOOKUP_CHUNK ids (PostgreSQL: one), the values converted as the ORM converts them when it
    reads them (SQLite's decimals, dates), each distinct value once: a re-import reads every row of its file back,
    and the ORM's queryset would cost more than the comparison.
    """
    if not external_ids:
        return {}
    qn = connection.ops.quote_name
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    selected = [qn("external_id"), *([qn(meta.pk.column)] if fields else []), *(qn(f.column) for f in targets)]
    sql = f"SELECT {', '.join(selected)} FROM {qn(meta.db_table)} WHERE {qn('external_id')}"
    if connection.vendor == "postgresql":
        rows = _raw_execute(sql + " = ANY(%s)", [external_ids])
    else:
        rows = []
        mark = _placeholder()
        for start in range(0, len(external_ids), LOOKUP_CHUNK):
            part = external_ids[start : start + LOOKUP_CHUNK]
            rows += _raw_execute(f"{sql} IN ({', '.join([mark] * len(part))})", part)
    readers = [_orm_reader(field, meta.db_table) for field in targets]
    if not any(readers):
        return {row[0]: row[1:] for row in rows}
    return {
        row[0]: (row[1], *(read(v) if read else v for read, v in zip(readers, row[2:], strict=True))) for row in rows
    }


def _orm_reader(target, table: str) -> Callable[[Any], Any] | None:
    """The field's database value as the ORM would give it (its backend and field converters), or None when the
    ORM changes nothing. Remembers the distinct values of one lookup: a score column holds a few dozen."""
    col = target.get_col(table)
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    if not converters:
        return None
    seen: dict[Any, Any] = {}

    def read(value):
        try:
            return seen[value]
        except KeyError:
            pass
        except TypeError:  # unhashable (a JSON value): converted each time
            return convert(value)
        seen[value] = converted = convert(value)
        return converted

    def convert(value):
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return read


def _grow_sqlite_cache() -> Callable[[], None]:
    """On SQLite, give this connection a 64 MB page cache while importing; returns the undo.

    With ten indexes on the records table the default 2 MB cache thrashes once the indexes outgrow it, and
    inserts slow down by about half; 64 MB stays well inside the memory budget of an import.
    """
    if connection.vendor != "sqlite":
        return lambda: None
    previous = _raw_execute("PRAGMA cache_size", [])[0][0]
    _raw_execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}", [])
    return lambda: _raw_execute(f"PRAGMA cache_size = {int(previous)}", [])


def _placeholder() -> str:
    return "?" if connection.vendor == "sqlite" else "%s"


def _raw_execute(sql: str, params: list) -> list[tuple]:
    """Run one statement on the driver connection under Django's (same connection, same transaction).

    Skips Django's cursor wrappers on purpose: they rewrite the placeholders of a 30,000-parameter statement with
    a regex and, with DEBUG on, format every parameter into the query log.
    """
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        # Server-side binding: Django's default client cursor would quote every one of the parameters in Python.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    return connection.connection.execute(sql, params).fetchall()


# Values every row a bulk insert creates carries, by attname, where the model has the field: the import job that
# wrote it (`satisfaction.imports.audit`). A context variable, so the import several layers up sets it without every
# batch service passing it on.
_stamp: ContextVar[Mapping[str, Any] | None] = ContextVar("batch_stamp", default=None)


@contextmanager
def stamping(**values: Any):
    """While inside, the rows bulk-inserted get these values (for the fields their model has)."""
    token = _stamp.set({**(_stamp.get() or {}), **values})
    try:
        yield
    finally:
        _stamp.reset(token)


@transaction.atomic
def _write(
    *, spec: BatchSpec, spool: Spool, inserter: BulkInserter, updates: Sequence[tuple[int, dict[str, Any]]] = ()
) -> Sequence[int]:
    """Insert the spooled rows and apply the updates in one transaction; returns the new ids. A row raced in
    meanwhile is skipped."""
    created_ids = array("q")  # 8 bytes an id: a million-row import keeps 8 MB, not 36
    for params, marked in _batches(spool, WRITE_ROWS):
        created = inserter.insert(params)
        created_ids.extend(pk for pk, _ in created)
        spec.after_write(created, marked)
    if updates:
        spec.update_rows(updates)
    transaction.on_commit(lambda: spec.on_commit(created_ids))
    return created_ids


def _batches(spool: Spool, size: int) -> Iterator[tuple[list[tuple], set[str]]]:
    """The spool's chunks joined into batches of at least `size` rows: fewer, larger round trips when writing."""
    params: list[tuple] = []
    marked: set[str] = set()
    for chunk_params, chunk_marked in spool:
        params.extend(chunk_params)
        marked |= chunk_marked
        if len(params) >= size:
            yield params, marked
            params, marked = [], set()
    if params:
        yield params, marked


class BulkInserter:
    """`INSERT … ON CONFLICT DO NOTHING` of many rows, built from the model's fields; returns (id, external_id)
    of the rows it created.

    Plain SQL rather than `bulk_create`: no model instance per row, and conflicts on external_id are skipped
    with the ids of the rows actually inserted still returned (bulk_create gives no ids with ignore_conflicts).
    Both databases get the rows into a temporary stage table first and insert them from there. PostgreSQL by
    COPY, which sends them in one stream, encoded in C, where bound parameters would be adapted one by one in
    Python (three times slower, measured at 200,000 rows), then `RETURNING`. SQLite by `executemany` (or, beside
    a validating thread, one JSON text per batch: `pack`), the new ids read back after the insert.
    """

    def __init__(self, model):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [f.attname for f in fields]
        # Fixed defaults are computed once; callable ones (timezone.now, …) per row.
        self._fixed = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
        self._dynamic = {f.attname: f for f in fields if f.has_default() and callable(f.default)}
        for attname, value in (_stamp.get() or {}).items():  # the stamp stands in for the default
            if attname in self.columns:
                self._fixed[attname] = value
                self._dynamic.pop(attname, None)
        self._adapters = {f.attname: _adapter(f) for f in fields if _adapter(f) is not None}
        qn = connection.ops.quote_name
        self._head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
        self._tail_no_returning = " ON CONFLICT DO NOTHING"
        self._tail = f"{self._tail_no_returning} RETURNING {qn(model._meta.pk.column)}, {qn('external_id')}"
        names = self._names = ", ".join(qn(f.column) for f in fields)
        self._staged = self._moved = 0  # SQLite: rows in the stage table, and how many of them went into the table
        stage = qn(f"import_stage_{model._meta.db_table}")
        self._stage_sql = (
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
            f"SELECT {names} FROM {qn(model._meta.db_table)} WITH NO DATA",
            f"TRUNCATE {stage}",
            f"COPY {stage} ({names}) FROM STDIN",
            f"{self._head.removesuffix(' VALUES ')} SELECT {names} FROM {stage}{self._tail}",
        )

    def chunk_params(self, columns: Mapping[str, Sequence[Any]], keep: list[int], sparse: bool = False) -> list[tuple]:
        """The kept rows' parameters in column order, adapted for the database (plain values, cheap to pickle).

        Built column by column and zipped; a callable default (timezone.now) is taken once for the chunk.
        """
        n = len(keep)
        every = n == len(next(iter(columns.values()), ()))
        built = []
        for attname in self.columns:
            values = columns.get(attname)
            if values is None:
                built.append(itertools.repeat(self._adapt(attname, self._default(attname)), n))
                continue
            column = values if every else [values[i] for i in keep]
            if sparse and any(v is DEFAULT for v in column):
                default = self._default(attname)
                column = [default if v is DEFAULT else v for v in column]
            adapt = self._adapters.get(attname)
            built.append([None if v is None else adapt(v) for v in column] if adapt else column)
        return list(zip(*built, strict=False))

    def _default(self, attname: str):
        return self._dynamic[attname].get_default() if attname in self._dynamic else self._fixed[attname]

    def _adapt(self, attname: str, value):
        adapt = self._adapters.get(attname)
        return adapt(value) if adapt and value is not None else value

    def insert(self, rows: list[tuple]) -> list[tuple[int, str]]:
        if not rows:
            return []
        if connection.vendor == "postgresql":
            return self._insert_postgresql(rows)
        self.clear_stage()
        stage = connection.ops.quote_name(f"import_stage_{self.model._meta.db_table}")
        marks = ", ".join("?" * len(self.columns))
        connection.ensure_connection()
        connection.connection.executemany(f"INSERT INTO temp.{stage} VALUES ({marks})", rows)  # alone, the fastest
        self._staged = len(rows)
        return [pair for created in self.insert_staged() for pair in created]

    # SQLite: rows go first into a temporary table of this connection, then into the table by `INSERT … SELECT`.
    # Same cost as multi-row VALUES statements, in two steps: writing the temporary table takes no lock on the
    # database, so the first can run while the rest of the file is still being validated and its progress
    # reported (`_Writer`). There the rows reach the temporary table as one JSON text per batch, unpacked by SQLite:
    # one statement, during which the thread holds no GIL. `executemany`, the faster when nothing else runs, binds
    # row by row, taking the GIL back for each row; beside a thread busy validating, that wait made staging 2.5
    # times slower and the whole import 20% (measured at 200,000 rows).

    def pack(self, rows: list[tuple]) -> tuple[Any, int]:
        """The rows as `stage` and `insert_packed` take them, and how many. On SQLite a `SELECT` of the rows and its
        parameters: the columns that vary as one JSON array of arrays (the values the driver would bind: text,
        numbers, None; JSON keeps floats exact), a column with one value throughout (the job, NULL links) bound
        once. Each JSON column costs a parse of the row per row: leaving the constant ones out (6 of 16 for a
        feedback file) halves the unpacking. Elsewhere, the rows themselves."""
        if connection.vendor != "sqlite":
            return rows, len(rows)
        columns = list(zip(*rows, strict=True))
        select, constants, varying = [], [], []
        for i, column in enumerate(columns):
            first = column[0]
            # The first column always goes in the JSON: the rows are counted by its arrays (a lone row is all
            # constants).
            if i and column.count(first) == len(column) and len(set(map(type, column))) == 1:
                select.append("?")
                constants.append(first)
            else:
                select.append(f"json_extract(value, '$[{len(varying)}]')")
                varying.append(column)
        rows_left = list(zip(*varying, strict=True))
        payload = json.dumps(rows_left, ensure_ascii=False, check_circular=False, allow_nan=False)
        return (f"SELECT {', '.join(select)} FROM json_each(?)", [*constants, payload]), len(rows)

    def clear_stage(self) -> None:
        qn = connection.ops.quote_name
        stage, table = qn(f"import_stage_{self.model._meta.db_table}"), qn(self.model._meta.db_table)
        _raw_execute(f"DROP TABLE IF EXISTS temp.{stage}", [])
        _raw_execute(f"CREATE TEMPORARY TABLE {stage} AS SELECT {self._names} FROM {table} WHERE 0", [])
        self._staged = self._moved = 0

    def stage(self, packed: tuple[Any, int]) -> None:
        """SQLite: packed rows into the temporary table, after those staged before."""
        (select, params), count = packed
        stage = connection.ops.quote_name(f"import_stage_{self.model._meta.db_table}")
        _raw_execute(f"INSERT INTO temp.{stage} {select}", params)
        self._staged += count

    def insert_packed(self, packed: tuple[Any, int]) -> list[tuple[int, str]]:
        """SQLite: packed rows straight into the table (`stage` and `insert_staged` in one statement)."""
        (select, params), _count = packed
        return self._insert_select(f"{select} WHERE true", params)  # WHERE: needed by the upsert

    def insert_staged(self, size: int = WRITE_ROWS) -> Iterator[list[tuple[int, str]]]:
        """The rows staged since the last call into the table, `size` at a time, in the order staged; yields each
        part's new rows."""
        stage = connection.ops.quote_name(f"import_stage_{self.model._meta.db_table}")
        select = f"SELECT {self._names} FROM temp.{stage} WHERE rowid > ? AND rowid <= ?"  # WHERE: for the upsert
        while self._moved < self._staged:
            start, self._moved = self._moved, min(self._moved + size, self._staged)
            yield self._insert_select(select, [start, self._moved])

    def _insert_select(self, select: str, params: list) -> list[tuple[int, str]]:
        """SQLite: `INSERT … SELECT`; returns (id, external_id) of the rows it created.

        Not by RETURNING: sqlite3 fetches those rows one step each, taking the GIL back at every step, which beside
        a busy thread costs milliseconds a row. The new rows are those above the largest id before (AUTOINCREMENT
        ids only grow, and the transaction holds the write lock), read back as one JSON value."""
        qn = connection.ops.quote_name
        table, pk = qn(self.model._meta.db_table), qn(self.model._meta.pk.column)
        [(before,)] = _raw_execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}", [])
        _raw_execute(f"{self._head.removesuffix(' VALUES ')} {select}{self._tail_no_returning}", params)
        [(created,)] = _raw_execute(
            f"SELECT json_group_array(json_array({pk}, {qn('external_id')})) FROM {table} WHERE {pk} > ?", [before]
        )
        return [tuple(pair) for pair in json.loads(created)]

    def _insert_postgresql(self, rows: list[tuple]) -> list[tuple[int, str]]:
        import psycopg

        create, empty, copy, insert = self._stage_sql
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(create)  # once per transaction: dropped on commit
            cursor.execute(empty)
            with cursor.copy(copy) as stream:
                for row in rows:
                    stream.write_row(row)
            cursor.execute(insert)
            return cursor.fetchall()


def _sqlite_datetime(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime: naive UTC as text.

    Same as str(value.astimezone(UTC).replace(tzinfo=None)), a fifth of the cost: combine() drops the zone.
    """
    offset = value.utcoffset()
    naive = dt.datetime.combine(value, value.time())
    return (naive - offset if offset else naive).isoformat(" ")


def _adapter(field_) -> Callable | None:
    """How a value of this field is handed to the database driver; None when the driver takes it as is."""
    internal = field_.get_internal_type()
    if internal == "DateTimeField":
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        if connection.vendor == "postgresql":
            return None  # psycopg sends aware datetimes as timestamptz
        return lambda value: connection.ops.adapt_datetimefield_value(value)
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    if internal == "DecimalField":
        return str if connection.vendor == "sqlite" else None
    if internal == "JSONField":
        return lambda value: field_.get_db_prep_save(value, connection)
    return None
