"""Reads for the alert pages: filters, severity-first order, counts, and query counts that do not grow per row."""

import datetime as dt

import pytest
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.alerts.selectors import alert_counts, alert_detail, alert_list, open_alerts
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _alert(key, **kwargs):
    return SatisfactionAlert.objects.create(kind=kwargs.pop("kind", "low_score"), dedupe_key=key, **kwargs)


def test_open_alerts_filters_and_orders_by_severity_then_recency(service_types):
    now = timezone.now()
    acme, other = f.CustomerFactory(name="Acme"), f.CustomerFactory(name="Other")
    medium_new = _alert("a", severity="medium", customer=acme, last_seen_at=now)
    critical_old = _alert("b", severity="critical", customer=acme, last_seen_at=now - dt.timedelta(days=2))
    high = _alert("c", severity="high", customer=other, status="acknowledged", last_seen_at=now)
    _alert("d", severity="critical", customer=acme, status="resolved")
    drop = _alert(
        "e",
        kind="significant_drop",
        severity="medium",
        service_type=service_types["data_analysis"],
        last_seen_at=now - dt.timedelta(days=1),
    )
    assert list(open_alerts()) == [critical_old, high, medium_new, drop]
    assert set(open_alerts(customer_id=acme.pk)) == {medium_new, critical_old}
    assert list(open_alerts(kind="significant_drop")) == [drop]
    assert list(open_alerts(severity="high")) == [high]
    assert list(open_alerts(service_type_id=service_types["data_analysis"].pk)) == [drop]
    assert set(open_alerts(search="acme")) == {medium_new, critical_old}
    assert set(open_alerts(since=now - dt.timedelta(hours=1))) == {medium_new, high}
    assert alert_list(status="resolved").count() == 1
    assert alert_counts() == {"total": 4, "critical": 1, "high": 1, "medium": 2, "open": 3}


def test_alert_list_query_count_does_not_grow(django_assert_max_num_queries):
    for i in range(25):
        _alert(f"k{i}", customer=f.CustomerFactory(), severity="high")
    with django_assert_max_num_queries(1):
        rows = [(a.customer.name, a.service_type, a.record, a.acknowledged_by) for a in open_alerts()]
    assert len(rows) == 25


def test_alert_detail(manager_user):
    customer = f.CustomerFactory()
    alert = _alert("x", customer=customer, severity="high")
    assert alert_detail(alert_id=alert.pk).customer == customer


def test_an_alert_without_a_recovery_case_says_none(manager):
    alert = SatisfactionAlert.objects.create(kind="complaint_sla", dedupe_key="sla:x")
    assert manager.get(f"/api/v1/alerts/{alert.pk}/").json()["recovery_case"] is None


def test_alerts_of_a_service_type_and_a_segment(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    p1, p5 = f.CustomerFactory(name="P1"), f.CustomerFactory(name="P5")
    f.ContactFactory(customer=p1, contact_priority=1)
    f.ContactFactory(customer=p5, contact_priority=5)
    record_alert = _alert("r", customer=p5, record=f.RecordFactory(customer=p5, service_type=legal))
    complaint = f.ComplaintFactory(contract=f.ContractFactory(customer=p1, service_type=legal))
    complaint_alert = _alert("c", kind="complaint_sla", complaint=complaint)  # names no customer: its contract's
    service_alert = _alert("s", kind="significant_drop", service_type=data)
    other_record = _alert("o", customer=p1, record=f.RecordFactory(customer=p1, service_type=data))
    # A service type: the alert's own, else its record's or its complaint's.
    assert set(open_alerts(service_type_code="legal_consultation")) == {record_alert, complaint_alert}
    assert set(open_alerts(service_type_code="data_analysis")) == {service_alert, other_record}
    # A segment: the alert's customer, else its complaint's; a service-wide alert belongs to no segment.
    assert set(open_alerts(segment_priority=1)) == {complaint_alert, other_record}
    assert set(open_alerts(segment_priority=5)) == {record_alert}
    assert alert_counts(service_type_code="legal_consultation", segment_priority=1)["total"] == 1
    assert alert_counts()["total"] == 4
