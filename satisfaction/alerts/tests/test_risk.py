"""The customer risk score: each factor's points worked by hand, caps, admin weights, and the watch list."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from satisfaction.alerts.models import CustomerRiskScore, RiskWeight, WatchlistEntry
from satisfaction.alerts.risk import compute_risk, recompute_risk_scores
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _scores(customer, scores):
    now = timezone.now()
    for i, score in enumerate(scores):
        f.RecordFactory(
            customer=customer,
            score=Decimal(str(score)),
            created_at=now - dt.timedelta(days=20) + dt.timedelta(hours=i),
            alerts_evaluated_at=now,
        )


def _troubled_customer():
    customer = f.CustomerFactory(name="Troubled")
    contract = f.ContractFactory(customer=customer)
    # Previous five mean 4.6, last five mean 3.6: a 1.0 point drop; two scores below 3.5.
    _scores(customer, [4.6] * 5 + [4.0, 4.0, 3.0, 3.0, 4.0])
    f.ComplaintFactory(contract=contract, resolved_at=None)  # open, within SLA (medium: 8 h / 72 h)
    f.ComplaintFactory(contract=contract, resolved_at=None, escalated=True)  # open and escalated
    f.ComplaintFactory(  # closed, but the high-urgency response took 5 h > 4 h
        contract=contract, urgency="high", response_hours=5.0, resolution_hours=20.0, resolved_at=timezone.now()
    )
    f.TicketFactory(contract=contract, follow_up=True, closed_at=None)  # awaiting its follow-up
    f.TicketFactory(contract=contract, follow_up=True, closed_at=timezone.now())  # followed up: no risk
    return customer


def test_each_factor_contributes_its_weighted_points():
    customer = _troubled_customer()
    score, reasons = compute_risk()[customer.pk]
    points = {r.factor: r.points for r in reasons}
    # By hand: 2 low × 10, 1.0 drop × 20, 2 open × 10, 1 escalation × 10, 1 SLA breach × 8, 1 follow-up × 5.
    assert points == {
        "low_scores": 20.0,
        "score_trend": 20.0,
        "open_complaints": 20.0,
        "escalations": 10.0,
        "sla_breaches": 8.0,
        "unanswered_follow_ups": 5.0,
    }
    assert score == 83.0
    assert [r.points for r in reasons] == sorted((r.points for r in reasons), reverse=True)
    trend = next(r for r in reasons if r.factor == "score_trend")
    assert trend.units == pytest.approx(1.0) and "1.00 points" in trend.reason_en


def test_crossing_the_threshold_adds_to_the_watch_list_with_reason_risk():
    troubled = _troubled_customer()
    calm = f.CustomerFactory(name="Calm")
    _scores(calm, [3.0])  # one low score: 10 points
    assert recompute_risk_scores() == 2
    stored = {row.customer_id: row for row in CustomerRiskScore.objects.all()}
    assert stored[troubled.pk].score == 83.0 and stored[calm.pk].score == 10.0
    assert stored[troubled.pk].reasons[0]["reason_en"]
    entry = WatchlistEntry.objects.get()
    assert (entry.customer, entry.reason) == (troubled, "risk")
    # The reason is stored as codes and numbers and worded in the reader's language.
    assert entry.note == "" and entry.details["score"] == 83.0
    with translation.override("en"):
        assert entry.reason_text.startswith("Risk score 83 ≥ 50: ")
    with translation.override("zh-hans"):
        assert entry.reason_text.startswith("风险评分 83 ≥ 50：") and "score(s)" not in entry.reason_text
    recompute_risk_scores()  # again: no second entry
    assert WatchlistEntry.objects.count() == 1


def test_units_beyond_the_cap_add_nothing():
    customer = f.CustomerFactory()
    _scores(customer, [2.0] * 7)  # seven low scores, cap 4
    score, reasons = compute_risk()[customer.pk]
    low = next(r for r in reasons if r.factor == "low_scores")
    assert (low.units, low.counted, low.points) == (7, 4, 40.0)
    assert score == 40.0


def test_admin_weights_override_the_defaults():
    customer = _troubled_customer()
    RiskWeight.objects.create(factor="open_complaints", weight=25, cap=1)
    RiskWeight.objects.create(factor="unanswered_follow_ups", weight=0, cap=4)
    score, reasons = compute_risk()[customer.pk]
    points = {r.factor: r.points for r in reasons}
    assert points["open_complaints"] == 25.0 and "unanswered_follow_ups" not in points
    assert score == 83.0 - 20.0 + 25.0 - 5.0


def test_score_is_capped_at_100_and_reset_when_signals_go():
    customer = f.CustomerFactory()
    contract = f.ContractFactory(customer=customer)
    _scores(customer, [5.0] * 5 + [1.0] * 5)
    for _ in range(3):
        f.ComplaintFactory(contract=contract, resolved_at=None, escalated=True, urgency="high", response_hours=9.0)
    recompute_risk_scores()
    assert CustomerRiskScore.objects.get(customer=customer).score == 100.0
    customer.satisfaction_records.all().delete()
    f.ComplaintFactory._meta.model.objects.filter(contract=contract).delete()
    recompute_risk_scores()
    row = CustomerRiskScore.objects.get(customer=customer)
    assert (row.score, row.reasons) == (0.0, [])
