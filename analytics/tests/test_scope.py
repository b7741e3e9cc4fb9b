"""One scope per page: every widget follows the page's filter or says its own scope, every page, report and e-mail
states its period and filters in the one wording (`core.describe`), and trends say their window."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from analytics import dashboard, digests
from analytics.lib.describe import scope_words
from analytics.lib.metrics import Scope, local_today
from analytics.quality import report
from analytics.rules.suggestions import (
    LOOKBACK_DAYS,
    RECENT_DAYS,
    Candidate,
    build_context,
    find_candidates,
    with_basis,
)
from core.describe import dates_words
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.alerts.notifications import alert_email_content
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _at(days_ago: int):
    return timezone.now() - dt.timedelta(days=days_ago)


@pytest.fixture
def world(service_types):
    """A priority-1 and a priority-5 customer, each with records, an open alert, a watch-list entry and a new
    suggestion about their segment; one legal-consultation alert without a customer."""
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    p1, p5 = f.CustomerFactory(name="P1 Corp"), f.CustomerFactory(name="P5 Corp")
    f.ContactFactory(customer=p1, contact_priority=1)
    f.ContactFactory(customer=p5, contact_priority=5)
    f.ContractFactory(customer=p1, service_type=data)
    f.ContractFactory(customer=p5, service_type=legal)
    # P1: 4 records, 3 satisfied; P5: 4 records, 1 satisfied; all in the last 30 days.
    for customer, code, scores in ((p1, "data_analysis", "5 4 4 2"), (p5, "legal_consultation", "5 2 2 1")):
        for i, score in enumerate(scores.split()):
            f.RecordFactory(customer=customer, service_type=service_types[code], score=Decimal(score),
                            created_at=_at(i + 1))  # fmt: skip
    from analytics.lib.snapshots import rebuild_all

    rebuild_all()
    lowest = {c: c.satisfaction_records.order_by("score", "pk").first() for c in (p1, p5)}
    alerts = {
        "p1": SatisfactionAlert.objects.create(kind="low_score", dedupe_key="p1", severity="high", customer=p1,
                                               record=lowest[p1], message_en="P1 Corp scored 2.0"),
        "p5": SatisfactionAlert.objects.create(kind="low_score", dedupe_key="p5", severity="high", customer=p5,
                                               record=lowest[p5], message_en="P5 Corp scored 1.0"),
        "legal": SatisfactionAlert.objects.create(kind="significant_drop", dedupe_key="legal", service_type=legal,
                                                  message_en="Legal consultation dropped"),
    }  # fmt: skip
    WatchlistEntry.objects.create(customer=p1)
    WatchlistEntry.objects.create(customer=p5)
    f.SuggestionFactory(title_en="Follow up P1 tickets", segment_priority=1, rule_code="follow_up_segment")
    f.SuggestionFactory(title_en="Follow up P5 tickets", segment_priority=5, rule_code="follow_up_segment")
    f.SuggestionFactory(title_en="Train the legal team", service_type=legal)
    return {"p1": p1, "p5": p5, "alerts": alerts}


def _scopes(html: str) -> dict[str, str]:
    """The page's data-scope elements: widget name → its words."""
    return {
        m.group(1): re.sub(r"\s+", " ", m.group(2)).strip()
        for m in re.finditer(r'data-scope="([^"]*)"[^>]*>([^<]*)<', html)
    }


def test_a_segment_filter_moves_the_segment_box_alerts_watch_list_and_suggestions(client, manager_user, world):
    client.force_login(manager_user)
    url = reverse("analytics:dashboard")
    with translation.override("en"):
        every = client.get(url, {"preset": "30d"})
        p5 = client.get(url, {"preset": "30d", "segment": "5"})
    # Unfiltered: priority 1 against the rest; filtered on P5: priority 5 against the rest, same period.
    assert every.context["segment"]["priority"] == 1 and p5.context["segment"]["priority"] == 5
    split = p5.context["segment"]["split"]
    assert (split.segment.count, split.segment.satisfied) == (4, 1)  # P5's four records, one of them ≥ 4
    assert (split.rest.count, split.rest.satisfied) == (4, 3)
    assert p5.context["segment"]["segment_pct"] == 25.0 and p5.context["segment"]["rest_pct"] == 75.0
    html = p5.content.decode()
    assert "Priority-5 customers vs the rest" in html and "Priority-1 customers vs the rest" not in html
    # The alerts, watch list and suggestions are those about priority-5 customers (and overall suggestions).
    assert {a.pk for a in every.context["alerts"]} == {a.pk for a in world["alerts"].values()}
    assert [a.pk for a in p5.context["alerts"]] == [world["alerts"]["p5"].pk]
    assert p5.context["alert_counts"]["total"] == 1 and every.context["alert_counts"]["total"] == 3
    assert [e.customer_id for e in p5.context["watchlist"]] == [world["p5"].pk]
    assert {s.title_en for s in p5.context["suggestions"]} == {"Follow up P5 tickets", "Train the legal team"}
    assert {s.title_en for s in every.context["suggestions"]} == {"Follow up P1 tickets", "Follow up P5 tickets",
                                                                 "Train the legal team"}  # fmt: skip


def test_a_service_filter_moves_the_alerts_watch_list_and_suggestions(client, manager_user, world):
    client.force_login(manager_user)
    with translation.override("en"):
        legal = client.get(reverse("analytics:dashboard"), {"preset": "30d", "service_type": "legal_consultation"})
    # The P5 customer's record alert (a legal-consultation record) and the service's own drop alert.
    assert {a.pk for a in legal.context["alerts"]} == {world["alerts"]["p5"].pk, world["alerts"]["legal"].pk}
    assert [e.customer_id for e in legal.context["watchlist"]] == [world["p5"].pk]  # the one with a legal contract
    assert {s.title_en for s in legal.context["suggestions"]} == {"Follow up P1 tickets", "Follow up P5 tickets",
                                                                  "Train the legal team"}  # fmt: skip
    split = legal.context["segment"]["split"]
    assert split.segment.count == 0 and split.rest.count == 4  # P1 has no legal records: the box follows the filter


def test_the_dashboard_states_its_scope_and_each_widget_whose_scope_differs(client, manager_user, world):
    client.force_login(manager_user)
    today = local_today()
    start = today - dt.timedelta(days=29)
    period = dates_words(start, today)
    with translation.override("en"):
        html = client.get(
            reverse("analytics:dashboard"), {"preset": "30d", "service_type": "legal_consultation", "segment": "5"}
        ).content.decode()
    scopes = _scopes(html)
    assert scopes["page"] == f"{period} · Legal consultation · priority 5 · satisfaction records, 1–5"
    assert html.count('data-scope="page"') == 1
    # The segment box compares every segment: its header says so, and what it counts.
    assert scopes["segment"] == f"{period} · Legal consultation · satisfaction records, 1–5"
    assert scopes["alerts"] == "unresolved now · Legal consultation · priority 5"
    assert scopes["watchlist"] == "on the list now · Legal consultation · priority 5"
    assert scopes["measures"] == "open now · Legal consultation · priority 5"
    assert scopes["suggestions"] == (
        f"new, from the {LOOKBACK_DAYS} days before each nightly run · Legal consultation · priority 5"
    )
    # The link to the report keeps the segment, and says the report reads ticket ratings.
    assert "?segment=5" in html and "Service-quality report (ticket ratings)" in html


def test_period_words_name_the_year_once_and_open_ends():
    with translation.override("en"):
        assert dates_words(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == "1 Nov – 30 Nov 2026"
        assert dates_words(dt.date(2025, 12, 1), dt.date(2026, 1, 31)) == "1 Dec 2025 – 31 Jan 2026"
        assert dates_words(dt.date(2026, 11, 1), dt.date(2026, 11, 1)) == "1 Nov 2026"
        assert dates_words(None, None) == "all time"
        assert dates_words(dt.date(2026, 11, 1), None) == "since 1 Nov 2026"
    with translation.override("zh-hans"):
        assert dates_words(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == "2026年11月1日 – 11月30日"


def test_a_short_period_trend_says_its_window_and_a_long_one_follows_the_period(world):
    today = local_today()
    with translation.override("en"):
        week = dashboard.trend_chart(Scope.last_days(7, today=today), "month")
        quarter = dashboard.trend_chart(Scope.last_days(90, today=today), "month")
    # Seven days are one or two months: the chart shows 12 months and its header says which.
    assert not week["follows_scope"] and len(week["points"]) == 12
    first = week["points"][0].start
    assert week["window_words"] == f"{dates_words(first, today)} · by month"
    # Ninety days hold at least three months: the trend covers exactly them, no window line.
    assert quarter["follows_scope"] and quarter["window_words"] is None
    start = today - dt.timedelta(days=89)
    assert quarter["points"][0].start == start.replace(day=1) and quarter["points"][-1].start == today.replace(day=1)
    # The current month and (unless the 90 days start on a 1st) the first one are cut: labelled partial.
    labels = quarter["chart"]["data"]["labels"]
    assert labels[-1] == f"{today:%Y-%m} (partial)" or today.day == month_end(today)
    assert (labels[0] == f"{start:%Y-%m} (partial)") == (start.day != 1)
    assert all("(partial)" not in label for label in labels[1:-1])
    styles = quarter["chart"]["data"]["datasets"][0]["pointStyle"]
    assert [s == "triangle" for s in styles] == ["(partial)" in label for label in labels]


def month_end(day: dt.date) -> int:
    import calendar

    return calendar.monthrange(day.year, day.month)[1]


def test_the_trend_widget_renders_its_window_on_last_7_days(client, manager_user, world):
    client.force_login(manager_user)
    with translation.override("en"):
        html = client.get(reverse("analytics:widget", args=["trend"]), {"preset": "7d"}).content.decode()
        follows = client.get(reverse("analytics:widget", args=["trend"]), {"preset": "365d"}).content.decode()
    assert "by month" in _scopes(html)["trend"]
    assert 'data-scope="trend"' not in follows and "Partial periods" in follows


def test_report_page_md_json_and_pdf_state_the_period_service_types_and_data(client, manager_user, world, tmp_path):
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    report.write_bundle(tmp_path, priority=1, start=start, end=end, service_types=("legal_consultation",))
    expected = "1 Jan – 31 Dec 2026 · Legal consultation · Priority 1 vs other customers · tickets and complaints"
    md = (tmp_path / "report.md").read_text()
    assert f"Period: {expected}" in md
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["scope"]["start"] == "2026-01-01" and data["scope"]["end"] == "2026-12-31"
    assert data["scope"]["service_types"] == ["legal_consultation"] and data["scope"]["segment_priority"] == 1
    assert data["scope"]["words"].startswith(expected)
    zh = tmp_path / "zh"
    report.write_bundle(zh, priority=1, start=start, end=end, lang="zh-hans")
    assert "统计范围：2026年1月1日 – 12月31日" in (zh / "report.md").read_text()
    # The page (every date, the chosen segment) states it in one data-scope element.
    client.force_login(manager_user)
    with translation.override("en"):
        html = client.get(reverse("analytics:report"), {"segment": "5"}).content.decode()
    assert _scopes(html)["page"].startswith("all time · all service types · Priority 5 vs other customers")
    assert "Avg satisfaction (ticket ratings, 1–5)" in html


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("analytics:records", {"preset": "30d", "segment": "5"}),
        ("analytics:agents", {"preset": "30d", "segment": "5"}),
        ("analytics:path", {}),
        ("alert-list", {"severity": "high"}),
        ("watchlist", {}),
        ("suggestion-list", {}),
        ("measure-list", {}),
        ("customer-list", {}),
        ("recovery-list", {}),
        ("my-tasks", {}),
        ("import-index", {}),
        ("survey-campaigns", {}),
        ("text-themes", {}),
        ("analytics:subscriptions", {}),
        ("jobs", {}),
    ],
)
def test_every_page_with_numbers_states_its_scope_once(client, manager_user, world, name, params):
    client.force_login(manager_user)
    with translation.override("en"):
        html = client.get(reverse(name), params).content.decode()
    assert html.count('data-scope="page"') == 1
    words = _scopes(html)["page"]
    assert words
    if "segment" in params:
        assert "priority 5" in words
    if name == "alert-list":
        assert words == "alerts raised at any time · Unresolved · High"


def test_alert_and_customer_pages_state_their_scope(client, manager_user, world):
    client.force_login(manager_user)
    alert = world["alerts"]["p5"]
    with translation.override("en"):
        detail = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
        response = client.get(reverse("customer-detail", args=[world["p5"].pk]))
    customer = response.content.decode()
    # The customer's trend: the current month, not over yet, is labelled partial; earlier months are not.
    labels, today = response.context["trend_chart"]["data"]["labels"], local_today()
    assert [label.endswith("(partial)") for label in labels] == [label.startswith(f"{today:%Y-%m}") for label in labels]
    # A low-score alert covers the day of its record.
    assert _scopes(detail)["page"] == f"{dates_words(*[timezone.localdate(alert.record.created_at)] * 2)} · P5 Corp"
    assert _scopes(customer)["page"] == "all time · satisfaction records, 1–5"


def test_a_suggestion_names_the_data_and_days_its_numbers_count(client, manager_user, world):
    today = local_today()
    candidates = find_candidates(today=today)
    assert candidates, "the fixture's low scores make at least one rule fire"
    for c in candidates:
        basis = c.evidence["basis"]
        days = 2 * RECENT_DAYS if c.rule_code == "recent_drop" else LOOKBACK_DAYS
        assert basis["end"] == today.isoformat()
        assert basis["start"] == (today - dt.timedelta(days=days - 1)).isoformat()
    follow_up = with_basis(
        Candidate(
            rule_code="follow_up_segment", scope_key="segment:1", severity=0.1, priority="high", category="process",
            title_en="t", title_zh="t", rationale_en="", rationale_zh="", actions_en="", actions_zh="",
            expected_impact_en="", expected_impact_zh="", impact_points=1.0, evidence={"n": 60},
        ),
        build_context(today=dt.date(2026, 12, 1)),
    )  # fmt: skip
    assert follow_up.evidence == {"n": 60, "basis": {"data": "tickets", "start": "2026-09-03", "end": "2026-12-01"}}
    shown = f.SuggestionFactory(title_en="Shown", evidence=follow_up.evidence)
    with translation.override("en"):
        assert shown.basis_words == "tickets · 3 Sep – 1 Dec 2026"
        client.force_login(manager_user)
        html = client.get(reverse("suggestion-list")).content.decode()
    assert "Evidence: tickets · 3 Sep – 1 Dec 2026" in html
    assert f.SuggestionFactory(title_en="Old").basis_words == ""  # stored before rules recorded their basis


def test_alert_emails_state_the_period_their_rule_read(world):
    alert = world["alerts"]["p5"]
    day = timezone.localdate(alert.record.created_at)
    with translation.override("en"):
        _subject, body = alert_email_content(alert)
    assert f"Period: {dates_words(day, day)}" in body
    drop = world["alerts"]["legal"]
    drop.evidence = {"window": {"start": "2026-11-17T10:00:00+08:00", "end": "2026-12-01T10:00:00+08:00", "days": 14}}
    drop.save()
    _subject, body = alert_email_content(drop)
    assert "Period: 17 Nov – 1 Dec 2026" in body


def test_digests_state_their_period_in_the_one_wording(manager_user, world):
    digest = digests.weekly_digest(today=dt.date(2026, 12, 2))
    mail.outbox.clear()
    with translation.override("en"):
        expected = scope_words(Scope(start=dt.date(2026, 11, 25), end=dt.date(2026, 12, 1)))
    assert expected == "25 Nov – 1 Dec 2026"
    assert digests.send_weekly_digests(today=dt.date(2026, 12, 2)) == 1
    message = mail.outbox[0]
    assert "Period: 25 Nov – 1 Dec 2026 · satisfaction records, 1–5 (previous: 18 Nov – 24 Nov 2026)" in message.body
    html = message.alternatives[0][0]
    assert "25 Nov – 1 Dec 2026 · satisfaction records, 1–5" in html and digest.start == dt.date(2026, 11, 25)
