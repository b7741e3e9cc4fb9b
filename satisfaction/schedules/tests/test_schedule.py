"""Due times of the beat schedule's entries, against hand-worked cases and Celery's own crontab arithmetic."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.test import override_settings

from satisfaction.schedules.schedule import Job, jobs_from, last_due, next_due
from satisfaction_site.celery import app

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args, tz=SHANGHAI):
    return dt.datetime(*args, tzinfo=tz)


def test_an_interval_falls_due_on_multiples_since_the_epoch():
    job = Job("sweep", "t", 60.0)
    now = dt.datetime(2026, 12, 1, 8, 30, 59, 900000, tzinfo=dt.UTC)
    assert last_due(job, now) == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert next_due(job, now) == dt.datetime(2026, 12, 1, 8, 31, tzinfo=dt.UTC)
    # Every process computes the same due time from the clock alone: the key two schedulers compete for.
    assert last_due(Job("w", "t", 900.0), now) == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert last_due(job, dt.datetime(2026, 12, 1, 8, 31, tzinfo=dt.UTC)) == next_due(job, now)


@override_settings(TIME_ZONE="Asia/Shanghai")
@pytest.mark.parametrize(
    ("cron", "now", "last", "next_"),
    [
        (crontab(hour=2, minute=15), at(2026, 12, 1, 10, 0), at(2026, 12, 1, 2, 15), at(2026, 12, 2, 2, 15)),
        (crontab(hour=2, minute=15), at(2026, 12, 1, 2, 15), at(2026, 12, 1, 2, 15), at(2026, 12, 2, 2, 15)),
        (crontab(hour=2, minute=15), at(2026, 12, 1, 1, 0), at(2026, 11, 30, 2, 15), at(2026, 12, 1, 2, 15)),
        # 1 December 2026 is a Tuesday: the weekly digest was due Monday 30 November at 08:00.
        (crontab(hour=8, minute=0, day_of_week="mon"), at(2026, 12, 1, 9, 0), at(2026, 11, 30, 8, 0),
         at(2026, 12, 7, 8, 0)),
        (crontab(hour=8, minute=30, day_of_month="1"), at(2026, 12, 1, 8, 29), at(2026, 11, 1, 8, 30),
         at(2026, 12, 1, 8, 30)),
        (crontab(minute=10), at(2026, 12, 1, 23, 59), at(2026, 12, 1, 23, 10), at(2026, 12, 2, 0, 10)),
    ],
)  # fmt: skip
def test_crontab_due_times_in_the_site_time_zone(cron, now, last, next_):
    job = Job("j", "t", cron)
    assert last_due(job, now) == last and next_due(job, now) == next_


@override_settings(TIME_ZONE="Asia/Shanghai")
def test_next_due_agrees_with_celerys_crontab_for_every_scheduled_entry():
    """Independent check: Celery's own `remaining_delta` from the last due time lands on our next due time."""
    now = at(2026, 12, 1, 16, 7, 30)
    for job in jobs_from(app.conf.beat_schedule):
        if job.is_interval:
            continue
        cron = crontab(
            minute=job.schedule._orig_minute, hour=job.schedule._orig_hour,
            day_of_week=job.schedule._orig_day_of_week, day_of_month=job.schedule._orig_day_of_month,
            month_of_year=job.schedule._orig_month_of_year, nowfun=lambda: now,
        )  # fmt: skip
        cron.tz = SHANGHAI
        last = last_due(job, now)
        start, delta, _ = cron.remaining_delta(last.astimezone(SHANGHAI), tz=SHANGHAI)
        assert (start + delta).astimezone(dt.UTC) == next_due(job, now).astimezone(dt.UTC), job.name
