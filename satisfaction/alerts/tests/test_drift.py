"""The drop detector: every (service type × segment) cell and the overall rate, recent window against the cell's
own baseline, Benjamini–Hochberg over the cells of one run; p and q checked with scipy and statsmodels."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone
from scipy import special
from statsmodels.stats.multitest import multipletests

from analytics.lib.stats import drift_tests, drop_p_value
from satisfaction.alerts.models import AlertSettings, SatisfactionAlert
from satisfaction.alerts.services import evaluate_drift, evaluate_window_rules
from satisfaction.tests import factories as f

Kind = SatisfactionAlert.Kind


def _betabinom_cdf(x, n, a, b):
    """P(X ≤ x) for the beta-binomial, summed from its pmf with log-gamma (independent of scipy.stats.betabinom)."""
    k = np.arange(x + 1)
    log_pmf = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    log_pmf += special.betaln(k + a, n - k + b) - special.betaln(a, b)
    return float(np.exp(log_pmf).sum())


# --- the statistics (pure) -----------------------------------------------------------------------------------


def test_drop_p_value_is_the_beta_binomial_predictive_tail():
    for x_r, n_r, x_b, n_b in ((40, 50, 180, 200), (0, 80, 60, 60), (9, 10, 95, 100), (30, 30, 10, 40)):
        expected = _betabinom_cdf(x_r, n_r, x_b + 0.5, n_b - x_b + 0.5)
        assert drop_p_value(x_r, n_r, x_b, n_b) == pytest.approx(min(expected, 1.0), rel=1e-9, abs=1e-15)


def test_drift_q_values_match_statsmodels_and_small_cells_are_left_out():
    rng = np.random.default_rng(16)
    cells = [(int(rng.integers(30, 50)), 50, int(rng.integers(170, 190)), 200) for _ in range(12)]
    cells.append((3, 5, 180, 200))  # 5 recent responses: not tested, not in the family
    tests = drift_tests(cells)
    assert not tests[-1].enough_data and tests[-1].p_value is None and tests[-1].q_value is None
    p = [t.p_value for t in tests[:-1]]
    _reject, q, _s, _b = multipletests(p, method="fdr_bh")
    assert [t.q_value for t in tests[:-1]] == pytest.approx(list(q), rel=1e-12)


def test_a_rise_is_never_flagged_however_small_q():
    (test,) = drift_tests([(50, 50, 100, 200)])
    assert not test.flagged() and test.p_value == pytest.approx(1.0)


# --- the alert rule ------------------------------------------------------------------------------------------


def _records(service_type, scores, *, days_ago, customer=None):
    now = timezone.now()
    customer = customer or f.CustomerFactory()
    for i, score in enumerate(scores):
        f.RecordFactory(
            customer=customer,
            service_type=service_type,
            score=Decimal(str(score)),
            created_at=now - dt.timedelta(days=days_ago, minutes=i),
            alerts_evaluated_at=now,
        )


def _stable_history(service_types, customer, weeks=(3, 5, 8, 12)):
    """Each service type at 90% satisfied over the baseline weeks (20 a week) and this week."""
    for st in service_types.values():
        for week in weeks:
            _records(st, [4.5] * 18 + [3.0] * 2, days_ago=7 * week, customer=customer)
        _records(st, [4.5] * 18 + [3.0] * 2, days_ago=1, customer=customer)


@pytest.mark.django_db
def test_eighty_scores_of_one_this_week_raise_a_drop_alert_for_that_cell(service_types):
    customer = f.CustomerFactory()
    f.ContactFactory(customer=customer, contact_priority=2)
    _stable_history(service_types, customer)
    legal = service_types["legal_consultation"]
    _records(legal, [1.0] * 80, days_ago=2, customer=customer)

    assert evaluate_drift() >= 1
    alert = SatisfactionAlert.objects.get(dedupe_key=f"significant_drop:service:{legal.pk}:segment:2")
    ev = alert.evidence
    assert alert.kind == Kind.SIGNIFICANT_DROP and alert.service_type_id == legal.pk
    assert (ev["n"], ev["satisfied"], ev["baseline"]["n"], ev["baseline"]["satisfied"]) == (100, 18, 80, 72)
    assert ev["observed"] == pytest.approx(0.18) and ev["expected"] == pytest.approx(0.9)
    assert ev["p_value"] == pytest.approx(_betabinom_cdf(18, 100, 72.5, 8.5), rel=1e-9)
    assert ev["q_value"] is not None and ev["q_value"] < 0.05 and ev["cells_tested"] == 4  # 3 cells + overall
    assert ev["window"]["days"] == 14 and ev["baseline"]["days"] == 182
    assert "q = " in alert.message_en or "q < " in alert.message_en
    # The other service types did not move: no alert for them.
    assert not SatisfactionAlert.objects.filter(kind=Kind.SIGNIFICANT_DROP, service_type__code="data_analysis")


@pytest.mark.django_db
def test_a_stable_series_raises_no_drop_alert(service_types):
    customer = f.CustomerFactory()
    f.ContactFactory(customer=customer, contact_priority=2)
    _stable_history(service_types, customer)
    assert evaluate_drift() == 0
    assert not SatisfactionAlert.objects.filter(kind=Kind.SIGNIFICANT_DROP).exists()


@pytest.mark.django_db
def test_a_drop_significant_alone_is_not_flagged_once_corrected_over_the_cells(service_types):
    """p ≈ 0.02 in one cell of many: below 0.05 on its own, but its q over the family is not."""
    legal = service_types["legal_consultation"]
    for priority in (1, 2, 3, 4, 5):
        customer = f.CustomerFactory()
        f.ContactFactory(customer=customer, contact_priority=priority)
        for st in service_types.values():
            _records(st, [4.5] * 90 + [3.0] * 10, days_ago=40, customer=customer)
            drop = st == legal and priority == 1
            _records(st, [4.5] * (30 if drop else 36) + [3.0] * (10 if drop else 4), days_ago=3, customer=customer)
    cell = next(t for t in drift_tests([(30, 40, 90, 100)]))
    assert cell.p_value < 0.05
    assert evaluate_drift() == 0


@pytest.mark.django_db
def test_too_few_recent_responses_are_not_tested(service_types):
    legal = service_types["legal_consultation"]
    _records(legal, [4.5] * 60, days_ago=30)
    _records(legal, [1.0] * 8, days_ago=2)  # 8 < 10 recent responses
    assert evaluate_drift() == 0


@pytest.mark.django_db
def test_the_detector_runs_weekly_not_with_the_window_rules(service_types):
    legal = service_types["legal_consultation"]
    _records(legal, [4.5] * 60, days_ago=30)
    _records(legal, [1.0] * 80, days_ago=2)
    evaluate_window_rules()
    assert not SatisfactionAlert.objects.filter(kind=Kind.SIGNIFICANT_DROP).exists()
    assert evaluate_drift() == 2  # the cell and the overall rate (one service type carries all records)
    assert evaluate_drift() == 2  # refreshed, not duplicated
    assert SatisfactionAlert.objects.filter(kind=Kind.SIGNIFICANT_DROP).count() == 2
    assert AlertSettings.load().drop_alpha == 0.05
