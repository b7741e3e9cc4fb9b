"""The Celery app. Tasks are autodiscovered in each installed app's tasks.py.

Periodic schedules are declared in one place: CELERY_BEAT_SCHEDULE below.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")

app = Celery("satisfaction")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat schedule: filled in by the apps that own the periodic work.
app.conf.beat_schedule = {}
