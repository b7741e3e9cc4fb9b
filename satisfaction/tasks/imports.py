"""Celery tasks for file imports."""
