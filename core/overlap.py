"""Run one piece of a long job in a second thread while the caller does the rest, then join it.

Worth it when one side waits on the database most of the time: SQLite and psycopg release the GIL while a query
runs, so a thread streaming rows from the database overlaps the caller's Python work (charts, PDF layout) on a
second core. The thread has its own database connection, so it only sees committed rows: inside a transaction
(a test, or a caller's `atomic` block) the work runs at once in the calling thread instead, with the same result.
The thread runs in a copy of the caller's context (the audit log's actor and marks, an import's stamp) and in its
language.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, connections
from django.utils import translation


class Beside:
    """The result of `start_beside`: `result()` waits for the work and returns its value or raises its error."""

    def __init__(self, fn: Callable[[], Any], *, name: str):
        self._value: Any = None
        self._error: BaseException | None = None
        self.threaded = not connection.in_atomic_block
        if not self.threaded:
            self._run(fn)
            self._thread = None
            return
        # A new thread starts in the default language: the work reads in the caller's, as it would inline.
        language = translation.get_language()
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._main, fn, language), name=name, daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # noqa: BLE001 -- handed to the caller by result(), whatever it was
            self._error = exc

    def _main(self, fn: Callable[[], Any], language: str | None) -> None:
        try:
            with translation.override(language):
                self._run(fn)
        finally:
            connections.close_all()  # this thread's own connections

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self) -> None:
        """Wait for the work to end, without raising its error (for a `finally`)."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> Any:
        self.join()
        if self._error is not None:
            raise self._error
        return self._value


def start_beside(fn: Callable[[], Any], *, name: str) -> Beside:
    """Start `fn()` in a thread of its own (outside a transaction) or run it now (inside one); join with
    `.result()`. The caller joins it (`join()` in a `finally`) even when it fails itself, so no thread outlives the
    job."""
    return Beside(fn, name=name)
