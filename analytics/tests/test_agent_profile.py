"""An agent's own page: the same tickets as their row of the agents table, breakdowns against pandas, lowest ratings,
their customers' topics; and continuity on the customer page and in the report bundle."""

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from statsmodels.stats.proportion import proportion_confint

from analytics.agent_profile import agent_profile, agent_tickets
from analytics.agents import agent_scores
from analytics.lib.metrics import Scope
from analytics.quality.report import BUNDLE_FILES, bundle_zip
from satisfaction.helpdesk.models import ServiceTicket
from satisfaction.tests import factories as f
from satisfaction.text.models import RecordTopic, TextAnalysis, Topic

pytestmark = pytest.mark.django_db


def _scope(days=30):
    today = timezone.localdate()
    return Scope(start=today - dt.timedelta(days=days - 1), end=today)


@pytest.fixture
def handled():
    """Two handlers on two service types and three urgencies; one is a user also named by the source system."""
    user = f.UserFactory(username="li.wei", first_name="Wei", last_name="Li")
    customers = [f.CustomerFactory(name="Acme"), f.CustomerFactory(name="Globex")]
    contracts = [f.ContractFactory(customer=c) for c in customers]
    ratings = [5, 4, 2, 1, 5, 3, 4, 5, 2, 4, 5, 1]
    for i, rating in enumerate(ratings):
        f.TicketFactory(
            contract=contracts[i % 2],
            agent=user if i % 3 == 0 else None,
            agent_name="" if i % 3 == 0 else "Wei Li",
            satisfaction=rating,
            urgency=["high", "medium", "low"][i % 3],
        )
    for rating in [5, 5, 4, None]:
        f.TicketFactory(contract=contracts[0], agent_name="Other", satisfaction=rating)
    return user


def test_the_page_uses_the_tables_tickets_and_its_breakdowns_equal_pandas(handled):
    scope = _scope()
    key = f"user:{handled.pk}"
    row = next(a for a in agent_scores(scope).agents if a.key == key)
    with translation.override("en"):  # labels in English, whatever an earlier test left active
        profile = agent_profile(scope, key)
    assert (profile.score.n, profile.score.satisfied) == (row.n, row.satisfied) == (12, 7)
    frame = pd.DataFrame(agent_tickets(scope, key).values("satisfaction", "urgency", "contract__service_type__name_en"))
    assert len(frame) == 12  # the user's own tickets and those naming them ("Wei Li"), not "Other"'s
    by_urgency = frame.groupby("urgency")["satisfaction"].agg(n="size", x=lambda s: int((s >= 4).sum()), avg="mean")
    got = {cell.label: cell for cell in profile.by_urgency}
    assert list(got) == ["High", "Medium", "Low"]  # in the order of the levels, not of their codes
    for level, label in (("high", "High"), ("medium", "Medium"), ("low", "Low")):
        ref = by_urgency.loc[level]
        cell = got[label]
        assert (cell.n, cell.satisfied) == (ref["n"], ref["x"])
        assert cell.avg_rating == pytest.approx(ref["avg"])
        assert (cell.interval.low, cell.interval.high) == pytest.approx(
            proportion_confint(ref["x"], ref["n"], method="wilson")
        )
    assert sum(c.n for c in profile.by_service_type) == 12
    assert [t.satisfaction for t in profile.lowest][:3] == [1, 1, 2]
    assert profile.period == "week" and sum(c.n for c in profile.trend) == 12


def test_nobody_by_that_key_is_none_and_the_page_a_404(client, manager_user, handled):
    assert agent_profile(_scope(), "name:Nobody") is None
    client.force_login(manager_user)
    assert client.get("/analytics/agents/name:Nobody/").status_code == 404


def test_topics_come_from_the_feedback_linked_to_the_agents_tickets(handled):
    ticket = ServiceTicket.objects.filter(agent=handled).first()
    other = ServiceTicket.objects.filter(agent_name="Other").first()
    topic = Topic.objects.get(code="response_speed")
    for t, sentiment in ((ticket, "negative"), (other, "positive")):
        record = f.RecordFactory(customer=t.contract.customer, ticket=t, score=2)
        TextAnalysis.objects.update_or_create(
            record=record,
            defaults={"language": "en", "sentiment": sentiment, "sentiment_score": 0.0, "analysed_at": timezone.now()},
        )
        RecordTopic.objects.get_or_create(record=record, topic=topic)
    with translation.override("en"):
        profile = agent_profile(_scope(), f"user:{handled.pk}")
    assert profile.topics == [
        {"code": "response_speed", "label": topic.label_en, "n": 1, "negative": 1},
    ]


def test_the_page_shows_the_agent_in_both_languages_and_only_to_managers(client, manager_user, staff_user, handled):
    url = f"/analytics/agents/user:{handled.pk}/?preset=30d"
    client.force_login(staff_user)
    assert client.get(url).status_code == 403
    client.force_login(manager_user)
    html = client.get(url).content.decode()
    assert 'data-metric="agent.n" data-value="12"' in html and "Wei Li" in html
    assert 'data-testid="agent-lowest-row"' in html and "agent-trend" in html and "js/charts.js" in html
    table = client.get("/analytics/agents/?preset=30d").content.decode()
    assert f'href="/analytics/agents/user:{handled.pk}/?preset=30d"' in table
    assert 'href="/analytics/agents/name:Other/?preset=30d"' in table
    assert client.get("/analytics/agents/name:Other/").status_code == 200
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    zh = client.get(url)
    assert zh.status_code == 200 and 'lang="zh-hans"' in zh.content.decode()


def test_customer_page_shows_its_continuity(client, staff_user):
    customer = f.CustomerFactory()
    contract = f.ContractFactory(customer=customer)
    base = timezone.now() - dt.timedelta(days=5)
    for hours, name, rating in ((0, "A", 5), (1, "A", 4), (2, "B", 2), (3, "B", 1)):
        f.TicketFactory(
            contract=contract, agent_name=name, satisfaction=rating, opened_at=base + dt.timedelta(hours=hours)
        )
    client.force_login(staff_user)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="customer-continuity"' in html
    # 3 later tickets, 2 of them with B instead of the first handler A.
    assert 'data-metric="continuity.changed_handler_share" data-value="0.6666666666666666"' in html
    lonely = f.CustomerFactory()
    assert "No ticket of this customer names a handler." in client.get(f"/customers/{lonely.pk}/").content.decode()


def test_the_bundle_carries_continuity():
    customer = f.CustomerFactory()
    f.ContactFactory(customer=customer, contact_priority=1)
    contract = f.ContractFactory(customer=customer)
    for name in ("A", "A", "B"):
        f.TicketFactory(contract=contract, agent_name=name, satisfaction=4)
    with zipfile.ZipFile(io.BytesIO(bundle_zip(priority=1, lang="en"))) as zf:
        assert "continuity.csv" in zf.namelist() and "continuity.csv" in BUNDLE_FILES
        rows = list(csv.reader(io.StringIO(zf.read("continuity.csv").decode("utf-8-sig"))))
        markdown = zf.read("report.md").decode()
    assert rows[0][:5] == [
        "segment",
        "customers",
        "avg_handlers_per_customer",
        "later_tickets",
        "changed_handler_share",
    ]
    overall = rows[-1]
    assert overall[0] == "All customers" and overall[1:4] == ["1", "2.0", "2"] and float(overall[4]) == 0.5
    assert "## Handler continuity" in markdown


def test_trend_periods_the_scope_or_today_cuts_are_marked_partial(client, manager_user):
    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(4):  # the 1st of the month four months back: scopes from it are longer than a quarter, by month
        first = (first - dt.timedelta(days=1)).replace(day=1)
    contract = f.ContractFactory()
    for day in (first, first + dt.timedelta(days=3), today):
        opened = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        f.TicketFactory(contract=contract, agent_name="Wei Li", satisfaction=4, opened_at=opened)
    key = "name:Wei Li"
    whole = agent_profile(Scope(start=first, end=today), key)
    assert whole.period == "month"
    assert [c.partial for c in whole.trend] == [False, today < _month_end(today)]
    cut = agent_profile(Scope(start=first + dt.timedelta(days=1), end=today), key)
    assert [c.partial for c in cut.trend] == [True, today < _month_end(today)]  # the scope starts after the 1st
    past_end = _month_end(first + dt.timedelta(days=100))
    past = agent_profile(Scope(start=first, end=past_end), key)
    assert [c.partial for c in past.trend] == [False]  # a month the scope covers whole, in the past
    client.force_login(manager_user)
    with translation.override("en"):
        url = reverse("analytics:agent-detail", args=[key])
        response = client.get(f"{url}?preset=custom&start={first + dt.timedelta(days=1):%Y-%m-%d}&end={today:%Y-%m-%d}")
    assert response.status_code == 200
    labels = response.context["trend_chart"]["data"]["labels"]
    assert labels[0] == f"{first:%Y-%m} (partial)"


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
