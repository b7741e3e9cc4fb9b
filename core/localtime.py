"""Days, weeks and months are counted in the configured TIME_ZONE: the helpers every date window uses."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_tz() -> ZoneInfo:
    """The configured TIME_ZONE."""
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> dt.date:
    """Today in TIME_ZONE."""
    return timezone.now().astimezone(local_tz()).date()


def day_start(day: dt.date) -> dt.datetime:
    """The aware datetime at which `day` begins in TIME_ZONE."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_tz())
