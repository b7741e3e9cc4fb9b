"""The report bundle as a job: the page starts it, polls its progress, and downloads the zip when it is ready."""

import io
import json
import threading
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from analytics import bundles
from analytics.quality import report
from analytics.quality.report import BUNDLE_STEPS
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def data(service_types):
    customer = f.CustomerFactory()
    f.ContactFactory(customer=customer, contact_priority=1)
    contract = f.ContractFactory(customer=customer)
    for satisfaction, follow_up in ((2, True), (4, False), (5, False)):
        f.TicketFactory(contract=contract, satisfaction=satisfaction, follow_up=follow_up)
    f.ComplaintFactory(contract=contract)
    f.RecordFactory(customer=customer, score=Decimal("2.0"))


def test_start_poll_ready_download(client, manager_user, data):
    client.force_login(manager_user)
    started = client.post(reverse("analytics:report-bundle-start"), {"segment": "1"}, HTTP_HX_REQUEST="true")
    assert started.status_code == 200
    [token] = [p.name for p in (bundles._root()).iterdir()]
    # Without a background thread (tests run tasks inline) the job is built by the time the answer comes.
    polled = client.get(reverse("analytics:report-bundle-status", args=[token]))
    page = polled.content.decode()
    assert 'data-state="ready"' in page and "every 1s" not in page  # a finished job stops polling
    download = reverse("analytics:report-bundle-file", args=[token])
    assert f'href="{download}"' in page
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert 'filename="service_quality_p1_en.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert set(report.BUNDLE_FILES) <= set(archive.namelist())
    assert json.loads(archive.read("report.json"))["lang"] == "en"


@pytest.mark.django_db(transaction=True)  # the thread has its own connection: it must see committed rows
def test_a_running_job_shows_its_step_and_polls(client, manager_user, data, settings, monkeypatch):
    """Held at its PDF step in a background thread, the job shows "Step 4 of 5" and keeps polling."""
    settings.IMPORT_IN_BACKGROUND = True
    at_pdf, release = threading.Event(), threading.Event()
    real = report.report_pdf

    def held_pdf(*args, **kwargs):
        at_pdf.set()
        assert release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "report_pdf", held_pdf)
    client.force_login(manager_user)
    started = client.post(reverse("analytics:report-bundle-start"), {"segment": "2"}).content.decode()
    assert 'hx-trigger="every 1s"' in started  # the answer came before the bundle was built
    assert at_pdf.wait(60)
    [token] = [p.name for p in bundles._root().iterdir()]
    page = client.get(reverse("analytics:report-bundle-status", args=[token])).content.decode()
    assert 'data-state="running"' in page and 'hx-trigger="every 1s"' in page
    assert f"Step {BUNDLE_STEPS.index('pdf') + 1} of {len(BUNDLE_STEPS)}" in page
    assert client.get(reverse("analytics:report-bundle-file", args=[token])).status_code == 404  # not ready yet
    release.set()
    [thread] = [t for t in threading.enumerate() if t.name == f"report-bundle-{token[:8]}"]
    thread.join(60)
    assert 'data-state="ready"' in client.get(reverse("analytics:report-bundle-status", args=[token])).content.decode()


def test_a_bundle_is_only_for_the_manager_who_started_it(client, manager_user, data):
    client.force_login(manager_user)
    client.post(reverse("analytics:report-bundle-start"), {"segment": "1"})
    [token] = [p.name for p in bundles._root().iterdir()]
    other = f.UserFactory(username="other_manager", role="manager")
    client.force_login(other)
    assert client.get(reverse("analytics:report-bundle-status", args=[token])).status_code == 404
    assert client.get(reverse("analytics:report-bundle-file", args=[token])).status_code == 404
    assert client.get(reverse("analytics:report-bundle-status", args=["short"])).status_code == 404


def test_staff_cannot_start_a_bundle(client, staff_user):
    client.force_login(staff_user)
    assert client.post(reverse("analytics:report-bundle-start"), {"segment": "1"}).status_code == 403


def test_a_failed_build_says_so_and_offers_no_file(client, manager_user, data, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bundles, "write_bundle", broken)
    client.force_login(manager_user)
    page = client.post(reverse("analytics:report-bundle-start"), {"segment": "1"}).content.decode()
    assert 'data-state="failed"' in page and "disk full" in page and "every 1s" not in page
    [token] = [p.name for p in bundles._root().iterdir()]
    assert client.get(reverse("analytics:report-bundle-file", args=[token])).status_code == 404


def test_a_job_whose_process_died_is_reported_failed(manager_user, monkeypatch):
    job = bundles.BundleJob(token="x" * 24, owner_id=manager_user.pk, priority=1, lang="en", state="running")
    bundles._folder(job.token).mkdir(parents=True)
    bundles._write(job)
    assert bundles.bundle_job_status(token=job.token, user=manager_user).state == "running"
    monkeypatch.setattr(bundles, "STALE_SECONDS", -1)
    assert bundles.bundle_job_status(token=job.token, user=manager_user).state == "failed"
