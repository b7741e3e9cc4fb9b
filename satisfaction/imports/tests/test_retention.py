"""Retention of import files: old uploads and error reports are deleted, the job rows and their summaries stay."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from satisfaction.imports import tasks as import_tasks
from satisfaction.imports.models import ImportJob
from satisfaction.imports.services import import_job_create, purge_import_files
from satisfaction.tests import factories as f
from satisfaction_site.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    cache.clear()


def feedback_csv(rows, name="feedback.csv"):
    text = "\n".join(["记录ID,客户ID,服务类型,评分,反馈内容", *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def finished_job(capture, user, *, age, rows=None, name="feedback.csv") -> ImportJob:
    """Upload and run a job through the service, then date its end `age` ago."""
    rows = rows or ["R-1,C-1,数据分析,4,好", "R-2,C-1,数据分析,9,坏"]  # one bad score: rejected, with a report file
    with capture(execute=True):
        job = import_job_create(kind="feedback", file=feedback_csv(rows, name=name), created_by=user)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - age)
    return ImportJob.objects.get(pk=job.pk)


def queued_job(capture, user, *, age) -> ImportJob:
    """Upload a job whose task has not run (still pending), created `age` ago."""
    with capture(execute=False):
        job = import_job_create(kind="feedback", file=feedback_csv(["R-9,C-1,数据分析,4,好"]), created_by=user)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
    return ImportJob.objects.get(pk=job.pk)


def stored(job: ImportJob) -> list[bool]:
    return [
        default_storage.exists(job.file.name),
        bool(job.error_report.name) and default_storage.exists(job.error_report.name),
    ]


@pytest.fixture
def customer():
    return f.CustomerFactory(external_id="C-1")


def test_files_past_the_retention_go_while_newer_and_running_jobs_keep_theirs(
    customer, staff_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    old = finished_job(capture, staff_user, age=timedelta(days=31))
    recent = finished_job(capture, staff_user, age=timedelta(days=29))
    pending = queued_job(capture, staff_user, age=timedelta(days=90))
    running = queued_job(capture, staff_user, age=timedelta(days=90))
    ImportJob.objects.filter(pk=running.pk).update(
        status=ImportJob.Status.VALIDATING, started_at=timezone.now() - timedelta(days=90)
    )
    assert old.status == "rejected" and stored(old) == [True, True] and stored(recent) == [True, True]

    assert purge_import_files() == 1

    old.refresh_from_db()
    assert stored(old) == [False, False]
    assert old.files_purged_at is not None and old.files_kept_days == 31
    # The row keeps who imported what, the counts and the first errors.
    assert (old.original_name, old.created_by, old.status, old.rows_total, old.created_count, old.error_count) == (
        "feedback.csv",
        staff_user,
        "rejected",
        2,
        0,
        1,
    )
    assert old.errors_preview and old.errors_preview[0]["column"]
    for job in (recent, pending, running):
        job.refresh_from_db()
        assert job.files_purged_at is None
        assert default_storage.exists(job.file.name)
    assert stored(recent) == [True, True]
    assert ImportJob.objects.count() == 4
    assert purge_import_files() == 0  # idempotent: nothing left to purge


def test_the_retention_is_the_setting_unless_given(customer, staff_user, settings, django_capture_on_commit_callbacks):
    job = finished_job(django_capture_on_commit_callbacks, staff_user, age=timedelta(days=8))
    settings.IMPORT_FILE_RETENTION_DAYS = 10
    assert purge_import_files() == 0
    assert purge_import_files(now=timezone.now() + timedelta(days=3)) == 1
    job.refresh_from_db()
    assert job.files_purged_at is not None and stored(job) == [False, False]

    other = finished_job(django_capture_on_commit_callbacks, staff_user, age=timedelta(days=8), name="b.csv")
    assert purge_import_files(older_than_days=7) == 1
    other.refresh_from_db()
    assert stored(other) == [False, False]


def test_a_job_whose_file_is_already_missing_is_purged_without_error(
    customer, staff_user, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    gone = finished_job(capture, staff_user, age=timedelta(days=40), name="gone.csv")
    other = finished_job(capture, staff_user, age=timedelta(days=40), name="other.csv")
    default_storage.delete(gone.file.name)
    default_storage.delete(gone.error_report.name)

    assert purge_import_files() == 2
    gone.refresh_from_db()
    other.refresh_from_db()
    assert gone.files_purged_at is not None and other.files_purged_at is not None
    assert stored(other) == [False, False]


def test_a_file_that_cannot_be_deleted_leaves_its_job_due_and_the_others_purged(
    customer, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    stuck = finished_job(capture, staff_user, age=timedelta(days=40), name="stuck.csv")
    fine = finished_job(capture, staff_user, age=timedelta(days=40), name="fine.csv")
    real_delete = FileSystemStorage.delete

    def delete(storage, name):
        if name == stuck.file.name:
            raise PermissionError(name)
        return real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", delete)
    assert purge_import_files() == 1
    stuck.refresh_from_db()
    fine.refresh_from_db()
    assert stuck.files_purged_at is None and default_storage.exists(stuck.file.name)
    assert fine.files_purged_at is not None

    monkeypatch.setattr(FileSystemStorage, "delete", real_delete)
    assert purge_import_files() == 1  # the next run picks it up
    stuck.refresh_from_db()
    assert stuck.files_purged_at is not None and stored(stuck) == [False, False]


def test_the_job_page_says_the_file_was_removed(customer, client, staff_user, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    old = finished_job(capture, staff_user, age=timedelta(days=30, hours=3))
    kept = finished_job(capture, staff_user, age=timedelta(days=2), name="kept.csv")
    purge_import_files()
    client.force_login(staff_user)

    html = client.get(reverse("import-job", args=[old.pk])).content.decode()
    assert 'data-testid="files-removed"' in html and "File removed after 30 days" in html
    assert 'data-testid="error-report"' not in html and 'data-testid="error-report-removed"' in html
    assert 'data-testid="job-summary"' in html and 'data-testid="row-errors"' in html  # counts and first errors stay
    partial = client.get(reverse("import-job", args=[old.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "File removed after 30 days" in partial and "<html" not in partial
    assert client.get(reverse("import-job-errors", args=[old.pk])).status_code == 404

    kept_html = client.get(reverse("import-job", args=[kept.pk])).content.decode()
    assert 'data-testid="error-report"' in kept_html and 'data-testid="files-removed"' not in kept_html

    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        zh = client.get(reverse("import-job", args=[old.pk]), headers={"Accept-Language": "zh-hans"})
    assert "文件已在 30 天后删除" in zh.content.decode() and "完整错误报告已删除" in zh.content.decode()


def test_the_api_says_the_file_and_report_were_removed(customer, staff_user, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    old = finished_job(capture, staff_user, age=timedelta(days=31))
    kept = finished_job(capture, staff_user, age=timedelta(days=1), name="kept.csv")
    purge_import_files()
    api = APIClient()
    api.force_authenticate(staff_user)

    body = api.get(f"/api/v1/imports/{old.pk}/").json()
    assert body["files_removed"] is True and body["files_purged_at"] and body["error_report_url"] is None
    assert (body["created_count"], body["error_count"], body["original_name"]) == (0, 1, "feedback.csv")
    kept_body = api.get(f"/api/v1/imports/{kept.pk}/").json()
    assert kept_body["files_removed"] is False and kept_body["files_purged_at"] is None
    assert kept_body["error_report_url"] == reverse("import-job-errors", kwargs={"job_id": kept.pk})


def test_command_dry_run_deletes_nothing_then_the_real_run_purges(
    customer, staff_user, capsys, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    old = finished_job(capture, staff_user, age=timedelta(days=12), name="old.csv")
    recent = finished_job(capture, staff_user, age=timedelta(days=3), name="recent.csv")

    call_command("purge_import_files", "--older-than-days", "10", "--dry-run")
    out = capsys.readouterr().out
    assert f"#{old.pk} old.csv" in out and "recent.csv" not in out and "would remove the files of 1 " in out
    old.refresh_from_db()
    assert old.files_purged_at is None and stored(old) == [True, True]

    call_command("purge_import_files")  # default retention (30 days): nothing due yet
    assert "Removed the files of 0 " in capsys.readouterr().out
    call_command("purge_import_files", "--older-than-days", "10")
    assert "Removed the files of 1 " in capsys.readouterr().out
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.files_purged_at is not None and stored(old) == [False, False]
    assert recent.files_purged_at is None and stored(recent) == [True, True]


def test_the_daily_task_calls_the_service_and_is_scheduled(customer, staff_user, django_capture_on_commit_callbacks):
    job = finished_job(django_capture_on_commit_callbacks, staff_user, age=timedelta(days=45))
    assert import_tasks.purge_old_import_files.delay().get() == 1
    job.refresh_from_db()
    assert job.files_purged_at is not None
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "satisfaction.imports.tasks.purge_old_import_files" in tasks
