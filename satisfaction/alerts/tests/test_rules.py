"""Every alert rule: data built to fire it and data built not to, numbers checked by hand or with scipy."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone
from scipy import stats

from satisfaction.alerts.models import AlertSettings, SatisfactionAlert
from satisfaction.alerts.services import evaluate_record, evaluate_window_rules
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
Kind = SatisfactionAlert.Kind


def _records(customer, scores, *, start_days_ago=30, service_type=None):
    """Records oldest first, one hour apart, already evaluated (so only the rule under test looks at them)."""
    now = timezone.now()
    made = []
    for i, score in enumerate(scores):
        kwargs = {"service_type": service_type} if service_type else {}
        made.append(
            f.RecordFactory(
                customer=customer,
                score=Decimal(str(score)),
                created_at=now - dt.timedelta(days=start_days_ago) + dt.timedelta(hours=i),
                alerts_evaluated_at=now,
                **kwargs,
            )
        )
    return made


# --- low_score ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "severity"),
    [("3.4", "medium"), ("3.0", "medium"), ("2.9", "high"), ("2.0", "high"), ("1.9", "critical"), ("1.0", "critical")],
)
def test_low_score_fires_below_threshold_with_severity_by_score(score, severity):
    record = f.RecordFactory(score=Decimal(score))
    alerts = evaluate_record(record_id=record.pk)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.kind, alert.severity, alert.status) == (Kind.LOW_SCORE, severity, "open")
    assert alert.value == float(score) and alert.threshold == 3.5
    assert alert.record_id == record.pk and alert.customer_id == record.customer_id
    assert alert.evidence["record_ids"] == [record.pk]
    assert score in alert.message_en and score in alert.message_zh


@pytest.mark.parametrize("score", ["3.5", "4.0", "5.0"])
def test_low_score_does_not_fire_at_or_above_threshold(score):
    record = f.RecordFactory(score=Decimal(score))
    assert evaluate_record(record_id=record.pk) == []
    assert not SatisfactionAlert.objects.exists()
    record.refresh_from_db()
    assert record.alerts_evaluated_at is not None


def test_low_score_threshold_is_admin_editable():
    AlertSettings(low_score_below=Decimal("4.0")).save()
    record = f.RecordFactory(score=Decimal("3.8"))
    assert [a.kind for a in evaluate_record(record_id=record.pk)] == [Kind.LOW_SCORE]


def test_evaluating_a_record_twice_changes_nothing():
    record = f.RecordFactory(score=Decimal("2.5"))
    first = evaluate_record(record_id=record.pk)
    assert evaluate_record(record_id=record.pk) is None
    alert = SatisfactionAlert.objects.get()
    assert alert.pk == first[0].pk and alert.occurrences == 1


def test_second_low_score_same_scope_updates_the_open_alert():
    customer = f.CustomerFactory()
    r1 = f.RecordFactory(customer=customer, score=Decimal("3.2"))
    r2 = f.RecordFactory(customer=customer, score=Decimal("1.5"))
    evaluate_record(record_id=r1.pk)
    evaluate_record(record_id=r2.pk)
    alert = SatisfactionAlert.objects.get(kind=Kind.LOW_SCORE)
    assert alert.occurrences == 2
    assert alert.severity == "critical"  # escalated by the worse score
    assert alert.evidence["record_ids"] == [r1.pk, r2.pk]
    assert alert.last_seen_at >= alert.created_at


# --- customer_decline -----------------------------------------------------------------------------------------


def test_customer_decline_fires_on_low_mean_of_last_five():
    customer = f.CustomerFactory()
    scores = [4.5, 4.5, 3.0, 3.5, 3.0, 3.5, 3.0]  # last five: mean 3.2
    _records(customer, scores)
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind=Kind.CUSTOMER_DECLINE)
    assert alert.value == pytest.approx(sum(scores[-5:]) / 5) == pytest.approx(3.2)
    assert alert.threshold == 3.5
    assert alert.customer_id == customer.pk
    assert alert.evidence["recent_scores"] == list(reversed(scores[-5:]))


def test_customer_decline_fires_on_drop_of_half_a_point():
    customer = f.CustomerFactory()
    scores = [4.8] * 5 + [4.4, 4.2, 4.2, 4.2, 4.0]  # previous 4.8, last five 4.2: drop 0.6, mean above 3.5
    _records(customer, scores)
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind=Kind.CUSTOMER_DECLINE)
    assert alert.value == pytest.approx(4.2)
    assert alert.evidence["drop"] == pytest.approx(0.6)
    assert alert.threshold == pytest.approx(4.8 - 0.5)
    assert alert.severity == "medium"


@pytest.mark.parametrize(
    "scores",
    [
        [4.6] * 5 + [4.2] * 5,  # drop 0.4: under the 0.5 drop
        [3.0, 3.0, 3.0, 3.0],  # only four records
        [3.6, 3.6, 3.6, 3.6, 3.5],  # mean 3.58
    ],
)
def test_customer_decline_does_not_fire(scores):
    _records(f.CustomerFactory(), scores)
    evaluate_window_rules()
    assert not SatisfactionAlert.objects.filter(kind=Kind.CUSTOMER_DECLINE).exists()


def test_customer_decline_is_checked_when_a_record_is_evaluated():
    customer = f.CustomerFactory()
    _records(customer, [3.6, 3.6, 3.6, 3.6])
    record = f.RecordFactory(customer=customer, score=Decimal("3.0"))
    kinds = sorted(a.kind for a in evaluate_record(record_id=record.pk))
    assert kinds == sorted([Kind.LOW_SCORE, Kind.CUSTOMER_DECLINE])


# --- complaint_sla --------------------------------------------------------------------------------------------


def test_complaint_sla_fires_for_a_late_response_once():
    now = timezone.now()
    complaint = f.ComplaintFactory(
        urgency="high", filed_at=now - dt.timedelta(hours=10), response_hours=None, resolution_hours=None
    )
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind=Kind.COMPLAINT_SLA)
    assert alert.complaint_id == complaint.pk
    assert alert.customer_id == complaint.contract.customer_id
    assert alert.threshold == 4 and alert.evidence["stage"] == "response"
    assert alert.severity == "high"
    # Fires once: not again on the next run, nor after a manager resolved it.
    evaluate_window_rules()
    alert.status, alert.resolved_at = "resolved", now
    alert.save()
    evaluate_window_rules()
    assert SatisfactionAlert.objects.filter(kind=Kind.COMPLAINT_SLA).count() == 1


def test_complaint_sla_fires_for_a_late_resolution():
    f.ComplaintFactory(urgency="low", response_hours=2.0, resolution_hours=130.0)  # low: 24 h / 120 h
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind=Kind.COMPLAINT_SLA)
    assert alert.evidence["stage"] == "resolution" and alert.threshold == 120
    assert alert.severity == "medium"


def test_complaint_sla_does_not_fire_within_sla():
    now = timezone.now()
    f.ComplaintFactory(
        urgency="medium", filed_at=now - dt.timedelta(hours=30), response_hours=7.5, resolution_hours=None
    )
    f.ComplaintFactory(urgency="high", filed_at=now - dt.timedelta(hours=2), response_hours=None, resolution_hours=None)
    evaluate_window_rules()
    assert not SatisfactionAlert.objects.filter(kind=Kind.COMPLAINT_SLA).exists()


# --- target_at_risk -------------------------------------------------------------------------------------------


Z_975 = stats.norm.ppf(0.975)


def _wilson_upper(x, n, z=Z_975):
    p = x / n
    return (p + z * z / (2 * n) + z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)


def test_target_at_risk_fires_when_even_the_upper_bound_is_below_target():
    customer = f.CustomerFactory()
    now = timezone.now()
    for i in range(20):
        f.RecordFactory(
            customer=customer,
            score=Decimal("4.5") if i < 15 else Decimal("3.5"),
            created_at=now - dt.timedelta(minutes=i + 1),
            alerts_evaluated_at=now,
        )
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind=Kind.TARGET_AT_RISK)
    assert alert.evidence["n"] == 20 and alert.evidence["satisfied"] == 15
    assert alert.value == pytest.approx(_wilson_upper(15, 20), abs=1e-4)
    assert _wilson_upper(15, 20) < 0.95
    assert alert.threshold == 0.95


def test_target_at_risk_does_not_fire_when_the_target_is_reachable():
    now = timezone.now()
    for i in range(20):
        f.RecordFactory(
            score=Decimal("4.5") if i < 19 else Decimal("2.0"), created_at=now - dt.timedelta(minutes=i + 1)
        )
    assert _wilson_upper(19, 20) >= 0.95
    evaluate_window_rules()
    assert not SatisfactionAlert.objects.filter(kind=Kind.TARGET_AT_RISK).exists()


def test_target_at_risk_respects_service_type_targets(service_types):
    doc = service_types["document_review"]
    SatisfactionTarget.objects.update(is_active=False)
    SatisfactionTarget.objects.create(metric="satisfaction_rate", target_value=0.6, service_type=doc)
    now = timezone.now()
    for i in range(12):
        f.RecordFactory(service_type=doc, score=Decimal("4.0") if i < 2 else Decimal("3.0"), created_at=now)
    evaluate_window_rules()
    alert = SatisfactionAlert.objects.get(kind=Kind.TARGET_AT_RISK)
    assert alert.service_type_id == doc.pk
    assert alert.value == pytest.approx(_wilson_upper(2, 12), abs=1e-4)
