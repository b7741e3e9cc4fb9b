"""Numbers an action changes update in place (htmx out-of-band), and no page scrolls sideways on a phone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _alert(customer, severity, key):
    return SatisfactionAlert.objects.create(
        kind="low_score", severity=severity, dedupe_key=key, customer=customer, message_en=f"{key} alert"
    )


def _counts(page) -> dict[str, int]:
    box = page.get_by_test_id("alert-counts")
    return {k: int(box.get_attribute(f"data-{k}")) for k in ("total", "critical", "high", "open")}


def test_the_alerts_header_counts_follow_acknowledge_and_resolve(
    page, live_server, login, manager_user, console_errors
):
    customer = f.CustomerFactory(name="Hualong Holdings")
    _alert(customer, "critical", "crit")
    _alert(customer, "high", "high")
    _alert(customer, "medium", "med")
    login(manager_user)
    page.goto(f"{live_server.url}/alerts/")
    assert _counts(page) == {"total": 3, "critical": 1, "high": 1, "open": 3}
    critical = page.get_by_test_id("alert-row").filter(has_text="crit alert")
    critical.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("alert-counts")).to_have_attribute("data-open", "2")
    assert _counts(page) == {"total": 3, "critical": 1, "high": 1, "open": 2}
    critical = page.get_by_test_id("alert-row").filter(has_text="crit alert")
    critical.get_by_test_id("resolve-note").fill("Called back, fixed")
    critical.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("alert-counts")).to_have_attribute("data-critical", "0")
    assert _counts(page) == {"total": 2, "critical": 0, "high": 1, "open": 2}
    expect(page.get_by_test_id("alert-counts")).to_contain_text("2 unresolved · 0 critical · 1 high")
    # What the page shows equals what a reload shows.
    page.reload()
    assert _counts(page) == {"total": 2, "critical": 0, "high": 1, "open": 2}
    assert console_errors == []


def test_measure_progress_follows_its_only_task(page, live_server, login, manager_user, console_errors):
    measure = f.MeasureFactory(owner=manager_user)
    f.TaskFactory(measure=measure, title="Call every P1 customer", progress=0)
    login(manager_user)
    page.goto(f"{live_server.url}/measures/{measure.pk}/")
    progress = page.get_by_test_id("measure-progress")
    expect(progress).to_have_attribute("data-value", "0")
    page.get_by_test_id("task-row").locator("select[name=status]").select_option("done")
    expect(page.get_by_test_id("measure-progress")).to_have_attribute("data-value", "100")
    expect(page.get_by_test_id("measure-progress")).to_have_text("100%")
    page.reload()
    expect(page.get_by_test_id("measure-progress")).to_have_attribute("data-value", "100")
    assert console_errors == []


# --- phone layout: 390 px wide, both languages ---

PAGES = [
    "/analytics/", "/analytics/report/", "/alerts/", "/watchlist/", "/suggestions/", "/measures/", "/customers/",
    "/imports/", "/ops/jobs/", "/analytics/agents/", "/analytics/path/", "/analytics/subscriptions/", "/recovery/",
    "/themes/", "/customers/{customer}/",
]  # fmt: skip


@pytest.fixture
def some_data(service_types, manager_user):
    customer = f.CustomerFactory(name="Hualong Holdings International Consulting Group")
    f.ContactFactory(customer=customer, contact_priority=1)
    for days, score, code in (
        (1, "4.5", "data_analysis"),
        (2, "2.0", "legal_consultation"),
        (20, "5.0", "document_review"),
    ):
        f.RecordFactory(customer=customer, service_type=service_types[code], score=Decimal(score),
                        feedback="Could not log in to the client portal to download the quarterly files again",
                        created_at=timezone.now() - dt.timedelta(days=days))  # fmt: skip
    _alert(customer, "high", "phone")
    from analytics.lib.snapshots import rebuild_all

    rebuild_all()
    return customer


WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.overflow-x-auto'))
  .map(e => `${e.tagName}.${String(e.className).slice(0, 80)} ${e.dataset.testid || ''}`).slice(-6)"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_page_scrolls_sideways_at_390_px(page, live_server, login, manager_user, some_data, language):
    page.set_viewport_size({"width": 390, "height": 844})
    login(manager_user)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    too_wide = {}
    for path in PAGES:
        path = path.format(customer=some_data.pk)
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang").lower().startswith(language[:2]), path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:  # name the widest elements, so a failure says what to fix
            too_wide[path] = (width, page.evaluate(WIDEST))
    assert too_wide == {}
