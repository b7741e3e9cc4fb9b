"""Analytics operations of the API, every number checked against an independent computation (pandas/scipy)."""

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient
from scipy import stats as sps

from analytics.snapshots import rebuild_all
from satisfaction.models import SatisfactionAlert
from satisfaction.tests import factories as f

BASE = "/api/v1/enterprise-satisfaction/satisfaction"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def manager(manager_user):
    api = APIClient()
    api.force_authenticate(manager_user)
    return api


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    z = sps.norm.ppf(1 - (1 - confidence) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture
def feedback(db, service_types):
    """Scores on known local days; customer A is in segment 1, B in segment 3."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    a = f.CustomerFactory(name="A")
    b = f.CustomerFactory(name="B")
    f.ContactFactory(customer=a, contact_priority=1)
    f.ContactFactory(customer=b, contact_priority=3)
    rows = []
    plan = [
        # (customer, service, score, days ago)
        (a, "data_analysis", "4.5", 1),
        (a, "data_analysis", "4.0", 2),
        (a, "legal_consultation", "2.5", 3),
        (b, "data_analysis", "5.0", 4),
        (b, "legal_consultation", "3.5", 5),
        (b, "document_review", "4.8", 6),
        (a, "data_analysis", "3.0", 40),  # the previous 30-day period
        (b, "data_analysis", "4.2", 45),
        (a, "legal_consultation", "1.5", 70),  # outside both
    ]
    for customer, code, score, ago in plan:
        day = today - dt.timedelta(days=ago)
        created = dt.datetime.combine(day, dt.time(12, 0), tzinfo=tz)
        f.RecordFactory(customer=customer, service_type=service_types[code], score=Decimal(score), created_at=created)
        rows.append({"customer": customer.name, "service": code, "score": float(score), "day": day, "ago": ago})
    # Rows were saved directly, so bring the daily snapshots the metrics read up to date.
    rebuild_all()
    return {"df": pd.DataFrame(rows), "a": a, "b": b, "today": today}


def _expected_kpis(df: pd.DataFrame) -> dict:
    n = len(df)
    return {
        "count": n,
        "avg_score": df.score.mean(),
        "score_sd": df.score.std(ddof=1) if n > 1 else None,
        "satisfaction_rate": (df.score >= 4).mean(),
        "high_satisfaction_rate": (df.score >= 4.5).mean(),
        "dissatisfaction_rate": (df.score < 3).mean(),
    }


def _assert_kpis(got: dict, df: pd.DataFrame):
    for key, value in _expected_kpis(df).items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value, abs=1e-9), key


@pytest.mark.django_db
def test_analytics_of_the_last_30_days(manager, feedback):
    df, today = feedback["df"], feedback["today"]
    response = manager.get(f"{BASE}/analytics")
    assert response.status_code == 200
    body = response.json()
    current, previous = df[df.ago < 30], df[(df.ago >= 30) & (df.ago < 60)]
    assert body["scope"]["start"] == (today - dt.timedelta(days=29)).isoformat()
    assert body["scope"]["end"] == today.isoformat()
    _assert_kpis(body["kpis"], current)
    _assert_kpis(body["previous"]["kpis"], previous)
    assert body["change"]["avg_score"] == pytest.approx(current.score.mean() - previous.score.mean())

    satisfied = int((current.score >= 4).sum())
    low, high = wilson(satisfied, len(current))
    assert body["kpis"]["satisfaction_rate_ci"]["low"] == pytest.approx(low, abs=1e-9)
    assert body["kpis"]["satisfaction_rate_ci"]["high"] == pytest.approx(high, abs=1e-9)
    # Default target 95 %: x more satisfied answers reach it when (s + x) / (n + x) ≥ 0.95.
    target = body["target"]
    assert target["target_value"] == 0.95 and target["met"] is False
    n = len(current)
    assert target["needed"] == min(x for x in range(10_000) if (satisfied + x) / (n + x) >= 0.95 - 1e-12)
    # Fewer than 10 per group: no verdict on the rate difference.
    assert body["tests"]["satisfaction_rate"]["enough_data"] is False

    by_service = {row["key"]: row for row in body["by_service_type"]}
    for code, group in current.groupby("service"):
        _assert_kpis(by_service[code], group)
    by_segment = {row["key"]: row for row in body["by_segment"]}
    _assert_kpis(by_segment[1], current[current.customer == "A"])
    _assert_kpis(by_segment[3], current[current.customer == "B"])


@pytest.mark.django_db
def test_analytics_scope_filters(manager, feedback):
    df, today = feedback["df"], feedback["today"]
    start = (today - dt.timedelta(days=50)).isoformat()
    params = {"start": start, "end": today.isoformat(), "service_type": "data_analysis", "segment_priority": 1}
    body = manager.get(f"{BASE}/analytics", params).json()
    expected = df[(df.ago <= 50) & (df.service == "data_analysis") & (df.customer == "A")]
    _assert_kpis(body["kpis"], expected)
    assert body["scope"]["service_type"] == "data_analysis" and body["scope"]["segment_priority"] == 1

    body = manager.get(f"{BASE}/analytics", {"customer": feedback["b"].pk, "days": 60}).json()
    _assert_kpis(body["kpis"], df[(df.ago < 60) & (df.customer == "B")])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"start": "soon"}, "start"),
        ({"service_type": "translation"}, "service_type"),
        ({"segment_priority": 7}, "segment_priority"),
        ({"customer": 10**12}, "customer"),
        ({"days": 0}, "days"),
        ({"start": "0001-01-01", "end": "0001-01-31"}, "start"),
        ({"start": "1990-01-01", "end": "2100-12-31"}, "start"),
    ],
)
def test_bad_scope_is_a_400_naming_the_parameter(manager, db, params, field):
    response = manager.get(f"{BASE}/analytics", params)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.django_db
def test_customer_trend_by_month_matches_pandas(manager, feedback, staff_user):
    df, a = feedback["df"], feedback["a"]
    staff = APIClient()
    staff.force_authenticate(staff_user)  # the customer page's role
    response = staff.get(f"{BASE}/trends/{a.pk}", {"period": "month", "days": 90})
    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == {"id": a.pk, "name": "A"} and body["period"] == "month"
    mine = df[(df.customer == "A") & (df.ago < 90)].copy()
    mine["month"] = mine.day.map(lambda d: d.replace(day=1))
    points = {p["start"]: p for p in body["points"]}
    for month, group in mine.groupby("month"):
        _assert_kpis(points[month.isoformat()]["kpis"], group)
    assert sum(p["kpis"]["count"] for p in body["points"]) == len(mine)
    assert [p["start"] for p in body["points"]] == sorted(points)  # oldest first, no gaps skipped

    assert manager.get(f"{BASE}/trends/999999").status_code == 404
    assert manager.get(f"{BASE}/trends/{a.pk}", {"period": "year"}).status_code == 400


@pytest.mark.django_db
def test_dashboard_in_one_response(manager, feedback, staff_user):
    df = feedback["df"]
    SatisfactionAlert.objects.create(kind="low_score", severity="critical", dedupe_key="k1", customer=feedback["a"])
    SatisfactionAlert.objects.create(kind="low_score", severity="high", dedupe_key="k2", status="resolved")
    f.MeasureFactory(status="in_progress")
    f.SuggestionFactory()
    response = manager.get(f"{BASE}/dashboard")
    assert response.status_code == 200
    body = response.json()
    current = df[df.ago < 30]
    _assert_kpis(body["kpis"], current)
    assert body["distribution"] == {
        "dissatisfied": int((current.score < 3).sum()),
        "neutral": int(((current.score >= 3) & (current.score < 4)).sum()),
        "satisfied_low": int(((current.score >= 4) & (current.score < 4.5)).sum()),
        "high": int((current.score >= 4.5).sum()),
    }
    assert body["alert_counts"]["total"] == 1 and body["alert_counts"]["critical"] == 1
    assert [a["severity"] for a in body["open_alerts"]] == ["critical"]
    assert len(body["open_measures"]) == 1 and len(body["new_suggestions"]) == 1
    assert len(body["trend"]["points"]) == 12
    assert sum(p["kpis"]["count"] for p in body["trend"]["points"]) == int((df.ago < 300).sum())
    split = body["segment_split"]
    _assert_kpis(split["segment"], current[current.customer == "A"])
    _assert_kpis(split["rest"], current[current.customer != "A"])

    staff = APIClient()
    staff.force_authenticate(staff_user)
    assert staff.get(f"{BASE}/dashboard").status_code == 403
    assert staff.get(f"{BASE}/analytics").status_code == 403
