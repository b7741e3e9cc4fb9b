"""The chance of meeting the target (Jeffreys posterior) and the n / interval of every KPI tile, on every surface.

The reference is `1 − BetaCDF(target; x + ½, n − x + ½)` from scipy for x satisfied of n counted independently,
and statsmodels' Jeffreys interval: its lower 95% bound is where the chance of being above is 97.5%.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analytics import dashboard, digests
from analytics.lib import stats
from analytics.lib.metrics import Scope, day_start, local_today
from analytics.lib.snapshots import rebuild_all
from analytics.rules.path_to_target import path_to_target
from satisfaction.feedback.kpis import EMPTY, Kpis, target_status_of
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.tests import factories as f

BASE = "/api/v1/enterprise-satisfaction/satisfaction"


def _reference(x: int, n: int, target: float) -> float:
    return 1 - sps.beta.cdf(target, x + 0.5, n - x + 0.5)


def test_probability_equals_the_jeffreys_formula_on_random_counts():
    rng = random.Random(16)
    for _ in range(300):
        n = rng.randint(1, 3000)
        x = rng.randint(0, n)
        target = rng.choice([0.5, 0.8, 0.9, 0.95, 0.99, rng.random()])
        assert stats.jeffreys_probability_at_least(x, n, target) == pytest.approx(_reference(x, n, target), abs=1e-12)


def test_probability_at_the_statsmodels_jeffreys_bounds():
    for x, n in [(98, 120), (19, 27), (0, 10), (10, 10), (950, 1000)]:
        low, high = proportion_confint(x, n, alpha=0.05, method="jeffreys")
        if x > 0:  # statsmodels clips the lower bound to 0 when x = 0
            assert stats.jeffreys_probability_at_least(x, n, low) == pytest.approx(0.975, abs=1e-9)
        if x < n:
            assert stats.jeffreys_probability_at_least(x, n, high) == pytest.approx(0.025, abs=1e-9)


def test_no_responses_no_probability_and_bad_counts_are_refused():
    assert stats.jeffreys_probability_at_least(0, 0, 0.95) is None
    with pytest.raises(ValueError):
        stats.jeffreys_probability_at_least(5, 4, 0.95)


def test_a_tiny_chance_keeps_its_precision():
    # 1 − cdf would round to 0; the survival function keeps the value.
    p = stats.jeffreys_probability_at_least(800, 1000, 0.95)
    assert 0 < p < 1e-60 and 1 - sps.beta.cdf(0.95, 800.5, 200.5) == 0


def _kpis(satisfied: int, n: int) -> Kpis:
    return Kpis.from_sums(
        count=n, score_sum=4 * n, score_sq_sum=16 * n, satisfied=satisfied, high_satisfied=0, dissatisfied=0
    )


def test_target_status_says_the_chance_in_both_languages():
    target = SatisfactionTarget(metric="satisfaction_rate", target_value=0.95)
    status = target_status_of(target, _kpis(110, 120), start=None, end=None)
    expected = _reference(110, 120, 0.95)
    assert status.probability_met == pytest.approx(expected, abs=1e-12)
    assert f"There is a {expected * 100:.0f}% chance that the true rate is at or above 95.0%." in status.reading_en
    assert f"真实比率达到或超过 95.0% 的概率为 {expected * 100:.0f}%。" in status.reading_zh
    certain = target_status_of(target, _kpis(1000, 1000), start=None, end=None)
    assert "more than a 99% chance" in certain.reading_en and "超过 99%" in certain.reading_zh


def test_high_satisfaction_target_uses_its_own_hits():
    target = SatisfactionTarget(metric="high_satisfaction_rate", target_value=0.6)
    k = Kpis.from_sums(count=50, score_sum=225, score_sq_sum=1020, satisfied=45, high_satisfied=32, dissatisfied=0)
    status = target_status_of(target, k, start=None, end=None)
    assert status.probability_met == pytest.approx(_reference(32, 50, 0.6), abs=1e-12)


def test_no_probability_without_responses_or_for_an_average_score_target():
    rate = SatisfactionTarget(metric="satisfaction_rate", target_value=0.95)
    assert target_status_of(rate, EMPTY, start=None, end=None).probability_met is None
    assert "chance" not in target_status_of(rate, EMPTY, start=None, end=None).reading_en
    score = SatisfactionTarget(metric="avg_score", target_value=4.5)
    assert target_status_of(score, _kpis(10, 20), start=None, end=None).probability_met is None


# --- through the surfaces -----------------------------------------------------------------------------------------


@pytest.fixture
def scored(db, service_types):
    """Forty records over the last 20 days on two service types and two segments; every number is known here."""
    today = local_today()
    a = f.CustomerFactory(name="A")
    b = f.CustomerFactory(name="B")
    f.ContactFactory(customer=a, contact_priority=1)
    f.ContactFactory(customer=b, contact_priority=3)
    rng = random.Random(7)
    rows = []
    for i in range(40):
        customer = a if i % 3 else b
        code = "data_analysis" if i % 2 else "legal_consultation"
        score = Decimal(rng.choice(["5.0", "4.5", "4.0", "4.0", "3.5", "2.0"]))
        day = today - dt.timedelta(days=1 + i % 20)
        f.RecordFactory(customer=customer, service_type=service_types[code], score=score, created_at=day_start(day))
        rows.append((customer.name, code, float(score), day))
    rebuild_all()
    return {"rows": rows, "today": today}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"service_type": "data_analysis"},
        {"segment_priority": 1},
        {"service_type": "legal_consultation", "segment_priority": 3},
    ],
)
def test_api_target_block_has_the_jeffreys_probability_for_any_scope(manager, scored, params):
    today = scored["today"]
    start = today - dt.timedelta(days=29)
    response = manager.get(f"{BASE}/analytics", {"start": start.isoformat(), "end": today.isoformat(), **params})
    assert response.status_code == 200
    target = response.json()["target"]
    rows = [
        r
        for r in scored["rows"]
        if ("service_type" not in params or r[1] == params["service_type"])
        and ("segment_priority" not in params or r[0] == {1: "A", 3: "B"}[params["segment_priority"]])
    ]
    x, n = sum(r[2] >= 4 for r in rows), len(rows)
    assert target["probability_met"] == pytest.approx(_reference(x, n, target["target_value"]), abs=1e-6)


def test_dashboard_tile_shows_the_chance_and_each_kpi_its_n_and_interval(client, manager_user, scored):
    client.force_login(manager_user)
    response = client.get(reverse("analytics:dashboard"), {"preset": "30d"})
    html = response.content.decode()
    rows = scored["rows"]
    x, n = sum(r[2] >= 4 for r in rows), len(rows)
    assert 'data-metric="target.probability_met"' in html
    assert response.context["target"]["status"].probability_met == pytest.approx(_reference(x, n, 0.95), abs=1e-12)
    assert "chance that the true rate is at or above the target" in html
    # Said once, on its own line: the target's sentence stops before the chance.
    tile = html[html.index('data-testid="target-card"') : html.index('data-testid="response-rate"')]
    assert tile.count("that the true rate is at or above") == 1
    cards = {c["key"]: c for c in response.context["kpis"]["cards"]}
    assert cards["satisfaction_rate"]["n"] == n and cards["satisfaction_rate"]["enough"] is True
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert cards["satisfaction_rate"]["interval"].low == pytest.approx(low, abs=1e-12)
    assert cards["satisfaction_rate"]["interval"].high == pytest.approx(high, abs=1e-12)
    scores = [r[2] for r in rows]
    t_low, t_high = sps.t.interval(0.95, n - 1, loc=sum(scores) / n, scale=sps.sem(scores))
    assert cards["avg_score"]["interval"].low == pytest.approx(t_low, abs=1e-9)
    assert cards["avg_score"]["interval"].high == pytest.approx(t_high, abs=1e-9)
    assert f'data-metric="satisfaction_rate.n" data-value="{n}"' in html
    assert 'data-enough="false"' not in html


def test_tiles_below_the_minimum_n_are_greyed(client, manager_user, service_types):
    for score in ("5.0", "4.0", "2.0"):
        f.RecordFactory(score=Decimal(score), created_at=day_start(local_today() - dt.timedelta(days=1)))
    rebuild_all()
    client.force_login(manager_user)
    response = client.get(reverse("analytics:dashboard"), {"preset": "30d"})
    html = response.content.decode()
    assert 'data-enough="false"' in html and 'data-testid="kpi-not-enough"' in html
    assert all(not c["enough"] for c in response.context["kpis"]["cards"])
    assert response.context["target"]["enough"] is False


def test_dashboard_and_path_say_the_chance_in_chinese(client, manager_user, scored):
    client.force_login(manager_user)
    with translation.override("zh-hans"):
        page = client.get(reverse("analytics:dashboard"), {"preset": "30d"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        path = client.get(reverse("analytics:path"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    tile = page.content.decode()
    tile = tile[tile.index('data-testid="target-card"') : tile.index('data-testid="response-rate"')]
    assert "的概率" not in page.context["target"]["reading"]  # the chance has its own line, said once
    assert 'data-testid="target-chance"' in tile and "的概率" not in tile.split('data-testid="target-chance"')[0]
    assert "的概率" in path.content.decode() and 'data-testid="path-chance"' in path.content.decode()


def test_path_to_target_carries_the_chance(scored):
    today = scored["today"]
    path = path_to_target(today=today, target=0.9)
    in_window = [r for r in scored["rows"] if r[3] > today - dt.timedelta(days=30)]
    x, n = sum(r[2] >= 4 for r in in_window), len(in_window)
    assert path.count == n
    assert path.probability_met == pytest.approx(_reference(x, n, 0.9), abs=1e-12)
    assert "chance that the true rate is at or above 90.0%" in path.reading_en


def test_weekly_digest_states_the_target_and_its_chance(scored, manager_user):
    digest = digests.weekly_digest()
    k = digest.comparison.current
    assert digest.target.probability_met == pytest.approx(_reference(k.satisfied, k.count, 0.95), abs=1e-12)
    assert digests.send_weekly_digests() == 1
    [email] = mail.outbox
    assert "chance that the true rate is at or above" in email.body
    assert 'data-testid="digest-target"' in email.alternatives[0][0]


def test_dashboard_target_card_matches_the_api_scope(scored):
    card = dashboard.target_card(Scope.last_days(30, today=scored["today"]))
    x = sum(r[2] >= 4 for r in scored["rows"])
    assert card["status"].probability_met == pytest.approx(_reference(x, len(scored["rows"]), 0.95), abs=1e-12)
