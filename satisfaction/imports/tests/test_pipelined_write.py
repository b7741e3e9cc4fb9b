"""The write beside the validation (`core.batch._Writer`): outside a transaction an import's rows are written by a
second thread while the rest of the file is validated. Transactional tests, so the thread's connection sees the
rows the test made and the test sees what the thread committed."""

from __future__ import annotations

import threading

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.db import transaction

from core import batch
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.imports.mappings import mapping_parse
from satisfaction.imports.services import import_file, import_job_create, import_job_run
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
HEADER = "记录ID,客户ID,服务类型,评分,反馈内容\n"


def writes_rows() -> str:
    """The inserter method that puts rows on their way: staging on SQLite, the insert on PostgreSQL."""
    return "stage" if batch.connection.vendor == "sqlite" else "insert"


@pytest.fixture
def written_by(monkeypatch):
    """Chunks of 3 rows and write batches of 5, so a 23-row file hands the writer several batches; records which
    threads wrote rows."""
    monkeypatch.setattr(batch, "CHUNK_ROWS", 3)
    monkeypatch.setattr(batch, "WRITE_ROWS", 5)
    threads: set[str] = set()
    for name in ("stage", "insert"):  # SQLite's writer stages, PostgreSQL's inserts; written inline: insert
        original = getattr(batch.BulkInserter, name)

        def spy(self, rows, _original=original):
            threads.add(threading.current_thread().name)
            return _original(self, rows)

        monkeypatch.setattr(batch.BulkInserter, name, spy)
    return threads


def feedback_csv(n: int, *, bad_row: int | None = None, changed: dict[int, str] | None = None) -> ContentFile:
    scores = {i: "4" for i in range(n)} | (changed or {}) | ({bad_row: "9"} if bad_row is not None else {})
    rows = [f"R-{i},C-1,数据分析,{scores[i]},好\n" for i in range(n)]
    return ContentFile((HEADER + "".join(rows)).encode(), name="f.csv")


def no_writer_left() -> bool:
    return "batch-writer" not in {t.name for t in threading.enumerate()}


def test_rows_are_written_by_the_second_thread_and_committed_with_their_job(written_by, staff_user):
    f.CustomerFactory(external_id="C-1")
    job = import_job_run(job_id=import_job_create(kind="feedback", file=feedback_csv(23), created_by=staff_user).pk)
    assert (job.status, job.created_count, job.rows_done) == ("succeeded", 23, 23)
    assert written_by == {"batch-writer"}  # not one row written by the validating thread
    assert sorted(SatisfactionRecord.objects.filter(import_job=job).values_list("external_id", flat=True)) == sorted(
        f"R-{i}" for i in range(23)
    )
    assert no_writer_left()


def test_a_bad_row_after_batches_were_written_rolls_all_of_them_back(written_by):
    f.CustomerFactory(external_id="C-1")
    result = import_file(kind="feedback", source=feedback_csv(23, bad_row=21))
    assert not result.written and result.error_count == 1 and result.errors[0].row == 23
    assert written_by == {"batch-writer"}  # the batches before the bad row had gone to the writer
    assert SatisfactionRecord.objects.count() == 0
    # The database is left usable: the corrected file goes in.
    result = import_file(kind="feedback", source=feedback_csv(23))
    assert result.written and result.created == SatisfactionRecord.objects.count() == 23
    assert no_writer_left()


def test_skip_mode_writes_the_good_rows_beside_the_validation(written_by):
    f.CustomerFactory(external_id="C-1")
    spec = mapping_parse({"kind": "feedback", "on_error": "skip", "columns": {}}, kind="feedback")
    result = import_file(kind="feedback", source=feedback_csv(23, bad_row=4), mapping=spec)
    assert result.written and (result.created, result.error_count) == (22, 1)
    assert SatisfactionRecord.objects.count() == 22 and not SatisfactionRecord.objects.filter(external_id="R-4")
    assert written_by == {"batch-writer"}


def test_a_failing_write_fails_the_import_and_leaves_nothing(written_by, monkeypatch):
    f.CustomerFactory(external_id="C-1")
    calls = {"n": 0}
    original = getattr(batch.BulkInserter, writes_rows())

    def second_fails(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, rows)

    monkeypatch.setattr(batch.BulkInserter, writes_rows(), second_fails)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(kind="feedback", source=feedback_csv(40))
    assert SatisfactionRecord.objects.count() == 0
    assert no_writer_left()  # no thread outlives the import


@pytest.mark.parametrize("update_rows", [5000, 1])
def test_updates_through_the_writer_keep_the_imports_audit_marks(written_by, staff_user, monkeypatch, update_rows):
    """The changed rows go to the writer in groups (`UPDATE_ROWS`), here one group at the end or one per row."""
    monkeypatch.setattr(batch._Writer, "UPDATE_ROWS", update_rows)
    f.CustomerFactory(external_id="C-1")
    first = import_job_run(job_id=import_job_create(kind="feedback", file=feedback_csv(12)).pk)
    assert first.created_count == 12
    changed = feedback_csv(12, changed={3: "2", 7: "1", 11: "5"})
    second = import_job_run(job_id=import_job_create(kind="feedback", file=changed, created_by=staff_user).pk)
    assert (second.status, second.created_count, second.updated_count) == ("succeeded", 0, 3)
    scores = dict(SatisfactionRecord.objects.values_list("external_id", "score"))
    assert (scores["R-3"], scores["R-7"], scores["R-11"], scores["R-0"]) == (2, 1, 5, 4)
    record = SatisfactionRecord.objects.get(external_id="R-3")
    assert record.score == 2 and record.import_job_id == first.pk
    entry = LogEntry.objects.get(
        object_pk=str(record.pk), action=LogEntry.Action.UPDATE, content_type__model="satisfactionrecord"
    )
    assert entry.cid == f"import-job-{second.pk}" and entry.actor == staff_user  # the context crossed threads


def test_inside_a_transaction_the_rows_are_written_after_validation_in_this_thread(written_by):
    f.CustomerFactory(external_id="C-1")
    with transaction.atomic():
        result = import_file(kind="feedback", source=feedback_csv(7))
    assert result.created == 7 and written_by == {threading.current_thread().name}


VARIED = (
    "记录ID,客户ID,服务类型,评分,反馈内容,响应时间(小时),准确率,完整性,渠道,时间\n"
    'R-0,C-1,数据分析,4.5,"Said ""fine"", then left",0.1,5,,survey,2024-03-31 14:30\n'
    "R-1,C-1,法律咨询,1,很满意 🙂,71.99999999999999,,3,导入,2024-01-01 00:00\n"
    "R-2,C-1,document_review,3.0,,1e-7,1,1,,2023-12-31 23:59\n"
    "R-3,C-1,数据分析,5,x,,2,,问卷,2024-07-04 08:00\n"
)


def stored() -> list[tuple]:
    skip = ("id", "import_job_id", "alerts_evaluated_at")  # the last: the time of the import
    fields = [f.attname for f in SatisfactionRecord._meta.concrete_fields if f.attname not in skip]
    return sorted(SatisfactionRecord.objects.values_list(*fields))


@pytest.mark.parametrize("move_early", [False, True])
def test_the_writer_stores_exactly_what_the_inline_write_stores(written_by, monkeypatch, move_early):
    """Values of every type (text with quotes and emoji, floats to the last bit, decimals, None, times) come out of
    the writer's packed rows as out of the inline insert; also after the early move into the table (SQLite)."""
    from django.db import connection

    f.CustomerFactory(external_id="C-1")
    with transaction.atomic():
        assert import_file(kind="feedback", source=ContentFile(VARIED.encode() * 1, name="f.csv")).created == 4
    inline = stored()
    SatisfactionRecord.objects.all().delete()
    if move_early:
        if connection.vendor != "sqlite":
            pytest.skip("PostgreSQL writes into the table from the first batch")
        # The tests' in-memory database shares its cache: let the validation read past the writer's table lock.
        monkeypatch.setattr(batch, "_time_to_move", lambda done, expected: done >= 3)
        connection.cursor().execute("PRAGMA read_uncommitted = 1")
    assert import_file(kind="feedback", source=ContentFile(VARIED.encode(), name="f.csv")).created == 4
    assert written_by >= {"batch-writer"}
    assert stored() == inline
    assert SatisfactionRecord.objects.get(external_id="R-1").response_time_hours == 71.99999999999999


def test_updates_before_and_after_the_early_move_are_applied_once(written_by, monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    f.CustomerFactory(external_id="C-1")
    assert import_file(kind="feedback", source=feedback_csv(23)).created == 23
    monkeypatch.setattr(batch._Writer, "UPDATE_ROWS", 1)
    monkeypatch.setattr(batch, "_time_to_move", lambda done, expected: done >= 9)
    connection.cursor().execute("PRAGMA read_uncommitted = 1")
    result = import_file(kind="feedback", source=feedback_csv(26, changed={1: "2", 20: "3"}))
    assert (result.created, result.updated) == (3, 2)
    scores = dict(SatisfactionRecord.objects.values_list("external_id", "score"))
    assert (scores["R-1"], scores["R-20"], scores["R-25"], len(scores)) == (2, 3, 4, 26)


def test_a_bad_row_after_the_early_move_rolls_the_moved_rows_back(written_by, monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    f.CustomerFactory(external_id="C-1")
    monkeypatch.setattr(batch, "_time_to_move", lambda done, expected: done >= 6)
    connection.cursor().execute("PRAGMA read_uncommitted = 1")
    result = import_file(kind="feedback", source=feedback_csv(23, bad_row=20))
    assert not result.written and result.error_count == 1
    assert SatisfactionRecord.objects.count() == 0
    result = import_file(kind="feedback", source=feedback_csv(23))
    assert result.created == SatisfactionRecord.objects.count() == 23
