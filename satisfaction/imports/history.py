"""History or live: the rows of a file older than the alert windows, counted before an import raises anything.

Imported without history mode, a two-year export raises a "low score" alert dated today for every old bad
rating, watch-list entries and their e-mails, and survey invitations for tickets closed long ago. So before a
file that is not marked as history is written, its dates are read (only the one column that decides) and, when
some rows are older than the windows, the importer is asked: history, or live alerts? (page: a confirmation
step; command: `--history` or `--live`; API: `history` or `live`).
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.utils import formats, timezone
from django.utils.translation import ngettext

from core import cells as vocab
from core.batch import RawChunk, RowInvalid, chunked
from satisfaction.alerts.models import AlertSettings
from satisfaction.alerts.risk import recompute_risk_scores
from satisfaction.imports.headers import map_headers
from satisfaction.imports.mappings import mapping_coerce
from satisfaction.imports.models import ImportKind
from satisfaction.imports.readers import UnreadableFile, open_table

logger = logging.getLogger(__name__)

# The date that makes a row history: what history mode keeps quiet for it (alerts, invitations) depends on it.
DATED_BY = {
    ImportKind.FEEDBACK: "created_at",
    ImportKind.TICKETS: "closed_at",
    ImportKind.COMPLAINTS: "resolved_at",
}


def history_cutoff(*, now: datetime | None = None) -> datetime:
    """Rows older than this are history: past every alert window, so they raise nothing live.

    The drop detector's baseline is not a live window: old rows only shape what a cell is expected to do."""
    cfg = AlertSettings.load()
    days = max(cfg.decline_lookback_days, cfg.drop_recent_days, cfg.sla_lookback_days)
    return (now or timezone.now()) - timedelta(days=days)


# Callables run once after a history import commits, with no argument: derived numbers that live rules keep up
# one write at a time (analytics' improvement suggestions register here, so this package does not import them).
_after_history_hooks: list[Callable[[], Any]] = []


def register_after_history_hook(func):
    """Run `func()` once after every history import that wrote rows commits."""
    if func not in _after_history_hooks:
        _after_history_hooks.append(func)
    return func


def history_imported() -> None:
    """After a history import: what live rules keep up one write at a time is rebuilt once, for the whole file.

    Snapshots follow the import's batch as for any import; risk scores are recomputed here, and the subscribers
    (suggestions) run after them. A failure is logged and never undoes the import: the nightly runs catch up."""
    try:
        recompute_risk_scores()
    except Exception:
        logger.exception("Risk scores could not be recomputed after a history import")
    for hook in list(_after_history_hooks):
        try:
            hook()
        except Exception:
            logger.exception("After-history hook %r failed", hook)


@dataclass(frozen=True)
class OldRows:
    """How many rows of a file are older than the alert windows (`before`), and the oldest of them."""

    count: int
    before: datetime
    oldest: datetime | None = None

    def message(self) -> str:
        """The question put to the importer, naming both answers."""
        return ngettext(
            "%(count)s row is older than the alert windows (before %(day)s). Import the file as history (no "
            "alerts, e-mails, watch-list entries or survey invitations for it), or raise live alerts for it?",
            "%(count)s rows are older than the alert windows (before %(day)s). Import the file as history (no "
            "alerts, e-mails, watch-list entries or survey invitations for them), or raise live alerts for them?",
            self.count,
        ) % {"count": formats.number_format(self.count, force_grouping=True), "day": self.day}

    @property
    def day(self) -> str:
        return timezone.localtime(self.before).date().isoformat()


def old_rows_in(
    *,
    kind: str,
    source: str | os.PathLike | IO[bytes],
    filename: str = "",
    mapping: Any = None,
    encoding: str = "",
    now: datetime | None = None,
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> OldRows:
    """Count the rows of a file whose deciding date (`DATED_BY`) is before `history_cutoff()`.

    The file is read as the import reads it (the mapping's columns, value maps and date formats); a file or a
    cell that cannot be read counts as nothing here, the import itself reports it. Kinds without such a date
    (customers, contacts, contracts) raise nothing live and have no old rows. The source is closed when done.
    """
    before = history_cutoff(now=now)
    field = DATED_BY.get(kind)
    if field is None:
        return OldRows(0, before)
    spec = mapping_coerce(mapping, kind=kind)
    try:
        table = open_table(source, filename=filename, encoding=encoding)
    except UnreadableFile:
        return OldRows(0, before)
    count, done = 0, 0
    is_old = _OldCheck(before)
    try:
        position = map_headers(kind=kind, headers=table.headers, mapping=spec).index.get(field)
        if position is None:
            return OldRows(0, before)
        if on_total:
            on_total(table.estimated_rows)
        transform = spec.transformer()

        def make(part) -> RawChunk:
            # Only the deciding column is held: the rest of each row is not needed to count.
            column = [cells[position] if len(cells) > position else None for _, cells in part]
            return RawChunk([number for number, _ in part], {field: column})

        for chunk in chunked(table.rows, make):
            transform(chunk)
            count += sum(1 for cell in chunk.column(field) if is_old(cell))
            done += len(chunk)
            if on_progress:
                on_progress(done)
    except UnreadableFile:
        pass  # read up to the bad line; the import stops there and says why
    finally:
        table.rows.close()
        table.close()
    return OldRows(count, before, is_old.oldest() if count else None)


def old_rows_in_upload(upload, **kwargs) -> OldRows:
    """`old_rows_in` over an uploaded file, which stays open and rewound for storing it afterwards."""
    path = getattr(upload, "temporary_file_path", None)
    upload.seek(0)
    source = path() if path else io.BytesIO(upload.read())
    try:
        return old_rows_in(source=source, filename=upload.name, **kwargs)
    finally:
        upload.seek(0)


class _OldCheck:
    """`check(cell)`: whether the cell's moment is before `before` (an unreadable cell is not).

    A file of 200,000 rows has a few hundred distinct days: a cell starting with an ISO day clearly before or
    after the cut-off day is decided by that day alone, remembered; only cells within a day of the cut-off (a
    zone offset may move them across it) and other formats are parsed whole. The oldest old cell is kept as
    text among the ISO ones (which sort as they read) and parsed once at the end."""

    def __init__(self, before: datetime):
        self.before = before
        self.day = timezone.localtime(before).date()
        self.by_day: dict[str, bool | None] = {}
        self.oldest_text: str | None = None
        self.oldest_parsed: datetime | None = None

    def __call__(self, cell) -> bool:
        if type(cell) is str:
            head = cell.lstrip()[:10]
            verdict = self.by_day.get(head, _UNSEEN)
            if verdict is _UNSEEN:
                verdict = self.by_day[head] = self._day_verdict(head)
            if verdict is False:
                return False
            if verdict is True:
                text = cell.strip()
                if self.oldest_text is None or text < self.oldest_text:
                    self.oldest_text = text
                return True
        moment = _moment(cell)
        if moment is None or moment >= self.before:
            return False
        if self.oldest_parsed is None or moment < self.oldest_parsed:
            self.oldest_parsed = moment
        return True

    def oldest(self) -> datetime | None:
        found = [m for m in (_moment(self.oldest_text), self.oldest_parsed) if m is not None]
        return min(found, default=None)

    def _day_verdict(self, head: str) -> bool | None:
        """True: before the cut-off; False: not; None: parse the whole cell."""
        if len(head) != 10 or head[4] != "-":
            return None
        try:
            day = date.fromisoformat(head)
        except ValueError:
            return None
        if abs((day - self.day).days) <= 1:
            return None
        return day < self.day


_UNSEEN = object()


def _moment(cell) -> datetime | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    try:
        return vocab.parse_datetime(cell)
    except RowInvalid:
        return None
