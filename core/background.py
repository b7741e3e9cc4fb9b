"""Long work a page polls for (an import, a report bundle): to the Celery worker, or without a broker to a thread.

With a broker the task is queued. Without one Celery runs tasks eagerly, which would make the request wait for
the whole job; with `IMPORT_IN_BACKGROUND` (on by default when no broker is set) the task's body runs in a daemon
thread of the web process instead, so the page answers at once and polls the job's progress.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def in_background_thread() -> bool:
    """Whether jobs run in a thread of this process (no broker), rather than on a worker or inline."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER and settings.IMPORT_IN_BACKGROUND)


def run_in_background(
    task,
    *args,
    name: str,
    on_failure: Callable[[], None],
    on_queue_failure: Callable[[], None] | None = None,
) -> None:
    """Run the Celery `task` with `args` on a worker, or in a thread of this process (`in_background_thread`).

    `on_failure` marks the job failed when its thread dies on an exception (a worker's failure is the task's own
    business); `on_queue_failure` (default: `on_failure`) when the broker refuses the task.
    """
    if in_background_thread():
        threading.Thread(target=_thread_main, args=(task, args, name, on_failure), name=name, daemon=True).start()
        return
    try:
        task.delay(*args)
    except Exception:
        logger.exception("Could not queue %s", name)
        (on_queue_failure or on_failure)()


def _thread_main(task, args, name: str, on_failure: Callable[[], None]) -> None:
    try:
        task.run(*args)
    except Exception:
        logger.exception("%s failed in its background thread", name)
        on_failure()
    finally:
        connection.close()  # the thread's own database connection
