"""The report bundle shows its progress while it is built, then offers the zip."""

import io
import threading
import zipfile

import pytest
from playwright.sync_api import expect

from analytics.quality import report
from analytics.quality.report import BUNDLE_FILES, BUNDLE_STEPS
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held_at_pdf(settings, tmp_path, monkeypatch):
    """Bundles build in a background thread (as without a broker) and wait at their PDF step until released."""
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_IN_BACKGROUND = True
    release = threading.Event()
    real = report.report_pdf

    def held(*args, **kwargs):
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "report_pdf", held)
    return release


def test_the_bundle_shows_its_steps_then_downloads(page, live_server, login, manager_user, held_at_pdf,
                                                   console_errors):  # fmt: skip
    customer = f.CustomerFactory(name="Hualong Holdings")
    f.ContactFactory(customer=customer, contact_priority=1)
    f.TicketFactory(contract=f.ContractFactory(customer=customer), satisfaction=2, follow_up=True)
    login(manager_user)
    page.goto(f"{live_server.url}/analytics/report/")
    page.get_by_test_id("download-bundle").click()
    progress = page.get_by_test_id("bundle-progress")
    expect(progress).to_have_attribute("data-state", "running", timeout=30_000)
    expect(page.get_by_test_id("bundle-step")).to_contain_text(
        f"Step {BUNDLE_STEPS.index('pdf') + 1} of {len(BUNDLE_STEPS)}", timeout=30_000
    )
    assert int(page.get_by_role("progressbar").get_attribute("aria-valuenow")) > 0
    expect(page.get_by_test_id("bundle-download")).to_have_count(0)
    held_at_pdf.set()
    expect(progress).to_have_attribute("data-state", "ready", timeout=60_000)
    with page.expect_download() as download_info:
        page.get_by_test_id("bundle-download").click()
    download = download_info.value
    assert download.suggested_filename == "service_quality_p1_en.zip"
    with open(download.path(), "rb") as zipped:
        names = zipfile.ZipFile(io.BytesIO(zipped.read())).namelist()
    assert set(BUNDLE_FILES) <= set(names)
    assert console_errors == []
