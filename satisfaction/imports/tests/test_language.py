"""Row errors read in the uploader's language: the job runs in the language of the page that queued it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from satisfaction.imports.models import ImportJob
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

ROWS = "记录ID,客户ID,服务类型,评分,反馈内容\nFB-1,C-404,数据分析,6,好\nFB-1,C-1,数据分析,4.25,好\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, user, language, django_capture_on_commit_callbacks) -> ImportJob:
    client.force_login(user)
    client.cookies["django_language"] = language
    upload = SimpleUploadedFile("feedback.csv", ROWS.encode("utf-8-sig"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-index"), {"kind": "feedback", "file": upload})
    return ImportJob.objects.latest("pk")


def test_row_errors_of_a_chinese_upload_are_in_chinese(client, staff_user, django_capture_on_commit_callbacks):
    f.CustomerFactory(external_id="C-1")
    job = _upload(client, staff_user, "zh-hans", django_capture_on_commit_callbacks)
    assert job.language == "zh-hans" and job.status == "rejected"
    reasons = [e["reason"] for e in job.errors_preview]
    assert "未知的客户 ID“C-404”。" in reasons
    assert "评分应为 1.0 到 5.0 之间的数字，实际为“6”。" in reasons
    assert "评分最多一位小数，实际为“4.25”。" in reasons
    assert "ID 重复：第 2 行的 ID 相同。" in reasons
    html = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "未知的客户 ID" in html and "Unknown customer id" not in html


def test_the_same_file_uploaded_from_an_english_page_reports_in_english(
    client, staff_user, django_capture_on_commit_callbacks
):
    f.CustomerFactory(external_id="C-1")
    job = _upload(client, staff_user, "en", django_capture_on_commit_callbacks)
    reasons = [e["reason"] for e in job.errors_preview]
    assert "Unknown customer id 'C-404'." in reasons
    assert "Duplicate id: row 2 has the same id." in reasons
