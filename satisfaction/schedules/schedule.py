"""When a beat-schedule entry is due: its latest due time at or before a moment, and the next one after it.

Interval entries (seconds, or `celery.schedules.schedule`) fall due on multiples of the interval since the epoch,
so every process computes the same due times; crontab entries on their minutes in the site's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from celery.schedules import crontab
from celery.schedules import schedule as interval_schedule

from core.localtime import local_tz

SEARCH_DAYS = 400  # a crontab that matches no day in this span (e.g. 30 February) is never due


@dataclass(frozen=True)
class Job:
    """A periodic job as the beat schedule declares it."""

    name: str
    task: str
    schedule: object
    args: tuple = ()
    kwargs: dict | None = None

    @property
    def is_interval(self) -> bool:
        return not isinstance(self.schedule, crontab)

    def every(self) -> str:
        """The schedule in words (for the jobs page)."""
        if self.is_interval:
            seconds = int(_interval_seconds(self.schedule))
            return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
        c = self.schedule
        return (
            f"cron {c._orig_minute} {c._orig_hour} {c._orig_day_of_month} {c._orig_month_of_year} {c._orig_day_of_week}"
        )


def jobs_from(beat_schedule: dict) -> list[Job]:
    """The beat schedule's entries as Jobs, in declaration order."""
    return [
        Job(name, entry["task"], entry["schedule"], tuple(entry.get("args", ())), entry.get("kwargs"))
        for name, entry in beat_schedule.items()
    ]


def _interval_seconds(value) -> float:
    if isinstance(value, interval_schedule):
        return value.run_every.total_seconds()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def last_due(job: Job, now: dt.datetime) -> dt.datetime | None:
    """The latest due time of `job` at or before `now` (aware), None if it never fell due in SEARCH_DAYS."""
    if job.is_interval:
        step = _interval_seconds(job.schedule)
        return dt.datetime.fromtimestamp((now.timestamp() // step) * step, tz=dt.UTC)
    local = now.astimezone(local_tz())
    for back in range(SEARCH_DAYS):
        day = local.date() - dt.timedelta(days=back)
        times = [t for t in _cron_times(job.schedule, day) if t <= now]
        if times:
            return times[-1]
    return None


def next_due(job: Job, now: dt.datetime) -> dt.datetime | None:
    """The first due time of `job` strictly after `now`."""
    if job.is_interval:
        step = _interval_seconds(job.schedule)
        return dt.datetime.fromtimestamp((now.timestamp() // step + 1) * step, tz=dt.UTC)
    local = now.astimezone(local_tz())
    for ahead in range(SEARCH_DAYS):
        day = local.date() + dt.timedelta(days=ahead)
        times = [t for t in _cron_times(job.schedule, day) if t > now]
        if times:
            return times[0]
    return None


def _cron_times(cron: crontab, day: dt.date) -> list[dt.datetime]:
    """The crontab's moments on one local day, in order (Celery's day_of_week: 0 = Sunday)."""
    if day.month not in cron.month_of_year or day.day not in cron.day_of_month:
        return []
    if day.isoweekday() % 7 not in cron.day_of_week:
        return []
    tz = local_tz()
    return [
        dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
        for hour in sorted(cron.hour)
        for minute in sorted(cron.minute)
    ]
