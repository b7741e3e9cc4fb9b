"""The path's forecast: the chance of reaching the target by a date from the fitted trend with its uncertainty,
checked against statsmodels' weighted least-squares prediction, and its backtest (Brier score, calibration)."""

import datetime as dt

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from analytics.rules import path_to_target as ptt


def _months(n: int, start=dt.date(2024, 1, 1)) -> list[dt.date]:
    return [ptt._add_months(start, i) for i in range(n)]


def _history(rates, counts) -> list[ptt.MonthPoint]:
    return [ptt.MonthPoint(m, r, c) for m, r, c in zip(_months(len(rates)), rates, counts, strict=True)]


def test_chance_is_the_t_predictive_of_statsmodels_wls():
    rates = [0.80, 0.86, 0.79, 0.88, 0.84, 0.91, 0.85, 0.93]  # swings wider than sampling noise: φ > 1
    counts = [120, 90, 150, 100, 130, 110, 140, 95]
    history = _history(rates, counts)
    pbar = np.average(rates, weights=counts)
    unit = pbar * (1 - pbar)
    x = np.arange(len(rates), dtype=float)
    fit = sm.WLS(rates, sm.add_constant(x), weights=np.array(counts) / unit).fit()
    assert fit.scale > 1  # so statsmodels' residual scale is the φ the fit uses
    ahead = 3
    new_x = np.array([[1.0, len(rates) - 1 + ahead]])
    pred = fit.get_prediction(new_x, weights=np.array([np.mean(counts) / unit]))
    se_obs = float(np.sqrt(pred.se_mean[0] ** 2 + fit.scale / (np.mean(counts) / unit)))
    for target in (0.85, 0.9, 0.95):
        expected = sps.t.sf((target - pred.predicted_mean[0]) / se_obs, fit.df_resid)
        assert ptt.chance_of_reaching(history, target, ahead) == pytest.approx(expected, rel=1e-9)
    made = ptt.forecast(history, 0.9, dt.date(2024, 11, 30))
    assert made.months_ahead == 3 and made.probability == pytest.approx(ptt.chance_of_reaching(history, 0.9, 3))
    assert made.low < made.rate < made.high and "chance of reaching" in made.reading_en


def test_no_trend_no_chance():
    history = _history([0.9, 0.8], [50, 50])
    assert ptt.chance_of_reaching(history, 0.95, 3) is None
    made = ptt.forecast(history, 0.95, dt.date(2024, 6, 30))
    assert made.probability is None and "Not enough history" in made.reading_en


def test_calibration_table_and_brier_by_hand():
    m = dt.date(2025, 1, 1)
    made = [(m, 0.05, False), (m, 0.05, True), (m, 0.95, True), (m, 0.6, True), (m, 1.0, True)]
    cal = ptt.calibration_of(made, 3)
    assert cal.forecasts == 5
    assert cal.brier == pytest.approx((0.05**2 + 0.95**2 + 0.05**2 + 0.4**2 + 0) / 5)
    by_low = {b.low: b for b in cal.bins}
    assert by_low[0.0].forecasts == 2 and by_low[0.0].observed_frequency == pytest.approx(0.5)
    assert by_low[0.9].forecasts == 2 and by_low[0.9].mean_probability == pytest.approx(0.975)
    assert by_low[0.5].observed_frequency == 1.0 and by_low[0.1].forecasts == 0 and by_low[0.1].mean_probability is None


def test_backtest_on_a_simulated_trend_beats_a_coin_and_is_calibrated():
    rng = np.random.default_rng(4)
    made_all = []
    for _ in range(30):
        level, slope, n = rng.uniform(0.8, 0.9), rng.normal(0.003, 0.004), 150
        rates = [rng.binomial(n, min(0.99, level + slope * i)) / n for i in range(30)]
        made, _cal = ptt.backtest(_history(rates, [n] * 30), 0.9, months_ahead=3)
        made_all += made
    cal = ptt.calibration_of(made_all, 3)
    assert cal.forecasts > 500
    assert cal.brier < 0.2  # a forecaster saying 50% every time scores 0.25
    for b in cal.bins:
        if b.forecasts >= 50:
            assert abs(b.observed_frequency - b.mean_probability) < 0.12


def test_the_backtest_never_uses_the_outcome_month():
    rates = [0.85] * 10 + [0.99]
    made, _ = ptt.backtest(_history(rates, [100] * 11), 0.95, months_ahead=3)
    last = made[-1]
    assert last[0] == _months(11)[-1] and last[2] is True and last[1] < 0.5  # a surprise, not foreseen


# --- page and API (the same numbers) ---------------------------------------------------------------------------


@pytest.fixture
def monthly(db, service_types):
    """Twenty months of responses, 60 a month, the rate climbing from 80% by about one point a month."""
    from django.utils import timezone

    from satisfaction.feedback.models import SatisfactionRecord
    from satisfaction.tests.factories import CustomerFactory

    customer, st = CustomerFactory(), service_types["data_analysis"]
    today = timezone.localdate()
    rows = []
    for ago in range(20):
        month = ptt._add_months(today.replace(day=1), -ago)
        satisfied = min(60, 48 + (19 - ago) * 3 // 5 + (ago % 3))
        when = dt.datetime.combine(month + dt.timedelta(days=1), dt.time(12), tzinfo=timezone.get_current_timezone())
        rows += [
            SatisfactionRecord(customer=customer, service_type=st, score=s, created_at=when)
            for s in ["4.5"] * satisfied + ["3.0"] * (60 - satisfied)
        ]
    SatisfactionRecord.objects.bulk_create(rows)
    from analytics.lib.snapshots import rebuild_all

    rebuild_all()  # the page reads the snapshots; bulk_create bypassed the write path that keeps them
    return today


def test_path_page_and_api_show_the_same_forecast_and_backtest(client, manager_user, manager, monthly):
    from django.urls import reverse

    history = ptt.monthly_history(today=monthly, months=ptt.BACKTEST_MONTHS)
    by = ptt._add_months(monthly.replace(day=1), 4) - dt.timedelta(days=1)
    expected = ptt.chance_of_reaching(history[-ptt.HISTORY_MONTHS :], 0.95, 3)
    _made, cal = ptt.backtest(history[:-1], 0.95)
    assert cal.forecasts > 0

    body = manager.get(reverse("api:satisfaction-path"), {"by": by.isoformat()}).json()
    assert body["forecast"]["months_ahead"] == 3
    assert body["forecast"]["probability"] == pytest.approx(expected, rel=1e-9)
    assert body["calibration"]["forecasts"] == cal.forecasts
    assert body["calibration"]["brier"] == pytest.approx(cal.brier, rel=1e-9)
    assert manager.get(reverse("api:satisfaction-path"), {"by": "next spring"}).status_code == 400

    client.force_login(manager_user)
    html = client.get(reverse("analytics:path")).content.decode()
    assert 'data-testid="forecast-calibration"' in html and 'data-metric="forecast.probability"' in html
    assert f'data-value="{cal.brier}"' in html or 'data-metric="forecast.brier"' in html
