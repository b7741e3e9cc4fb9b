"""Celery tasks for survey invitations, reminders and digests."""
