"""Agent scores against an independent computation from the tickets: counts, the shrinkage formula of the issue,
ranks below the minimum, the case-mix expectation (statsmodels' logistic regression), the API and the page."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from statsmodels.stats.proportion import proportion_confint

from analytics.agents import agent_scores, shrinkage
from analytics.lib.metrics import Scope
from satisfaction.demo import seed_demo
from satisfaction.helpdesk.models import ServiceTicket
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/enterprise-satisfaction/satisfaction/agents"


def _reference(tickets: pd.DataFrame) -> pd.DataFrame:
    """n, satisfied and shrunk_rate per agent, straight from the formula (κ from m, v and n̄)."""
    rated = tickets.dropna(subset=["satisfaction"])
    per = rated.groupby("agent").agg(n=("satisfaction", "size"), x=("satisfaction", lambda s: int((s >= 4).sum())))
    m = per["x"].sum() / per["n"].sum()
    p = per["x"] / per["n"]
    v = (per["n"] * (p - m) ** 2).sum() / per["n"].sum()
    n_bar = per["n"].mean()
    if v <= m * (1 - m) / n_bar:
        per["shrunk"] = m
    else:
        kappa = m * (1 - m) / (v - m * (1 - m) / n_bar) - 1
        per["shrunk"] = (per["x"] + kappa * m) / (per["n"] + kappa)
    return per


def _tickets(customer, agent_name, ratings, agent=None, **kwargs):
    contract = f.ContractFactory(customer=customer)
    for rating in ratings:
        f.TicketFactory(contract=contract, agent_name=agent_name, agent=agent, satisfaction=rating, **kwargs)


@pytest.fixture
def team():
    customer = f.CustomerFactory()
    _tickets(customer, "Strong", [5] * 40 + [2] * 5)
    _tickets(customer, "Weak", [4] * 20 + [1] * 25)
    _tickets(customer, "Lucky", [5, 5, 5])  # 3 of 3, below min_n: must not outrank anyone
    _tickets(customer, "", [1, 1])  # no handler: left out
    _tickets(customer, "Unrated", [None, None])
    return customer


def _scope():
    today = timezone.localdate()
    return Scope(start=today - dt.timedelta(days=30), end=today)


def test_counts_shrinkage_and_ranks_equal_the_formula(team):
    table = agent_scores(_scope())
    by_name = {a.agent: a for a in table.agents}
    frame = pd.DataFrame(ServiceTicket.objects.exclude(agent_name="").values("agent_name", "satisfaction"))
    ref = _reference(frame.rename(columns={"agent_name": "agent"}))
    for name, row in ref.iterrows():
        assert (by_name[name].n, by_name[name].satisfied) == (row["n"], row["x"])
        assert by_name[name].shrunk_rate == pytest.approx(row["shrunk"], rel=1e-12)
    low, high = proportion_confint(40, 45, method="wilson")
    assert (by_name["Strong"].rate_low, by_name["Strong"].rate_high) == pytest.approx((low, high))
    assert [a.agent for a in table.agents if a.rank] == ["Strong", "Weak"]
    assert (by_name["Strong"].rank, by_name["Weak"].rank, by_name["Lucky"].rank) == (1, 2, None)
    assert by_name["Lucky"].rate == 1.0 and by_name["Lucky"].shrunk_rate < by_name["Strong"].shrunk_rate
    # An agent with tickets but no rating: counted as handling tickets, rates unknown (not 0).
    assert (by_name["Unrated"].n, by_name["Unrated"].rate, by_name["Unrated"].shrunk_rate) == (0, None, None)
    assert by_name["Unrated"].tickets == 2
    assert "" not in by_name and len(table.agents) == 4


def test_no_spread_beyond_chance_gives_everyone_the_pooled_rate():
    customer = f.CustomerFactory()
    _tickets(customer, "A", [5, 5, 1, 1] * 5)
    _tickets(customer, "B", [5, 1] * 10)
    table = agent_scores(_scope())
    assert table.kappa is None and table.pooled_rate == pytest.approx(0.5)
    assert [a.shrunk_rate for a in table.agents] == pytest.approx([0.5, 0.5])
    assert shrinkage([], []) == (None, None)


def test_a_user_handler_and_a_matching_name_are_one_agent():
    customer = f.CustomerFactory()
    user = f.UserFactory(username="li.wei", first_name="Wei", last_name="Li")
    _tickets(customer, "", [5, 4], agent=user)
    _tickets(customer, "Wei Li", [1])  # the source system's name of the same person
    _tickets(customer, "li.wei", [5])
    (agent,) = agent_scores(_scope()).agents
    assert (agent.agent, agent.user_id, agent.n, agent.satisfied) == ("Wei Li", user.pk, 4, 3)


def test_expected_counts_match_statsmodels_logit():
    rng = np.random.default_rng(3)
    customers = [f.CustomerFactory() for _ in range(3)]
    f.ContactFactory(customer=customers[0], contact_priority=1)
    f.ContactFactory(customer=customers[1], contact_priority=2)
    for i in range(240):
        urgency = ["high", "medium", "low"][i % 3]
        priority = ["high", "medium", "low"][(i // 3) % 3]
        p = 0.75 - (0.25 if urgency == "high" else 0) - (0.1 if i % 2 else 0)
        rating = 5 if rng.random() < p else 2
        contract = f.ContractFactory(customer=customers[(i // 9) % 3])
        f.TicketFactory(contract=contract, agent_name=f"A{i % 4}", satisfaction=rating, urgency=urgency,
                        ticket_priority=priority)  # fmt: skip
    table = agent_scores(_scope())
    rows = pd.DataFrame(
        ServiceTicket.objects.values(
            "agent_name",
            "satisfaction",
            "urgency",
            "ticket_priority",
            "contract__service_type__code",
            "contract__customer_id",
        )
    )
    segment = {customers[0].pk: "1", customers[1].pk: "2", customers[2].pk: "None"}
    rows["segment"] = rows["contract__customer_id"].map(segment)
    X = pd.get_dummies(rows[["urgency", "ticket_priority", "segment", "contract__service_type__code"]].astype(str),
                       drop_first=True).astype(float)  # fmt: skip
    y = (rows["satisfaction"] >= 4).astype(float)
    fitted = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=0)
    rows["p"] = fitted.predict(sm.add_constant(X, has_constant="add"))
    expected = rows.groupby("agent_name")["p"].sum()
    pooled = y.mean()
    for agent in table.agents:
        assert agent.expected == pytest.approx(expected[agent.agent], rel=1e-6)
        observed = int(((rows["agent_name"] == agent.agent) & (y == 1)).sum())
        assert agent.adjusted_rate == pytest.approx(observed / expected[agent.agent] * pooled, rel=1e-6)


def test_on_the_demo_data_the_api_equals_an_independent_computation(manager):
    seed_demo(seed=42, create_users=False)
    today = timezone.localdate()
    start = today - dt.timedelta(days=729)
    body = manager.get(URL, {"start": start.isoformat(), "end": today.isoformat()}).json()
    assert body["min_n"] == settings.AGENT_MIN_N == 10
    opened_from = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    frame = pd.DataFrame(
        ServiceTicket.objects.filter(is_internal=False, opened_at__gte=opened_from).values("agent_name", "satisfaction")
    ).rename(columns={"agent_name": "agent"})
    ref = _reference(frame)
    got = {row["agent"]: row for row in body["agents"]}
    assert set(got) == set(ref.index)
    for name, row in ref.iterrows():
        assert (got[name]["n"], got[name]["satisfied"]) == (row["n"], row["x"])
        assert got[name]["shrunk_rate"] == pytest.approx(row["shrunk"], rel=1e-9)
        assert (got[name]["rank"] is None) == bool(row["n"] < 10)
    # The demo has strong and weak handlers and new hires with few ratings.
    rates = [r["rate"] for r in body["agents"] if r["n"] >= 10]
    assert max(rates) - min(rates) > 0.1
    assert any(r["rank"] is None for r in body["agents"])


def test_api_roles_and_bad_input(staff_user, manager):
    client = APIClient()
    assert client.get(URL).status_code == 401
    client.force_authenticate(staff_user)
    assert client.get(URL).status_code == 403
    bad = manager.get(URL, {"segment_priority": "9", "start": "nope"})
    assert bad.status_code == 400 and {"segment_priority", "start"} <= set(bad.json())
    empty = manager.get(URL).json()
    assert empty["agents"] == [] and empty["pooled_rate"] is None


def test_agents_page_shows_raw_and_shrunk_rates_in_both_languages(client, manager_user, staff_user, team):
    client.force_login(staff_user)
    assert client.get("/analytics/agents/").status_code == 403
    client.force_login(manager_user)
    html = client.get("/analytics/agents/").content.decode()
    assert 'data-metric="shrunk_rate"' in html and 'data-metric="rate"' in html and "Strong" in html
    assert "Raw rate (95% interval)" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    zh = client.get("/analytics/agents/")
    assert zh.status_code == 200 and 'lang="zh-hans"' in zh.content.decode()
