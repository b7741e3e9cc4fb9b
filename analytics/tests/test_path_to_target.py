"""Path to the target: current rate and interval, the gap and its parts, a planted trend projected, measures."""

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone
from scipy import stats as sps

from analytics.rules import path_to_target as ptt
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.improvements import services as svc
from satisfaction.improvements.models import ImprovementMeasure
from satisfaction.tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def today():
    return timezone.localdate()


def month_start(months_ago: int) -> dt.date:
    t = today().replace(day=1)
    index = t.year * 12 + t.month - 1 - months_ago
    return dt.date(index // 12, index % 12 + 1, 1)


def plant(service_type, satisfied: int, unsatisfied: int, *, day: dt.date, customer=None):
    customer = customer or CustomerFactory()
    when = dt.datetime.combine(day, dt.time(12), tzinfo=TZ)
    rows = [
        SatisfactionRecord(customer=customer, service_type=service_type, score=Decimal(s), created_at=when)
        for s in ["4.5"] * satisfied + ["3.0"] * unsatisfied
    ]
    SatisfactionRecord.objects.bulk_create(rows)


def wilson(x, n, z=1.959963984540054):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_current_rate_gap_and_contributions(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    key_account = CustomerFactory()
    ContactFactory(customer=key_account, contact_priority=1)
    plant(legal, 35, 15, day=today(), customer=key_account)
    plant(data, 98, 2, day=today() - dt.timedelta(days=3))
    result = ptt.path_to_target(today=today(), target=0.95, source="raw")

    assert (result.count, result.satisfied) == (150, 133)
    assert result.rate == pytest.approx(133 / 150)
    low, high = wilson(133, 150)
    assert (result.interval.low, result.interval.high) == (pytest.approx(low), pytest.approx(high))
    assert result.gap_points == pytest.approx(round((0.95 - 133 / 150) * 100, 2))
    assert result.conversions_needed == 10  # ceil(0.95·150 − 133) = ceil(9.5)
    assert result.additional_satisfied_needed == 190  # (133 + k)/(150 + k) ≥ 0.95 ⇔ k ≥ 9.5/0.05
    parts = {p.key: p for p in result.by_service_type}
    assert parts["legal_consultation"].share_of_gap == pytest.approx(1.0)
    assert parts["data_analysis"].short_of_target == 0
    # Legal at 95%: (133 + 50·0.25)/150 = 0.97; at the others' 98%: (133 + 50·0.28)/150 = 0.98.
    assert parts["legal_consultation"].overall_if_at_target == pytest.approx(0.97)
    assert parts["legal_consultation"].overall_if_at_others == pytest.approx(0.98)
    assert parts["legal_consultation"].points_if_at_target == pytest.approx(round((0.97 - 133 / 150) * 100, 2))
    segments = {p.key: p for p in result.by_segment}
    assert segments["1"].rate == pytest.approx(0.70) and segments["0"].rate == pytest.approx(0.98)
    assert "below the target of 95.0%" in result.reading_en and "Legal" in result.reading_en
    assert "低于目标" in result.reading_zh


def test_planted_rising_trend_is_projected_to_the_target_month(service_types):
    for i in range(12):  # 70% eleven months ago, +2 points a month, 92% this month
        plant(service_types["data_analysis"], 70 + 2 * i, 30 - 2 * i, day=month_start(11 - i))
    proj = ptt.path_to_target(today=today(), target=0.95, source="raw").projection
    assert proj.enough_history and len(proj.history) == 12
    assert proj.slope_per_month == pytest.approx(0.02)
    xs, ys = np.arange(12.0), np.array([0.70 + 0.02 * i for i in range(12)])
    assert np.polyfit(xs, ys, 1, w=np.sqrt(np.full(12, 100.0)))[0] == pytest.approx(proj.slope_per_month)
    # 94% next month, 96% the month after: the target is reached two months from now.
    assert proj.target_month == month_start(-2)
    assert proj.forecast[0].rate == pytest.approx(0.94)
    assert proj.target_month_earliest <= proj.target_month <= (proj.target_month_latest or dt.date.max)
    assert "reached in" in proj.reading_en and "达到" in proj.reading_zh


def test_wls_fit_and_interval_match_the_matrix_computation():
    xs = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    ys = [0.80, 0.83, 0.81, 0.86, 0.85, 0.90]
    ns = [50, 80, 40, 120, 60, 90]
    a, b, cov, phi, df = ptt.fit_wls(xs, ys, ns)
    pbar = sum(y * n for y, n in zip(ys, ns, strict=True)) / sum(ns)
    w = np.diag(np.array(ns) / (pbar * (1 - pbar)))
    x = np.column_stack([np.ones(6), xs])
    xtwx_inv = np.linalg.inv(x.T @ w @ x)
    beta = xtwx_inv @ x.T @ w @ np.array(ys)
    resid = np.array(ys) - x @ beta
    chi2 = float(resid @ w @ resid)
    assert (a, b) == (pytest.approx(beta[0]), pytest.approx(beta[1]))
    assert phi == pytest.approx(max(1.0, chi2 / 4)) and df == 4
    assert np.allclose(cov, max(1.0, chi2 / 4) * xtwx_inv)
    history = [ptt.MonthPoint(dt.date(2026, m + 1, 1), y, n) for m, y, n in zip(range(6), ys, ns, strict=True)]
    proj = ptt.project(history, 0.95)
    se = math.sqrt(np.array([1, 6.0]) @ cov @ np.array([1, 6.0]))
    t = sps.t.ppf(0.975, 4)
    assert proj.forecast[0].low == pytest.approx(beta[0] + 6 * beta[1] - t * se)
    assert proj.forecast[0].high == pytest.approx(min(1.0, beta[0] + 6 * beta[1] + t * se))


def test_flat_trend_is_not_at_the_current_pace(service_types):
    for i in range(12):
        plant(service_types["data_analysis"], 85 + (i % 2), 15 - (i % 2), day=month_start(11 - i))
    proj = ptt.path_to_target(today=today(), target=0.95, source="raw").projection
    assert proj.target_month is None
    assert "not reached at the current pace" in proj.reading_en and "无法达到" in proj.reading_zh


def test_too_little_history_says_so(service_types):
    plant(service_types["data_analysis"], 8, 2, day=today())
    proj = ptt.path_to_target(today=today(), target=0.95, source="raw").projection
    assert not proj.enough_history and proj.target_month is None
    assert "Not enough history" in proj.reading_en


def test_open_measures_are_linked_to_the_part_they_address(service_types):
    legal = service_types["legal_consultation"]
    plant(legal, 7, 3, day=today())
    open_measure = svc.measure_create(title="Coach legal", category="training", service_type=legal)
    done = svc.measure_create(title="Old", category="training", service_type=legal)
    svc.measure_set_status(measure=done, status=ImprovementMeasure.Status.DONE)
    segment_measure = svc.measure_create(title="Key accounts", category="communication", segment_priority=1)
    result = ptt.path_to_target(today=today(), target=0.95, source="raw")
    assert {(m.measure_id, m.addresses) for m in result.measures} == {
        (open_measure.pk, "service_type:legal_consultation"),
        (segment_measure.pk, "segment:1"),
    }
    legal_part = next(p for p in result.by_service_type if p.key == "legal_consultation")
    assert legal_part.measure_ids == [open_measure.pk]
    assert result.as_dict()["measures"][0]["title"]
