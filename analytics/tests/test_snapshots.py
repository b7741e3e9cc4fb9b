"""Daily snapshots: kept in step by the feedback hooks, idempotent recomputes, and equal to raw aggregation."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from analytics import tasks as snapshot_tasks
from analytics.lib import metrics, snapshots
from analytics.lib.metrics import Scope
from analytics.models import NO_SEGMENT, DailySatisfactionStat
from satisfaction.crm.models import Contact
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests.factories import ContactFactory, CustomerFactory, RecordFactory

TZ = ZoneInfo("Asia/Shanghai")


def buckets():
    return {
        (s.date, s.service_type.code, s.segment_priority, s.self_rated): (s.count, s.score_sum, s.satisfied)
        for s in DailySatisfactionStat.objects.select_related("service_type")
    }


@pytest.fixture
def p1_customer(db):
    customer = CustomerFactory()
    ContactFactory(customer=customer, contact_priority=1)
    return customer


def test_recording_feedback_updates_its_bucket_on_commit(
    p1_customer, service_types, django_capture_on_commit_callbacks
):
    when = dt.datetime(2025, 5, 4, 23, 50, tzinfo=TZ)
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=p1_customer, service_type="legal_consultation", score="4.5", created_at=when)
    with django_capture_on_commit_callbacks(execute=True):
        record_satisfaction(customer=p1_customer, service_type="legal_consultation", score="2.0", created_at=when)
    assert buckets() == {(dt.date(2025, 5, 4), "legal_consultation", 1, False): (2, Decimal("6.5"), 1)}
    # A retry with the same external id adds nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_satisfaction(customer=p1_customer, service_type="data_analysis", score="5", external_id="x-1")
    with django_capture_on_commit_callbacks(execute=True) as retry:
        record_satisfaction(customer=p1_customer, service_type="data_analysis", score="5", external_id="x-1")
    assert callbacks and not retry
    assert metrics.kpis(Scope(), source="snapshots") == metrics.kpis(Scope(), source="raw")


def test_feedback_is_saved_when_the_broker_is_down(p1_customer, service_types, monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(snapshot_tasks.recompute_snapshots_for_records, "delay", broker_down)
    record, created = record_satisfaction(customer=p1_customer, service_type="data_analysis", score="3.0")
    snapshot_tasks.refresh_snapshots_after_record(record.pk)  # what the on-commit hook runs
    assert created and SatisfactionRecord.objects.filter(pk=record.pk).exists()
    assert "periodic jobs will catch up" in caplog.text
    snapshot_tasks.refresh_snapshots_after_batch([record.pk])
    assert DailySatisfactionStat.objects.count() == 0
    call_command("rebuild_snapshots", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert metrics.kpis(Scope()).count == 1


def test_batch_hook_recomputes_every_touched_day(p1_customer, service_types):
    days = [dt.datetime(2025, 6, d, 10, tzinfo=TZ) for d in (1, 1, 2, 3)]
    other = CustomerFactory()  # no contacts
    ids = [RecordFactory(customer=p1_customer, created_at=d, score=Decimal("4.0")).pk for d in days]
    ids += [RecordFactory(customer=other, created_at=days[0], score=Decimal(s)).pk for s in ("1.0", "2.0")]
    snapshot_tasks.refresh_snapshots_after_batch(ids)
    assert buckets() == {
        (dt.date(2025, 6, 1), "data_analysis", 1, False): (2, Decimal("8.0"), 2),
        (dt.date(2025, 6, 2), "data_analysis", 1, False): (1, Decimal("4.0"), 1),
        (dt.date(2025, 6, 3), "data_analysis", 1, False): (1, Decimal("4.0"), 1),
        (dt.date(2025, 6, 1), "data_analysis", NO_SEGMENT, False): (2, Decimal("3.0"), 0),
    }


def test_recomputes_are_idempotent_and_remove_emptied_buckets(p1_customer, service_types):
    day = dt.date(2025, 7, 1)
    record = RecordFactory(customer=p1_customer, created_at=dt.datetime(2025, 7, 1, 9, tzinfo=TZ))
    RecordFactory(customer=p1_customer, created_at=dt.datetime(2025, 7, 1, 9, tzinfo=TZ), self_rated=True)
    snapshots.rebuild_all()
    first = buckets()
    snapshots.recompute_day(day=day)
    snapshots.recompute_bucket(day=day, service_type_id=record.service_type_id, segment_priority=1)
    snapshots.rebuild_all()
    assert buckets() == first and len(first) == 2
    SatisfactionRecord.objects.filter(customer=p1_customer).delete()
    snapshots.recompute_bucket(day=day, service_type_id=record.service_type_id, segment_priority=1)
    assert buckets() == {}


def test_segment_change_is_repaired_by_the_customer_recompute(p1_customer, service_types):
    RecordFactory(customer=p1_customer, created_at=dt.datetime(2025, 8, 1, 9, tzinfo=TZ))
    RecordFactory(customer=p1_customer, created_at=dt.datetime(2025, 8, 9, 9, tzinfo=TZ))
    snapshots.rebuild_all()
    assert metrics.kpis(Scope(segment_priority=1)).count == 2
    Contact.objects.filter(customer=p1_customer).update(contact_priority=3)
    # Stale until recomputed: the snapshot still has the old segment …
    assert metrics.kpis(Scope(segment_priority=1), source="snapshots").count == 2
    assert metrics.kpis(Scope(segment_priority=1), source="raw").count == 0
    snapshot_tasks.recompute_customer_snapshots(p1_customer.pk)
    assert metrics.kpis(Scope(segment_priority=1), source="snapshots").count == 0
    assert metrics.kpis(Scope(segment_priority=3), source="snapshots").count == 2
    assert snapshots.snapshot_lag() == {"records": 2, "snapshot_records": 2, "missing": 0}


def test_tasks_take_ids_and_iso_dates(p1_customer, service_types):
    record = RecordFactory(customer=p1_customer, created_at=dt.datetime(2025, 9, 1, 9, tzinfo=TZ))
    assert snapshot_tasks.recompute_snapshot_day.delay("2025-09-01").get() == 1
    assert snapshot_tasks.recompute_snapshot_bucket.delay("2025-09-01", record.service_type_id, 1).get() == 1
    assert snapshot_tasks.rebuild_snapshots.delay().get() == 1


def test_rebuild_command_reports(p1_customer, service_types, capsys):
    RecordFactory(customer=p1_customer)
    call_command("rebuild_snapshots")
    assert "1 buckets from 1 records" in capsys.readouterr().out
    call_command("rebuild_snapshots", "--day", metrics.local_today().isoformat())
    assert DailySatisfactionStat.objects.count() == 1


def test_nightly_rebuild_is_scheduled():
    from satisfaction_site.celery import app

    entry = app.conf.beat_schedule["analytics-rebuild-snapshots"]
    assert entry["task"] == snapshot_tasks.rebuild_snapshots.name


@pytest.mark.slow
def test_snapshots_and_raw_rows_agree_on_the_demo_data(db, settings):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115  (seed_demo builds the snapshots)
    assert DailySatisfactionStat.objects.exists()
    today = metrics.local_today()
    scopes = [
        Scope(),
        Scope(include_self_rated=True),
        Scope.last_days(90, today=today),
        Scope(start=today - dt.timedelta(days=400), end=today, segment_priority=1),
        Scope(service_types=("legal_consultation",), segment_priority=NO_SEGMENT),
    ]
    for scope in scopes:
        for func in (metrics.kpis, metrics.by_service_type, metrics.by_segment, metrics.segment_split):
            assert func(scope, source="snapshots") == func(scope, source="raw"), (func.__name__, scope)
        for period in ("day", "week", "month"):
            snap = metrics.trend(scope, period, source="snapshots")
            raw = metrics.trend(scope, period, source="raw")
            assert snap == raw, (period, scope)
    dated = Scope.last_days(30, today=today)
    assert metrics.compare_to_previous(dated, source="snapshots") == metrics.compare_to_previous(dated, source="raw")
    json.dumps(metrics.kpis(Scope()).as_dict())
    assert metrics.kpis(Scope()).count > 5_000


def test_rebuild_across_a_daylight_saving_change(db, service_types, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    # Berlin moves from UTC+1 to UTC+2 at 2025-03-30 01:00 UTC; records either side of it and of local midnight.
    moments = [
        dt.datetime(2025, 3, 29, 22, 59, tzinfo=dt.UTC),  # 23:59 on the 29th (UTC+1)
        dt.datetime(2025, 3, 29, 23, 1, tzinfo=dt.UTC),  # 00:01 on the 30th
        dt.datetime(2025, 3, 30, 0, 59, tzinfo=dt.UTC),  # 01:59 on the 30th, just before the change
        dt.datetime(2025, 3, 30, 21, 59, tzinfo=dt.UTC),  # 23:59 on the 30th (UTC+2)
        dt.datetime(2025, 3, 30, 22, 1, tzinfo=dt.UTC),  # 00:01 on the 31st
    ]
    for moment in moments:
        RecordFactory(created_at=moment, score=Decimal("4.0"))
    spans = snapshots.offset_spans(moments[0], moments[-1])
    assert [s[2] for s in spans] == [60, 120]
    assert spans[0][1] == dt.datetime(2025, 3, 30, 1, 0, tzinfo=dt.UTC)
    snapshots.rebuild_all()
    days = {s.date: s.count for s in DailySatisfactionStat.objects.all()}
    assert days == {m.astimezone(berlin).date(): c for m, c in ((moments[0], 1), (moments[1], 3), (moments[4], 1))}
    scope = Scope(start=dt.date(2025, 3, 29), end=dt.date(2025, 3, 31))
    assert metrics.trend(scope, "day", source="snapshots") == metrics.trend(scope, "day", source="raw")
