"""Celery tasks for alert evaluation, the watch list, risk scores and webhooks."""
