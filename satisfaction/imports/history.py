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
from datetime import datetime, timedelta
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
    count, oldest, done = 0, None, 0
    try:
        position = map_headers(kind=kind, headers=table.headers, mapping=spec).index.get(field)
        if position is None:
            return OldRows(0, before)
        if on_total:
            on_total(table.estimated_rows)
        transform = spec.transformer()
        for chunk in chunked(table.rows, lambda part: RawChunk.from_cells(part, {field: position})):
            transform(chunk)
            for cell in chunk.column(field):
                moment = _moment(cell)
                if moment is not None and moment < before:
                    count += 1
                    oldest = moment if oldest is None or moment < oldest else oldest
            done += len(chunk)
            if on_progress:
                on_progress(done)
    except UnreadableFile:
        pass  # read up to the bad line; the import stops there and says why
    finally:
        table.rows.close()
        table.close()
    return OldRows(count, before, oldest)


def old_rows_in_upload(upload, **kwargs) -> OldRows:
    """`old_rows_in` over an uploaded file, which stays open and rewound for storing it afterwards."""
    path = getattr(upload, "temporary_file_path", None)
    upload.seek(0)
    source = path() if path else io.BytesIO(upload.read())
    try:
        return old_rows_in(source=source, filename=upload.name, **kwargs)
    finally:
        upload.seek(0)


def _moment(cell) -> datetime | None:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    try:
        return vocab.parse_datetime(cell)
    except RowInvalid:
        return None
