"""The import page end to end: upload, job run (eager Celery), progress, summary, error report, mappings."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from core import batch as engine
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.imports import tasks as import_tasks
from satisfaction.imports.models import ImportJob, ImportMapping
from satisfaction.imports.services import import_job_create, import_job_run
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def feedback_csv(rows, header="记录ID,客户ID,服务类型,评分,反馈内容", encoding="utf-8-sig", name="feedback.csv"):
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, file, kind="feedback", **extra):
    return client.post(reverse("import-index"), {"kind": kind, "file": file, **extra})


def test_staff_imports_a_file_and_sees_the_summary(client, staff_user, django_capture_on_commit_callbacks):
    f.CustomerFactory(external_id="C-1")
    client.force_login(staff_user)
    rows = [f"R-{i},C-1,数据分析,{3 + i % 3},好" for i in range(30)]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, feedback_csv(rows, encoding="gb18030"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import-job", args=[job.pk])
    assert (job.status, job.rows_total, job.rows_done, job.created_count, job.error_count) == (
        "succeeded",
        30,
        30,
        30,
        0,
    )
    assert job.created_by == staff_user and job.started_at and job.finished_at
    assert SatisfactionRecord.objects.filter(recorded_by=staff_user, channel="import").count() == 30

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="job-summary"' in html and "hx-trigger" not in html
    assert 'aria-valuenow="100"' in html

    index = client.get(reverse("import-index"))
    assert "feedback.csv" in index.content.decode()


def test_rejected_file_writes_nothing_and_offers_the_full_error_report(
    client, manager_user, django_capture_on_commit_callbacks
):
    f.CustomerFactory(external_id="C-1")
    client.force_login(manager_user)
    rows = [f"R-{i},C-1,数据分析,{'9' if i % 2 else '4'}" for i in range(120)] + ["R-0,C-1,数据分析,4"]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, feedback_csv(rows, header="记录ID,客户ID,服务类型,评分,备注"))
    job = ImportJob.objects.get()
    assert (job.status, job.created_count, job.error_count) == ("rejected", 0, 61)
    assert job.unknown_columns == ["备注"]
    assert SatisfactionRecord.objects.count() == 0

    html = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert 'data-testid="row-errors"' in html and "备注" in html and "first 50 of 61" in html

    report = client.get(reverse("import-job-errors", args=[job.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    rows_back = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows_back[0] == ["row", "column", "value", "reason"]
    assert len(rows_back) == 1 + 61
    assert rows_back[1][:3] == ["3", "评分", "9"]  # header is row 1, so the second data row is row 3
    assert rows_back[-1][:3] == ["122", "记录ID", "R-0"] and "row 2" in rows_back[-1][3]


def test_dry_run_validates_only(client, staff_user, django_capture_on_commit_callbacks):
    f.CustomerFactory(external_id="C-1")
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, feedback_csv(["R-1,C-1,法律咨询,5"]), dry_run="on")
    job = ImportJob.objects.get()
    assert (job.status, job.rows_total, job.error_count) == ("validated", 1, 0)
    assert SatisfactionRecord.objects.count() == 0


def test_upload_form_errors_are_shown(client, staff_user):
    client.force_login(staff_user)
    response = upload(client, SimpleUploadedFile("notes.pdf", b"%PDF"))
    assert response.status_code == 400 and "Upload a .csv or .xlsx file." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_progress_is_written_to_the_job_row_while_validating(monkeypatch, staff_user):
    """Each chunk updates rows_done in the job row, outside the write transaction, so the page can poll it."""
    f.CustomerFactory(external_id="C-1")
    monkeypatch.setattr(engine, "CHUNK_ROWS", 4)
    seen = []
    original = engine._stored

    def observe(model, external_ids, fields=()):
        seen.append(ImportJob.objects.values_list("status", "rows_done", "rows_total").get())
        return original(model, external_ids, fields)

    monkeypatch.setattr(engine, "_stored", observe)
    upload_file = feedback_csv([f"R-{i},C-1,数据分析,4" for i in range(10)])
    job = import_job_create(kind="feedback", file=upload_file, created_by=staff_user)
    job = import_job_run(job_id=job.pk)
    assert seen == [("validating", 0, 10), ("validating", 4, 10), ("validating", 8, 10)]
    assert (job.status, job.rows_done, job.rows_total, job.created_count) == ("succeeded", 10, 10, 10)
    assert import_job_run(job_id=job.pk).created_count == 10  # a finished job is left alone


def test_running_job_partial_polls_and_shows_progress(client, staff_user):
    job = f.ImportJobFactory(status=ImportJob.Status.VALIDATING, rows_done=500, rows_total=2000, created_by=staff_user)
    client.force_login(staff_user)
    response = client.get(reverse("import-job", args=[job.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html  # the partial only
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="25"' in html and "500 / 2,000" in html


@pytest.mark.parametrize(
    ("done", "says", "not_said"),
    [
        # SQLite writes from 40% of the file on, while the rest is still checked: no claim that every row is valid.
        (800, "while the remaining rows are checked", "Every row is checked"),
        (2000, "Every row is checked; writing them", "while the remaining rows"),
    ],
)
def test_a_writing_job_says_whether_its_rows_are_all_checked(client, staff_user, done, says, not_said):
    job = f.ImportJobFactory(status=ImportJob.Status.WRITING, rows_done=done, rows_total=2000, created_by=staff_user)
    client.force_login(staff_user)
    with translation.override("en"):
        html = client.get(reverse("import-job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert says in html and not_said not in html


def test_broker_down_marks_the_job_failed(monkeypatch, staff_user, django_capture_on_commit_callbacks):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker unavailable")

    monkeypatch.setattr(import_tasks.run_import, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(kind="feedback", file=feedback_csv(["R-1,C-1,数据分析,4"]), created_by=staff_user)
    job.refresh_from_db()
    assert job.status == "failed" and "could not be queued" in job.message


def test_save_mapping_from_the_page(client, staff_user):
    client.force_login(staff_user)
    url = reverse("import-mapping-save")
    response = client.post(url, {"name": "CRM", "kind": "customers", "columns": "Kunden-Nr = external_id\nFirma=name"})
    assert response.status_code == 302
    assert ImportMapping.objects.get(name="CRM").columns == {"Kunden-Nr": "external_id", "Firma": "name"}
    bad = client.post(url, {"name": "CRM", "kind": "customers", "columns": "Farbe = colour"})
    assert bad.status_code == 400 and "is not a field of customers" in bad.content.decode()


def test_template_download_has_the_chinese_headers(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("import-template"), {"kind": "tickets"})
    header = response.content.decode("utf-8-sig").strip()
    assert header.startswith("工单ID,合同ID,创建时间,关闭时间,工单耗时,紧急程度,工单优先级,满意度,是否二次跟进,处理人")
