"""Side effects after the transaction commits, so a rolled-back write never sends anything.

Every task a service enqueues goes through here: a broker outage is logged, never raised, because the
write it follows is saved already and a periodic job (the alert sweep, the nightly rebuild) catches up.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def send_safely(task, *args) -> None:
    """`task.delay(*args)` now; a broker outage is logged, never raised."""
    try:
        task.delay(*args)
    except Exception:
        logger.warning("Could not send %s%r; the periodic jobs will catch up.", task.name, args, exc_info=True)


def send_on_commit(task, *args) -> None:
    """Send `task.delay(*args)` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_safely(task, *args))
