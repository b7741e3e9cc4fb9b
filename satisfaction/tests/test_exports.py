"""Exports say what they hold and match the screen: period and filters in the file (rows before the CSV table, an
"about" sheet in XLSX), local times with their offset, rates rounded as shown, and every list page exports."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook

from analytics.lib.snapshots import rebuild_all
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    blank = rows.index([])
    return dict(rows[:blank]), rows[blank + 1], rows[blank + 2 :]


@pytest.fixture
def records(service_types):
    customer = f.CustomerFactory(name="Acme")
    at = timezone.now() - dt.timedelta(days=2)
    for score in ("5.0", "4.0", "2.0"):
        f.RecordFactory(customer=customer, service_type=service_types["legal_consultation"], score=Decimal(score),
                        created_at=at)  # fmt: skip
    rebuild_all()  # saved past the service: build the snapshots the KPIs read
    return customer


def test_the_kpi_export_states_its_scope_and_rounds_as_shown(client, manager_user, records):
    client.force_login(manager_user)
    response = client.get("/analytics/export/kpis/", {"preset": "30d", "service_type": "legal_consultation"})
    about, header, rows = _csv(response)
    today = timezone.localdate()
    start = today - dt.timedelta(days=29)
    # The year once when both ends share it: "2 Nov – 1 Dec 2026".
    first = f"{start.day} {start:%b}" + ("" if start.year == today.year else f" {start.year}")
    assert about["Period"] == f"{first} – {today.day} {today:%b} {today.year}"
    assert about["Service type"] == "Legal consultation" and about["By"] == manager_user.get_username()
    assert about["Exported"].endswith("+08:00")  # the site's time zone, with the offset
    overall = dict(zip(header, rows[0], strict=True))
    assert overall["satisfaction_rate"] == "0.667" and overall["avg_score"] == "3.67"  # not 0.6666666666666666

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    zh_about, _header, _rows = _csv(client.get("/analytics/export/kpis/", {"preset": "30d"}))
    first = f"{start.year}年{start.month}月{start.day}日"
    last = (
        f"{today.month}月{today.day}日" if start.year == today.year else f"{today.year}年{today.month}月{today.day}日"
    )
    assert f"{first} – {last}" in zh_about.values()


def test_the_records_export_is_in_local_time_and_the_xlsx_has_an_about_sheet(client, manager_user, records):
    client.force_login(manager_user)
    about, header, rows = _csv(client.get("/analytics/records/", {"preset": "30d", "format": "csv"}))
    assert len(rows) == 3 and all(r[header.index("created_at")].endswith("+08:00") for r in rows)
    book = load_workbook(io.BytesIO(client.get("/analytics/records/", {"preset": "30d", "format": "xlsx"}).content))
    assert book.sheetnames == ["data", "about"]
    info = {row[0]: row[1] for row in book["about"].iter_rows(values_only=True)}
    assert "Period" in info and info["Self-rated records"] == "left out"


def test_every_list_page_exports_what_it_shows(client, manager_user, staff_user, records):
    alert = SatisfactionAlert.objects.create(
        kind="low_score", severity="high", customer=records, dedupe_key="x", value=2.0, threshold=3.0,
        message_en="Low score", message_zh="低分",
    )  # fmt: skip
    WatchlistEntry.objects.create(customer=records, reason="manual", note="Call weekly")
    f.SuggestionFactory()
    f.MeasureFactory()
    client.force_login(manager_user)
    for url, filters, column, value in (
        ("/customers/", {"q": "Acme"}, "name", "Acme"),
        ("/alerts/", {"status": "open"}, "id", str(alert.pk)),
        ("/watchlist/", {}, "customer", "Acme"),
        ("/suggestions/", {}, "rule_code", "service_below_target"),
        ("/measures/", {}, "category", "training"),
    ):
        page = client.get(url, filters).content.decode()
        assert 'data-testid="export-csv"' in page, url
        about, header, rows = _csv(client.get(url, {**filters, "format": "csv"}))
        assert "Exported" in about and rows and rows[0][header.index(column)] == value, url
        assert about.get("Period"), url  # every export states the period it covers
        xlsx = client.get(url, {**filters, "format": "xlsx"})
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats"), url
    about, _h, _r = _csv(client.get("/alerts/", {"status": "open", "format": "csv"}))
    assert about["Status"] == "Open"
    # Roles hold for downloads too.
    client.force_login(staff_user)
    assert client.get("/alerts/", {"format": "csv"}).status_code == 403
    assert client.get("/customers/", {"format": "csv"}).status_code == 200
