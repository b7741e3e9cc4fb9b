"""File import through the API: the same import job the page starts, with progress and row errors."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.imports.models import ImportJob
from satisfaction.tests import factories as f


@pytest.fixture(autouse=True)
def _fresh_throttles(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def feedback_csv(rows, header="记录ID,客户ID,服务类型,评分,反馈内容", encoding="utf-8-sig"):
    text = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile("feedback.csv", text.encode(encoding), content_type="text/csv")


@pytest.mark.django_db
def test_upload_imports_once_and_a_retry_creates_no_duplicates(staff, staff_user, django_capture_on_commit_callbacks):
    f.CustomerFactory(external_id="C-1")
    rows = ["R-1,C-1,数据分析,4.5,很好", "R-2,C-1,legal_consultation,2,太慢"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/api/v1/imports/", {"kind": "feedback", "file": feedback_csv(rows, encoding="gb18030")})
    assert response.status_code == 202
    job_id = response.json()["id"]
    job = staff.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "succeeded" and job["created_count"] == 2 and job["rows_done"] == job["rows_total"] == 2
    assert job["created_by"]["id"] == staff_user.pk
    assert sorted(SatisfactionRecord.objects.values_list("external_id", "score")) == [("R-1", 4.5), ("R-2", 2)]

    with django_capture_on_commit_callbacks(execute=True):
        again = staff.post("/api/v1/imports/", {"kind": "feedback", "file": feedback_csv(rows)})
    assert staff.get(f"/api/v1/imports/{again.json()['id']}/").json()["created_count"] == 0
    assert SatisfactionRecord.objects.count() == 2
    assert staff.get("/api/v1/imports/", {"kind": "feedback"}).json()["count"] == 2


@pytest.mark.django_db
def test_a_bad_row_rejects_the_file_and_lists_the_error(staff, django_capture_on_commit_callbacks):
    f.CustomerFactory(external_id="C-1")
    rows = ["R-1,C-1,数据分析,4", "R-2,C-1,数据分析,9"]
    with django_capture_on_commit_callbacks(execute=True):
        job_id = staff.post("/api/v1/imports/", {"kind": "feedback", "file": feedback_csv(rows)}).json()["id"]
    job = staff.get(f"/api/v1/imports/{job_id}/").json()
    assert job["status"] == "rejected" and job["error_count"] == 1 and job["created_count"] == 0
    assert job["errors_preview"][0]["row"] == 3 and job["error_report_url"].endswith(f"/imports/{job_id}/errors.csv")
    assert not SatisfactionRecord.objects.exists()


@pytest.mark.django_db
def test_upload_errors_name_the_field(staff, django_capture_on_commit_callbacks):
    response = staff.post("/api/v1/imports/", {"kind": "invoices"})
    assert response.status_code == 400 and set(response.json()) == {"kind", "file"}
    json_body = staff.post("/api/v1/imports/", {"kind": "feedback"}, format="json")
    assert json_body.status_code == 415
    anonymous = APIClient().post("/api/v1/imports/", {"kind": "feedback", "file": feedback_csv([])})
    assert anonymous.status_code == 401
    assert not ImportJob.objects.exists()
