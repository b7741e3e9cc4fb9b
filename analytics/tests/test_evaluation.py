"""Effect evaluation: planted improvement detected, no change not claimed, too little data said, DiD by hand."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone
from scipy import stats as sps

from analytics.rules import evaluation as ev
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.improvements import services as svc
from satisfaction.improvements.models import ImprovementMeasure, MeasureEvaluation
from satisfaction.improvements.selectors import measure_evaluations
from satisfaction.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)
START = TODAY - dt.timedelta(days=29)  # 30-day after window, 30-day before window


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def plant(service_type, scores, *, first_day: dt.date, days: int = 30, customer=None):
    """Save one record per score, spread evenly over `days` days from `first_day`."""
    customer = customer or CustomerFactory()
    rows = [
        SatisfactionRecord(
            customer=customer,
            service_type=service_type,
            score=Decimal(str(s)),
            created_at=_at(first_day + dt.timedelta(days=i % days)),
        )
        for i, s in enumerate(scores)
    ]
    SatisfactionRecord.objects.bulk_create(rows)
    return [float(s) for s in scores]


def _measure(service_type):
    measure = svc.measure_create(title="Coach legal", category="training", service_type=service_type, start_date=START)
    return svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.IN_PROGRESS)


BEFORE = START - dt.timedelta(days=30)


def test_windows_are_of_equal_length():
    w = ev.evaluation_windows(START, TODAY)
    assert w.days == 30 and (w.before_end - w.before_start).days + 1 == 30
    assert w.before_end == START - dt.timedelta(days=1) and w.after_end == TODAY


def test_planted_improvement_is_detected(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    before = plant(legal, [4.5] * 36 + [3.0] * 24, first_day=BEFORE)
    after = plant(legal, [4.5] * 57 + [3.0] * 3, first_day=START)
    # The rest of the company stays flat at 80%.
    plant(data, [4.5] * 48 + [3.0] * 12, first_day=BEFORE)
    plant(data, [4.5] * 48 + [3.0] * 12, first_day=START)
    measure = _measure(legal)
    result = ev.evaluate_measure(measure, today=TODAY)

    assert result.verdict == MeasureEvaluation.Verdict.IMPROVED
    assert (result.treated_before.n, result.treated_after.n) == (60, 60)
    assert result.rate_test.diff == pytest.approx(57 / 60 - 36 / 60)
    scipy_t = sps.ttest_ind(after, before, equal_var=False)
    assert result.score_test.t == pytest.approx(scipy_t.statistic)
    assert result.score_test.p_value == pytest.approx(scipy_t.pvalue)
    sd_pooled = math.sqrt(((60 - 1) * pstdev(after) ** 2 + (60 - 1) * pstdev(before) ** 2) / 118)
    assert result.score_test.cohens_d == pytest.approx((mean(after) - mean(before)) / sd_pooled)
    assert result.did_rate.estimate == pytest.approx((57 / 60 - 36 / 60) - 0.0)
    assert result.did_rate.significant()
    assert "improved" in result.reading_en and "有改善" in result.reading_zh
    assert result.n_needed is None


def mean(xs):
    return sum(xs) / len(xs)


def pstdev(xs):
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def test_no_change_is_not_claimed_and_says_n_needed(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    plant(legal, [4.5] * 40 + [3.0] * 10, first_day=BEFORE, days=30)
    plant(legal, [4.5] * 41 + [3.0] * 9, first_day=START, days=30)
    plant(data, [4.0] * 40 + [2.0] * 10, first_day=BEFORE)
    plant(data, [4.0] * 40 + [2.0] * 10, first_day=START)
    result = ev.evaluate_measure(_measure(legal), today=TODAY)
    assert result.verdict == MeasureEvaluation.Verdict.NO_CHANGE
    # Observed change 80% → 82%: the power formula for that change.
    assert result.n_needed == ev.n_needed_for_rate_change(0.80, 0.82)
    assert result.n_needed > 1000
    assert "no detectable change" in result.reading_en and "未检测到变化" in result.reading_zh


def test_company_wide_rise_is_not_credited_to_the_measure(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    plant(legal, [4.5] * 36 + [3.0] * 24, first_day=BEFORE)
    plant(legal, [4.5] * 57 + [3.0] * 3, first_day=START)
    plant(data, [4.5] * 36 + [3.0] * 24, first_day=BEFORE)
    plant(data, [4.5] * 57 + [3.0] * 3, first_day=START)
    result = ev.evaluate_measure(_measure(legal), today=TODAY)
    assert result.rate_test.significant()
    assert result.did_rate.estimate == pytest.approx(0.0)
    assert result.verdict == MeasureEvaluation.Verdict.NO_CHANGE


def test_planted_decline_is_worse(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    plant(legal, [4.5] * 55 + [2.0] * 5, first_day=BEFORE)
    plant(legal, [4.5] * 30 + [2.0] * 30, first_day=START)
    plant(data, [4.5] * 50 + [3.0] * 10, first_day=BEFORE)
    plant(data, [4.5] * 50 + [3.0] * 10, first_day=START)
    result = ev.evaluate_measure(_measure(legal), today=TODAY)
    assert result.verdict == MeasureEvaluation.Verdict.WORSE


def test_too_little_data_says_so_with_n_needed(service_types):
    legal = service_types["legal_consultation"]
    plant(legal, [4.5] * 4 + [3.0] * 2, first_day=BEFORE)
    plant(legal, [4.5] * 5, first_day=START)
    result = ev.evaluate_measure(_measure(legal), today=TODAY)
    assert result.verdict == MeasureEvaluation.Verdict.NOT_ENOUGH_DATA
    assert not result.rate_test.enough_data
    # Planning effect of 5 points from the before rate 4/6.
    assert result.n_needed == ev.n_needed_for_rate_change(4 / 6, 4 / 6 + 0.05)
    assert "Not enough data yet" in result.reading_en and "数据尚不足" in result.reading_zh


def test_did_of_rates_by_hand():
    did = ev.did_proportions(
        treated_before=(30, 50), treated_after=(45, 50), control_before=(160, 200), control_after=(170, 200)
    )
    # (0.90 − 0.60) − (0.85 − 0.80) = 0.25; SE² = .9·.1/50 + .6·.4/50 + .85·.15/200 + .8·.2/200 = 0.0080375
    assert did.estimate == pytest.approx(0.25)
    assert did.se == pytest.approx(math.sqrt(0.0080375))
    assert did.z == pytest.approx(0.25 / 0.0896521, rel=1e-5)
    assert did.p_value == pytest.approx(math.erfc(abs(did.z) / math.sqrt(2)))
    assert did.ci.low == pytest.approx(0.25 - 1.959964 * 0.0896521, rel=1e-5)


def test_did_of_means_by_hand():
    cells = {
        "treated_before": ev.CellStats(n=4, total=12.0, total_sq=38.0),  # 2,3,3,4 → mean 3, s² = 2/3
        "treated_after": ev.CellStats(n=4, total=16.0, total_sq=66.0),  # 3,4,4,5 → mean 4, s² = 2/3
        "control_before": ev.CellStats(n=2, total=6.0, total_sq=20.0),  # 2,4 → mean 3, s² = 2
        "control_after": ev.CellStats(n=2, total=7.0, total_sq=25.0),  # 3,4 → mean 3.5, s² = 0.5
    }
    did = ev.did_means(**cells)
    assert did.estimate == pytest.approx((4 - 3) - (3.5 - 3))
    assert did.se == pytest.approx(math.sqrt((2 / 3) / 4 + (2 / 3) / 4 + 0.5 / 2 + 2 / 2))


def test_did_on_database_matches_hand_numbers(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    plant(legal, [4.5] * 30 + [2.5] * 20, first_day=BEFORE)
    plant(legal, [4.5] * 45 + [2.5] * 5, first_day=START)
    plant(data, [4.0] * 160 + [2.0] * 40, first_day=BEFORE)
    plant(data, [4.0] * 170 + [2.0] * 30, first_day=START)
    result = ev.evaluate_measure(_measure(legal), today=TODAY)
    assert result.did_rate.estimate == pytest.approx(0.25)
    assert result.did_rate.se == pytest.approx(math.sqrt(0.0080375))
    assert result.did_score.estimate == pytest.approx((4.3 - 3.7) - (3.7 - 3.6))


def test_n_needed_formula_by_hand():
    # p0 = .80, p1 = .85: [1.959964·√(2·.825·.175) + 0.841621·√(.16 + .1275)]² / .05² = 905.39 → 906
    assert ev.n_needed_for_rate_change(0.80, 0.85) == 906


def test_evaluations_are_kept_with_the_measure_one_per_day(service_types):
    legal = service_types["legal_consultation"]
    plant(legal, [4.5] * 20, first_day=BEFORE)
    measure = _measure(legal)
    first = ev.run_measure_evaluation(measure.pk, today=TODAY - dt.timedelta(days=1))
    again = ev.run_measure_evaluation(measure.pk, today=TODAY)
    rerun = ev.run_measure_evaluation(measure.pk, today=TODAY)
    assert rerun.pk == again.pk != first.pk
    history = list(measure_evaluations(measure=measure))
    assert [e.after_end for e in history] == [TODAY, TODAY - dt.timedelta(days=1)]
    assert history[0].verdict == MeasureEvaluation.Verdict.NOT_ENOUGH_DATA and history[0].n_before == 20


def test_measures_not_started_are_not_evaluated(service_types):
    measure = svc.measure_create(title="Later", category="process", start_date=TODAY + dt.timedelta(days=3))
    assert ev.evaluate_measure(measure, today=TODAY) is None
    assert ev.run_all_evaluations(today=TODAY) == []


def test_tiny_change_on_much_data_asks_for_more_than_it_has(service_types):
    legal, data = service_types["legal_consultation"], service_types["data_analysis"]
    plant(legal, [4.5] * 400 + [3.0] * 100, first_day=BEFORE)
    plant(legal, [4.5] * 402 + [3.0] * 98, first_day=START)
    plant(data, [4.5] * 40 + [3.0] * 10, first_day=BEFORE)
    plant(data, [4.5] * 40 + [3.0] * 10, first_day=START)
    result = ev.evaluate_measure(_measure(legal), today=TODAY)
    assert result.verdict == MeasureEvaluation.Verdict.NO_CHANGE
    # 0.4 points observed, below the half-point floor: the n for 80.0% → 80.5%, far more than the 500 we have.
    assert result.n_needed == ev.n_needed_for_rate_change(0.80, 0.805) > 500
