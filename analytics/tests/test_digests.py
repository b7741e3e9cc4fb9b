"""Weekly digest and monthly review: numbers equal the dashboard's for the same period, opt-out, inline charts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from analytics import dashboard, digests
from analytics.lib.metrics import Scope, day_start, local_today
from analytics.lib.snapshots import rebuild_all
from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.alerts.notifications import notification_preferences_update
from satisfaction.improvements.models import ImprovementTask
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 12):
    return day_start(day) + dt.timedelta(hours=hour)


@pytest.fixture
def week():
    """Records in the last full week and the week before, an alert, a sent survey, tasks due and not due."""
    today = local_today()
    this_week = [Decimal(s) for s in ("5.0", "4.5", "4.0", "3.0", "2.0", "4.8")]
    last_week = [Decimal(s) for s in ("5.0", "2.5", "3.5", "4.0")]
    customer = f.CustomerFactory()
    for i, score in enumerate(this_week):
        f.RecordFactory(customer=customer, score=score, created_at=_at(today - dt.timedelta(days=1 + i)))
    for i, score in enumerate(last_week):
        f.RecordFactory(customer=customer, score=score, created_at=_at(today - dt.timedelta(days=8 + i)))
    f.RecordFactory(customer=customer, score=Decimal("1.0"), created_at=_at(today))  # today: not in the digest
    SatisfactionAlert.objects.create(
        kind="low_score",
        severity="high",
        dedupe_key="d1",
        customer=customer,
        created_at=_at(today - dt.timedelta(days=2)),
    )
    SatisfactionAlert.objects.create(kind="low_score", dedupe_key="d2", created_at=_at(today - dt.timedelta(days=20)))
    contact = f.ContactFactory(customer=customer)
    f.SurveyInvitationFactory(contact=contact, sent_at=_at(today - dt.timedelta(days=3)))
    f.SurveyInvitationFactory(
        contact=contact, sent_at=_at(today - dt.timedelta(days=3)), answered_at=_at(today - dt.timedelta(days=2))
    )
    measure = f.MeasureFactory()
    f.TaskFactory(measure=measure, title="Overdue one", due_date=today - dt.timedelta(days=1))
    f.TaskFactory(measure=measure, title="Done late", due_date=today - dt.timedelta(days=5), status="done")
    f.TaskFactory(measure=measure, title="Due later", due_date=today + dt.timedelta(days=3))
    rebuild_all()  # records saved directly: fill the snapshot table the dashboard and the digest read
    return {"today": today, "this_week": this_week, "last_week": last_week}


def test_weekly_digest_numbers_equal_the_dashboard_and_a_hand_count(week):
    digest = digests.weekly_digest()
    today = week["today"]
    assert (digest.start, digest.end) == (today - dt.timedelta(days=7), today - dt.timedelta(days=1))
    cards = {c["key"]: c for c in dashboard.kpi_cards(Scope(start=digest.start, end=digest.end))["cards"]}
    cur, change = digest.comparison.current, digest.comparison.change
    assert cur.count == cards["count"]["value"] == 6
    assert cur.avg_score == pytest.approx(cards["avg_score"]["value"])
    assert round(cur.satisfaction_rate * 100, 1) == cards["satisfaction_rate"]["value"]
    assert round(change.satisfaction_rate * 100, 1) == cards["satisfaction_rate"]["delta"]
    # By hand: this week 4 of 6 ≥ 4, mean 23.3 / 6; last week 2 of 4 ≥ 4, mean 15 / 4.
    assert cur.satisfied == 4 and cur.avg_score == pytest.approx(23.3 / 6)
    assert digest.comparison.previous.count == 4 and digest.comparison.previous.avg_score == pytest.approx(3.75)
    assert change.satisfaction_rate == pytest.approx(4 / 6 - 2 / 4)
    assert digest.new_alert_count == 1 and digest.overdue_task_count == 1
    assert digest.overdue_tasks[0].title == "Overdue one"
    assert (digest.response.sent, digest.response.answered) == (2, 1)
    rows = {r["key"]: r for r in digests.kpi_rows(digest)}
    assert rows["satisfaction_rate"]["current"] == "66.7%" and rows["satisfaction_rate"]["change"] == "+16.7 pp"
    assert rows["avg_score"]["current"] == "3.88" and rows["count"]["change"] == "+2"
    assert rows["response_rate"]["current"] == "50.0%"


def test_weekly_digest_goes_to_managers_who_did_not_opt_out(week, manager_user, staff_user):
    other = f.UserFactory(username="manager2", role="manager")
    notification_preferences_update(user=other, weekly_digest=False)
    assert digests.send_weekly_digests() == 1
    [email] = mail.outbox
    assert email.to == [manager_user.email]
    assert "weekly digest" in email.subject.lower()
    assert "66.7%" in email.body and "+16.7 pp" in email.body and "Overdue one" in email.body
    html = email.alternatives[0][0]
    assert 'data-testid="digest-kpis"' in html and "66.7%" in html and "/alerts/" in html


def test_no_managers_no_email(week):
    assert digests.send_weekly_digests() == 0 and mail.outbox == []


def test_monthly_review_covers_the_last_calendar_month():
    today = dt.date(2026, 3, 15)
    digest = digests.monthly_review(today=today)
    assert (digest.start, digest.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    prev = digest.comparison.previous_scope
    assert (prev.start, prev.end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


def test_monthly_review_has_inline_charts_and_the_bundle_attached(manager_user):
    today = local_today()
    first = today.replace(day=1)
    last_month_day = first - dt.timedelta(days=3)
    for score in ("4.5", "3.0", "5.0"):
        f.RecordFactory(score=Decimal(score), created_at=_at(last_month_day))
    rebuild_all()
    opted_out = f.UserFactory(username="manager3", role="manager")
    notification_preferences_update(user=opted_out, monthly_review=False)
    assert digests.send_monthly_reviews() == 1
    [email] = mail.outbox
    html = email.alternatives[0][0]
    assert f"{last_month_day:%Y-%m}" in email.subject
    images = [a for a in email.attachments if getattr(a, "get_content_type", lambda: "")() == "image/png"]
    cids = {img["Content-ID"].strip("<>") for img in images}
    assert cids and all(f'src="cid:{cid}"' in html for cid in cids)
    zips = [a for a in email.attachments if isinstance(a, tuple) and a[0].endswith(".zip")]
    assert len(zips) == 1 and zips[0][2] == "application/zip" and zips[0][1][:2] == b"PK"
    digest = digests.monthly_review()
    assert digest.comparison.current.count == 3


def test_overdue_excludes_done_and_cancelled(week):
    ImprovementTask.objects.filter(title="Overdue one").update(status="cancelled")
    assert digests.weekly_digest().overdue_task_count == 0
