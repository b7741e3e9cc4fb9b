"""The batch engine's shortcuts must not change a result: remembered cells, the in-memory duplicate check,
column-wise datetimes and the slimmer record indexes."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import override_settings

from core import batch as engine
from satisfaction.feedback import services as feedback_service
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction, record_satisfaction_batch
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _row(i, **overrides):
    return {"external_id": f"R-{i}", "customer": "C-1", "service_type": "data_analysis", "score": "4.5", **overrides}


@pytest.fixture
def customer():
    return f.CustomerFactory(external_id="C-1")


def test_a_bad_cell_is_reported_in_every_chunk_it_occurs_in(customer, monkeypatch):
    """The second and third "9" are answered from the memo of the first: each row still gets its error."""
    monkeypatch.setattr(engine, "CHUNK_ROWS", 2)
    rows = [_row(1, accuracy_score="9"), _row(2), _row(3), _row(4, accuracy_score="9"), _row(5, accuracy_score="9")]
    result = record_satisfaction_batch(rows=rows)
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (1, "accuracy_score", "9"),
        (4, "accuracy_score", "9"),
        (5, "accuracy_score", "9"),
    ]
    assert SatisfactionRecord.objects.count() == 0


def test_typed_cells_are_not_confused_with_equal_values(customer):
    """XLSX gives True, 1 and 1.0; they are equal dict keys but True is not a whole number here."""
    rows = [_row(1, accuracy_score=1), _row(2, accuracy_score=True), _row(3, accuracy_score=1.0)]
    result = record_satisfaction_batch(rows=rows)
    assert [(e.row, e.column) for e in result.errors] == [(2, "accuracy_score")]


def test_repeats_are_found_after_the_seen_ids_move_to_disk(customer, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_ROWS", 2)
    monkeypatch.setattr(engine.SeenKeys, "MEMORY_KEYS", 3)
    rows = [_row(1), _row(2), _row(3), _row(4), _row(2, score="3"), _row(6), _row(4), _row(1)]
    result = record_satisfaction_batch(rows=rows)
    assert [(e.row, e.reason) for e in result.errors] == [
        (5, "Duplicate id: row 2 has the same id."),
        (7, "Duplicate id: row 4 has the same id."),
        (8, "Duplicate id: row 1 has the same id."),
    ]


def test_a_repeat_is_reported_when_either_copy_has_another_error(customer, monkeypatch):
    """A failed row still takes part in the duplicate check, as the first copy and as the repeat (and on disk)."""
    monkeypatch.setattr(engine, "CHUNK_ROWS", 2)
    rows = [_row(1), _row(2, score="9"), _row(1, score="4.25"), _row(2), _row(5)]
    result = record_satisfaction_batch(rows=rows, skip_errors=True)
    duplicates = [(e.row, e.value, e.reason) for e in result.errors if e.column == "external_id"]
    assert duplicates == [
        (3, "R-1", "Duplicate id: row 1 has the same id."),
        (4, "R-2", "Duplicate id: row 2 has the same id."),
    ]
    assert sorted(SatisfactionRecord.objects.values_list("external_id", flat=True)) == ["R-1", "R-5"]


def test_a_repeat_of_a_failed_row_is_reported_for_other_kinds(tmp_path):
    from satisfaction.imports.services import import_file

    source = tmp_path / "customers.csv"
    source.write_text("客户ID,客户名称,客户等级\nX-1,A,nonsense\nX-1,B,\n", encoding="utf-8")
    result = import_file(kind="customers", source=source)
    assert [(e.row, e.column) for e in result.errors] == [(2, "客户等级"), (3, "客户ID")]
    assert result.errors[-1].reason == "Duplicate id: row 2 has the same id."


# Wall-clock times around a daylight-saving change: the batch stores what the single-record path stores.
BERLIN_TIMES = [
    "2024-03-31 01:59",  # just before the spring gap
    "2024-03-31 02:30",  # inside the gap (does not exist on the wall)
    "2024-10-27 02:30",  # ambiguous: happens twice
    "2024-10-27 03:00",
    "2024-07-01 12:00:00.250000",
    "2024-12-31T23:59:59+08:00",
    "2024/1/5 8:05",
    "2024-01-05",
]


@override_settings(TIME_ZONE="Europe/Berlin")
def test_batch_times_equal_single_record_times_across_daylight_saving(customer):
    result = record_satisfaction_batch(rows=[_row(i, created_at=value) for i, value in enumerate(BERLIN_TIMES)])
    assert result.created == len(BERLIN_TIMES)
    for i, value in enumerate(BERLIN_TIMES):
        single, _ = record_satisfaction(
            customer=customer, service_type="data_analysis", score=4, created_at=value, external_id=f"S-{i}"
        )
        single.refresh_from_db()
        batch = SatisfactionRecord.objects.get(external_id=f"R-{i}")
        assert batch.created_at == single.created_at, value


def test_sqlite_datetime_text_is_what_django_stores():
    """The import's SQLite adapter against the plain conversion, over a year of hours in a zone with DST."""
    zone = zoneinfo.ZoneInfo("America/New_York")
    start = dt.datetime(2024, 1, 1, tzinfo=zone)
    for hours in range(0, 24 * 366, 7):
        for fold in (0, 1):
            naive = dt.datetime(2024, 1, 1) + dt.timedelta(hours=hours, microseconds=hours % 3 * 1500)
            moment = naive.replace(tzinfo=zone, fold=fold)
            expected = str(moment.astimezone(dt.UTC).replace(tzinfo=None))
            assert engine._sqlite_datetime(moment) == expected, moment
    assert engine._sqlite_datetime(start.astimezone(dt.UTC)) == "2024-01-01 05:00:00"


def test_feedback_rules_are_one_table_for_both_paths(customer):
    """The batch applies exactly the single-record rules: the same callables, in the same order."""
    batch = feedback_service._FeedbackBatch(channel="import", recorded_by=None)
    assert list(batch._rules) == list(feedback_service._record_rules())


@pytest.mark.parametrize(
    ("lookup", "index"),
    [("ticket_id", "record_ticket_idx"), ("complaint_id", "record_complaint_idx"), ("customer_id", "customer")],
)
def test_record_lookups_by_link_use_an_index(lookup, index):
    """The foreign keys lost their own indexes: partial and composite indexes must still serve them."""
    sql, params = SatisfactionRecord.objects.filter(**{lookup: 1}).order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan, plan
    assert index in plan


def test_stored_values_of_a_sync_are_those_the_orm_reads(customer):
    """The re-import's own lookup reads what `values_list` reads: the same types, so an unchanged row compares
    equal (a SQLite decimal read back as a float would make every score of a file "changed")."""
    from satisfaction.helpdesk.models import ServiceTicket

    for i, (score, hours) in enumerate([("4.1", 2.25), ("3.7", None), ("5.0", 0.0)]):
        values = {"score": score, "response_time_hours": hours, "external_id": f"S-{i}"}
        record_satisfaction(customer=customer, service_type="data_analysis", **values)
    fields = ["score", "feedback", "response_time_hours", "accuracy_score", "created_at", "customer_id"]
    ids = ["S-0", "S-1", "S-2", "S-unknown"]
    stored = engine._stored(SatisfactionRecord, ids, fields)
    expected = {row[0]: row[1:] for row in SatisfactionRecord.objects.values_list("external_id", "pk", *fields)}
    assert stored == expected and len(stored) == 3
    assert [[type(v) for v in row] for row in stored.values()] == [[type(v) for v in row] for row in expected.values()]
    # A model with nullable yes/no and dates, and the lookup without fields: the ids alone.
    ticket = f.TicketFactory(external_id="T-1", follow_up=None)
    got = engine._stored(ServiceTicket, ["T-1"], ["follow_up", "opened_at", "closed_at"])
    assert got == {"T-1": tuple(ServiceTicket.objects.values_list("pk", "follow_up", "opened_at", "closed_at").get())}
    assert got["T-1"][0] == ticket.pk and got["T-1"][1] is None
    assert engine._stored(SatisfactionRecord, ids) == {"S-0": (), "S-1": (), "S-2": ()}
