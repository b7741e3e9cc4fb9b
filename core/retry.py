"""The one retry policy of the Celery tasks.

Transient database trouble (a restart, a failover, a lock timeout) is retried with exponential backoff.
Every task is idempotent, so a retry or a redelivery after a dead worker (`acks_late`) is safe.
"""

from django.db import DatabaseError, InterfaceError, OperationalError

DB_ERRORS = (OperationalError, InterfaceError, DatabaseError)
DB_RETRY = {"autoretry_for": DB_ERRORS, "retry_backoff": 1, "retry_backoff_max": 60, "max_retries": 8}
# What every task of this project is declared with: `@shared_task(**TASK_OPTIONS)`.
TASK_OPTIONS = {"acks_late": True, **DB_RETRY}
