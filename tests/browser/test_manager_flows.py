"""What a manager clicks every day, in a real headless Chromium."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from satisfaction.feedback.services import record_satisfaction
from satisfaction.improvements.models import ImprovementMeasure
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def feedback(service_types):
    customer = f.CustomerFactory(name="Hualong Holdings")
    f.ContactFactory(customer=customer, contact_priority=1)
    rows = [(1, "4.5", "data_analysis"), (2, "2.0", "legal_consultation"), (20, "5.0", "data_analysis"),
            (50, "3.0", "document_review")]  # fmt: skip
    for days, score, code in rows:
        f.RecordFactory(customer=customer, service_type=service_types[code], score=Decimal(score),
                        created_at=timezone.now() - dt.timedelta(days=days))  # fmt: skip
    from analytics.lib.snapshots import rebuild_all

    rebuild_all()
    return customer


def test_dashboard_draws_charts_and_filters_update_kpis_and_url(page, live_server, login, manager_user, feedback,
                                                                  console_errors):  # fmt: skip
    login(manager_user)
    expect(page).to_have_url(re.compile(r"/analytics/"))
    for chart in ("chart-trend", "chart-services", "chart-distribution"):
        expect(page.locator(f'canvas[data-chart="{chart}"][data-drawn="true"]')).to_have_count(1)
    expect(page.get_by_test_id("drivers")).to_be_visible()  # lazily loaded widget arrived
    count = page.get_by_test_id("kpi-count").get_by_test_id("kpi-value")
    expect(count).to_have_text("3")
    page.get_by_test_id("filter-preset").select_option("90d")
    expect(count).to_have_text("4")
    expect(page).to_have_url(re.compile(r"preset=90d"))
    page.get_by_test_id("filter-service").select_option("legal_consultation")
    expect(count).to_have_text("1")
    expect(page).to_have_url(re.compile(r"service_type=legal_consultation"))
    page.get_by_test_id("trend-week").click()
    expect(page.locator('canvas[data-chart="chart-trend"][data-drawn="true"]')).to_have_count(1)
    page.get_by_test_id("kpi-count").click()  # drill down to the records behind the number
    expect(page.get_by_test_id("drilldown-table")).to_contain_text("2.0")
    assert console_errors == []


def test_low_score_shows_up_as_an_alert_the_manager_resolves(page, live_server, login, manager_user, feedback):
    record_satisfaction(customer=feedback, service_type="data_analysis", score="1.5", feedback="Terrible")
    login(manager_user)
    page.goto(f"{live_server.url}/alerts/")
    row = page.get_by_test_id("alert-row").filter(has_text="Hualong Holdings").first
    expect(row).to_contain_text("Low score")
    row.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("alert-row").filter(has_text="Hualong Holdings").first.get_by_test_id("alert-status")
           ).to_have_text("Acknowledged")  # fmt: skip
    row = page.get_by_test_id("alert-row").filter(has_text="Hualong Holdings").first
    row.get_by_test_id("resolve-note").fill("Called the customer, re-did the analysis")
    row.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("alert-row").filter(has_text="Called the customer").first.get_by_test_id("alert-status")
           ).to_have_text("Resolved")  # fmt: skip


def test_accepting_a_suggestion_creates_a_measure(page, live_server, login, manager_user, service_types):
    f.SuggestionFactory(title_en="Raise legal consultation to target", service_type=service_types["legal_consultation"])
    login(manager_user)
    page.goto(f"{live_server.url}/suggestions/")
    page.get_by_test_id("accept").click()
    modal = page.get_by_test_id("accept-modal")
    expect(modal.locator("input[name=title]")).to_have_value("Raise legal consultation to target")
    modal.locator("input[name=title]").fill("Legal coaching programme")
    modal.get_by_test_id("create-measure").click()
    expect(page).to_have_url(re.compile(r"/measures/\d+/"))
    expect(page.locator("h1")).to_have_text("Legal coaching programme")
    assert ImprovementMeasure.objects.get().suggestion.status == "accepted"


def test_switching_to_chinese_translates_the_page(page, live_server, login, manager_user, feedback):
    login(manager_user)
    page.get_by_test_id("language-select").select_option("zh-hans")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("仪表板")
    expect(page.get_by_test_id("nav")).to_contain_text("记录反馈")


def test_staff_cannot_open_manager_pages(page, live_server, login, staff_user):
    login(staff_user)
    expect(page.get_by_test_id("nav")).not_to_contain_text("Dashboard")
    for path in ("/analytics/", "/alerts/", "/measures/", "/analytics/report/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, path
