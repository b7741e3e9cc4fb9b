"""Celery tasks for suggestions and measure evaluations."""
