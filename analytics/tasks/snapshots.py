"""Celery tasks for snapshot recomputes."""
