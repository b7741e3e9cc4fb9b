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


# The range of plausible dates (probe finding 1): an event the product stores happened on or after this day and
# no later than tomorrow; planned dates (contract ends, target dates) may lie further ahead.
EARLIEST_DAY = dt.date(1990, 1, 1)
PLANNED_YEARS_AHEAD = 50


def event_window() -> tuple[dt.datetime, dt.datetime]:
    """[first, last] instants an event (a record, a ticket, a complaint) may carry."""
    return day_start(EARLIEST_DAY), timezone.now() + dt.timedelta(days=1)


def plausible_event(value: dt.datetime) -> bool:
    """True when `value` lies in the event window."""
    first, last = event_window()
    return first <= value <= last


def plausible_day(value: dt.date, *, years_ahead: int = PLANNED_YEARS_AHEAD) -> bool:
    """True for a calendar day from EARLIEST_DAY to `years_ahead` years after today."""
    return EARLIEST_DAY <= value <= local_today().replace(year=local_today().year + years_ahead, day=1)
