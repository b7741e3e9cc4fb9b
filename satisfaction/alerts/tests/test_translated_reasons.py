"""Alert evidence and watch-list reasons read in the reader's language: labels for evidence keys, reasons worded
from stored codes and numbers, and entries from before that keep their English note readable."""

import pytest
from django.urls import reverse
from django.utils import translation

from satisfaction.alerts.evidence import evidence_rows
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.alerts.watchlist import watchlist_add_by_rule
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

SLA_EVIDENCE = {"stage": "resolution", "urgency": "medium", "sla_hours": 72, "hours": 80.5, "record_ids": [4, 9]}
RISK_DETAILS = {
    "score": 52.0,
    "threshold": 50.0,
    "reasons": [
        {"factor": "low_scores", "params": {"units": 2.0, "low": 3.5, "days": 90, "w": 5}},
        {"factor": "sla_breaches", "params": {"units": 1.0, "low": 3.5, "days": 90, "w": 5}},
    ],
}


def test_evidence_keys_are_labelled_and_values_worded_in_both_languages():
    with translation.override("en"):
        assert evidence_rows(SLA_EVIDENCE) == [
            ("Stage", "Resolution"), ("Urgency", "Medium"), ("SLA (hours)", "72"), ("Hours taken", "80.5"),
            ("Records behind it", "2"),
        ]  # fmt: skip
    with translation.override("zh-hans"):
        assert evidence_rows(SLA_EVIDENCE) == [
            ("阶段", "解决"), ("紧急程度", "中"), ("服务时限（小时）", "72"), ("实际用时（小时）", "80.5"),
            ("相关记录数", "2"),
        ]  # fmt: skip


def test_rates_and_windows_are_shown_as_a_reader_writes_them():
    evidence = {"rate": 0.8126, "window": {"start": "2026-11-01T00:00:00+08:00", "end": "2026-11-08T00:00:00+08:00",
                                           "days": 7}}  # fmt: skip
    with translation.override("zh-hans"):
        assert evidence_rows(evidence) == [("满意率", "81.3%"), ("时间窗口", "2026年11月1日 – 2026年11月8日 · 7 天")]


def test_an_unknown_evidence_key_keeps_its_name():
    with translation.override("zh-hans"):
        assert evidence_rows({"custom_key": 3}) == [("custom_key", "3")]


def test_the_alert_page_shows_labels_not_keys(client, manager_user):
    customer = f.CustomerFactory(name="华龙控股")
    alert = SatisfactionAlert.objects.create(
        kind="complaint_sla", severity="medium", dedupe_key="sla", customer=customer, evidence=SLA_EVIDENCE,
        message_en="Complaint over its SLA", message_zh="投诉超时",
    )  # fmt: skip
    client.force_login(manager_user)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "服务时限（小时）" in html and "实际用时（小时）" in html
    for key in ("sla_hours", "record_ids", ">stage<", ">resolution<"):
        assert key not in html


def test_a_rule_entry_reads_in_the_readers_language():
    customer = f.CustomerFactory()
    entry = watchlist_add_by_rule(customer_id=customer.pk, reason=WatchlistEntry.Reason.RISK, details=RISK_DETAILS)
    entry.refresh_from_db()
    with translation.override("en"):
        assert entry.reason_text == (
            "Risk score 52 ≥ 50: 2 score(s) below 3.5 in the last 90 days; "
            "1 complaint SLA breach(es) in the last 90 days"
        )
    with translation.override("zh-hans"):
        assert entry.reason_text == "风险评分 52 ≥ 50：近 90 天 2 次评分低于 3.5；近 90 天 1 次投诉超时"


def test_an_entry_from_before_keeps_its_note_and_a_manual_note_is_left_as_written():
    old = WatchlistEntry.objects.create(
        customer=f.CustomerFactory(), reason="risk", note="Risk score 60 ≥ 50: 3 score(s) below 3.5"
    )
    manual = WatchlistEntry.objects.create(customer=f.CustomerFactory(), reason="manual", note="客户要求回访")
    with translation.override("zh-hans"):
        assert old.reason_text == "Risk score 60 ≥ 50: 3 score(s) below 3.5"
        assert manual.reason_text == "客户要求回访"


def test_the_watch_list_page_shows_the_reason_in_chinese(client, manager_user):
    customer = f.CustomerFactory(name="华龙控股")
    watchlist_add_by_rule(customer_id=customer.pk, reason=WatchlistEntry.Reason.RISK, details=RISK_DETAILS)
    client.force_login(manager_user)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("watchlist")).content.decode()
    assert "风险评分 52 ≥ 50：近 90 天 2 次评分低于 3.5" in html
    assert "score(s)" not in html


def test_labels_on_the_alert_page_end_with_the_languages_own_colon(client, manager_user):
    record = f.RecordFactory(score=2, feedback="回复太慢")
    alert = SatisfactionAlert.objects.create(
        kind="low_score", severity="high", dedupe_key="low", customer=record.customer, record=record,
        message_en="Low score", message_zh="低分",
    )  # fmt: skip
    client.force_login(manager_user)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "反馈：" in html and "反馈:" not in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()
    assert "Feedback: " in html
