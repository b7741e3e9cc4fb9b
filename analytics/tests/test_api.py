"""Analytics operations of the API, every number checked against an independent computation (pandas/scipy)."""

import datetime as dt
import math
from decimal import Decimal

import jsonschema
import pandas as pd
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from scipy import stats as sps

from analytics.api import scope_json, to_json
from analytics.lib.snapshots import rebuild_all
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.tests import factories as f

BASE = "/api/v1/enterprise-satisfaction/satisfaction"
# The dashboard API: the page's widgets, the analytics around them and two re-reads of listed rows; a bound that
# does not grow with the data. Text topics add five: the topic list, and totals + per-topic sums for the scope and
# for the period before. The non-response adjustment adds one (invitations by cell).
DASHBOARD_QUERIES = 29


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


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


# --- survey response rates and the page ------------------------------------------------------------------------

# (customer, service, channel, invitations sent, of which answered, days ago): hand-counted below.
INVITATIONS = [
    ("A", "data_analysis", "ticket", 12, 7, 2),
    ("A", "legal_consultation", "campaign", 3, 1, 10),
    ("B", "data_analysis", "complaint", 5, 2, 5),
    ("B", "document_review", "ticket", 4, 4, 20),
]


@pytest.fixture
def invitations(feedback):
    """The invitations of `INVITATIONS`, one answered in the previous period, one never sent, and a self-rated
    record (left out of the KPIs by default)."""
    contacts = {name: feedback[name.lower()].contacts.get() for name in ("A", "B")}
    now = timezone.now()
    for name, code, source, sent, answered, ago in INVITATIONS:
        for i in range(sent):
            sent_at = now - dt.timedelta(days=ago)
            f.SurveyInvitationFactory(
                contact=contacts[name],
                service_type=f.service_type(code),
                source=source,
                sent_at=sent_at,
                answered_at=sent_at + dt.timedelta(hours=2) if i < answered else None,
            )
    old = now - dt.timedelta(days=45)
    f.SurveyInvitationFactory(contact=contacts["A"], sent_at=old, answered_at=old + dt.timedelta(hours=1))
    f.SurveyInvitationFactory(contact=contacts["B"], sent_at=None)
    f.RecordFactory(
        customer=feedback["a"],
        service_type=f.service_type("data_analysis"),
        score=Decimal("5.0"),
        self_rated=True,
        created_at=now - dt.timedelta(days=3),
    )
    rebuild_all()
    return feedback


def _assert_response_rate(row: dict, sent: int, answered: int):
    assert (row["sent"], row["answered"]) == (sent, answered), row["key"]
    assert row["rate"] == pytest.approx(answered / sent, abs=1e-12)
    assert row["non_response_rate"] == pytest.approx(1 - answered / sent, abs=1e-12)
    low, high = wilson(answered, sent)
    assert (row["ci"]["low"], row["ci"]["high"]) == (pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9))
    assert row["ci"]["confidence"] == 0.95
    assert row["enough_data"] is (sent >= 10)


@pytest.mark.django_db
def test_dashboard_response_rates_match_a_hand_count(manager, invitations):
    body = manager.get(f"{BASE}/dashboard").json()
    responses = body["responses"]
    # 24 invitations sent in the last 30 days, 14 answered; the one of 45 days ago and the unsent one do not count.
    _assert_response_rate(responses["overall"][0], 24, 14)
    assert responses["overall"][0]["key"] == "all"
    segment_of = {"A": "1", "B": "3"}
    for name, column in (("by_service_type", 1), ("by_segment", 0), ("by_channel", 2)):
        expected: dict[str, list[int]] = {}
        for row in INVITATIONS:
            key = segment_of[row[0]] if name == "by_segment" else row[column]
            counts = expected.setdefault(key, [0, 0])
            counts[0] += row[3]
            counts[1] += row[4]
        got = {row["key"]: row for row in responses[name]}
        assert set(got) == set(expected), name
        for key, (sent, answered) in expected.items():
            _assert_response_rate(got[key], sent, answered)
    assert {r["key"]: r["sent"] for r in responses["by_channel"]} == {"ticket": 16, "complaint": 5, "campaign": 3}
    assert [r["label_en"] for r in responses["by_segment"]] == ["Priority 1", "Priority 3"]
    chinese = manager.get(f"{BASE}/dashboard", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["responses"]["by_channel"]
    assert {r["key"]: (r["label_en"], r["label_zh"]) for r in chinese}["ticket"] == ("Ticket closed", "工单关闭")
    assert responses["self_rated_excluded"] == 1
    assert body["kpis"]["count"] == len(invitations["df"].query("ago < 30"))

    # The scope filters the invitations as it filters the records.
    body = manager.get(f"{BASE}/dashboard", {"service_type": "data_analysis"}).json()
    _assert_response_rate(body["responses"]["overall"][0], 17, 9)
    assert [r["key"] for r in body["responses"]["by_service_type"]] == ["data_analysis"]
    by_segment = {r["key"]: r for r in body["responses"]["by_segment"]}
    _assert_response_rate(by_segment["1"], 12, 7)
    _assert_response_rate(by_segment["3"], 5, 2)
    body = manager.get(f"{BASE}/dashboard", {"include_self_rated": "true", "segment_priority": 3}).json()
    _assert_response_rate(body["responses"]["overall"][0], 9, 6)
    assert body["responses"]["self_rated_excluded"] == 0


@pytest.fixture
def operations(invitations):
    """An overall target of 80 %, unresolved alerts, watched customers, measures and suggestions, in orders where
    "latest first" and the dashboard's order differ."""
    # The overall target the reference data installs, set off its 95 % default.
    assert SatisfactionTarget.objects.filter(service_type=None).update(target_value=0.8) == 1
    a, b = invitations["a"], invitations["b"]
    now = timezone.now()
    for i, severity in enumerate(["critical", "medium", "high", "medium"]):
        SatisfactionAlert.objects.create(
            kind="low_score", severity=severity, dedupe_key=f"k{i}", customer=a, last_seen_at=now - dt.timedelta(i)
        )
    SatisfactionAlert.objects.create(kind="low_score", severity="critical", dedupe_key="done", status="resolved")
    WatchlistEntry.objects.create(customer=a, since=now - dt.timedelta(days=3))
    WatchlistEntry.objects.create(customer=b, since=now - dt.timedelta(days=1))
    today = timezone.localdate()
    measures = [
        f.MeasureFactory(status=status, target_date=today + dt.timedelta(days=days))
        for status, days in [("in_progress", 30), ("planned", 5), ("done", 1), ("in_progress", 12)]
    ]
    f.TaskFactory(measure=measures[0], status="done")
    f.TaskFactory(measure=measures[0], status="cancelled")
    for priority, impact in [("low", 9.0), ("high", 1.0), ("medium", 4.0), ("high", 3.0)]:
        f.SuggestionFactory(priority=priority, impact_points=impact)
    f.SuggestionFactory(priority="high", impact_points=20.0, status="dismissed")
    return invitations


SAME_SCOPES = [
    ({}, {}),
    (
        {"days": 60, "service_type": "data_analysis", "segment_priority": 1},
        {"preset": "custom", "days": 60, "service_type": "data_analysis", "segment": "1"},
    ),
    ({"include_self_rated": "true", "days": 90}, {"preset": "custom", "days": 90, "self_rated": "on"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("api_params", "page_params"), SAME_SCOPES)
def test_dashboard_api_and_page_show_the_same_figures(
    client, manager_user, manager, operations, api_params, page_params
):
    if "days" in page_params:  # the page takes a custom range as two dates
        today = timezone.localdate()
        start = today - dt.timedelta(days=page_params["days"] - 1)
        page_params = {**{k: v for k, v in page_params.items() if k != "days"}, "start": start, "end": today}
    body = manager.get(f"{BASE}/dashboard", api_params).json()
    client.force_login(manager_user)
    page = client.get(reverse("analytics:dashboard"), page_params)
    assert page.status_code == 200
    ctx = page.context
    assert body["scope"] == scope_json(ctx["scope"])

    comparison = ctx["kpis"]["comparison"]
    # `kpis.adjusted` is the page's own non-response adjustment (one computation for both)
    assert body["kpis"] == {**to_json(comparison.current), "adjusted": to_json(ctx["responses"]["adjusted"])}
    assert body["previous"]["kpis"] == to_json(comparison.previous)
    assert body["change"] == to_json(comparison.change)
    cards = {c["key"]: c["value"] for c in ctx["kpis"]["cards"]}
    assert cards["count"] == body["kpis"]["count"]
    assert cards["satisfaction_rate"] == round(100 * body["kpis"]["satisfaction_rate"], 1)
    assert body["target"] == {k: v for k, v in to_json(ctx["target"]["status"]).items() if k != "kpis"}
    assert body["target"]["target_value"] == 0.8
    assert body["trend"] == {
        "period": "month",
        "points": to_json(ctx["trend"]["points"]),
        "follows_scope": ctx["trend"]["follows_scope"],
        "partial": ctx["trend"]["partial_starts"],
    }
    assert body["by_service_type"] == to_json([row.as_dict() for row in ctx["services"]["rows"]])
    assert body["distribution"] == {key: n for key, _label, n in ctx["distribution"]["bands"]}
    assert body["segment_split"] == to_json(ctx["segment"]["split"])

    card = ctx["responses"]
    assert body["responses"]["overall"] == [to_json(card["result"].as_dict())]
    assert body["responses"]["self_rated_excluded"] == card["self_rated_excluded"]
    sent, answered = card["result"].sent, card["result"].answered
    assert sent > 0 and f"{answered} of {sent} invitations answered" in page.content.decode()

    assert body["alert_counts"] == ctx["alert_counts"]
    assert [a["id"] for a in body["open_alerts"]] == [a.pk for a in ctx["alerts"]]
    # A dashboard filtered on a service type lists the alerts about it: customer a's alerts name no service type
    # and no record, so the data-analysis scope holds none of them (the widget's header says which it shows).
    filtered = "service_type" in api_params
    assert [a["severity"] for a in body["open_alerts"]] == (
        [] if filtered else ["critical", "high", "medium", "medium"]
    )
    assert [w["id"] for w in body["watchlist"]] == [w.pk for w in ctx["watchlist"]]
    assert [m["id"] for m in body["open_measures"]] == [m.pk for m in ctx["measures"]]
    assert [m["status"] for m in body["open_measures"]] == ["planned", "in_progress", "in_progress"]
    assert [s["id"] for s in body["new_suggestions"]] == [s.pk for s in ctx["suggestions"]]
    assert [(s["priority"], s["impact_points"]) for s in body["new_suggestions"]] == [
        ("high", 3.0),
        ("high", 1.0),
        ("medium", 4.0),
    ]


@pytest.mark.django_db
def test_dashboard_lists_serialise_as_their_resources(manager, operations):
    body = manager.get(f"{BASE}/dashboard").json()
    for key, resource in (("open_measures", "measures"), ("watchlist", "watchlist"), ("open_alerts", "alerts")):
        assert body[key], key
        for item in body[key]:
            assert item == manager.get(f"/api/v1/{resource}/{item['id']}/").json(), key
    furthest = body["open_measures"][-1]
    # One done task and one cancelled: cancelled tasks do not count, as on the measures page.
    assert (furthest["task_count"], furthest["open_task_count"], furthest["done_task_count"]) == (1, 0, 1)


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes a union with null."""
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        node = {**node, "type": [node["type"], "null"]} if "type" in node else {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.mark.django_db
def test_dashboard_with_every_widget_filled_matches_its_schema(manager, operations):
    """The schema check in CI sees next to no data; here every list, response rows included, has rows."""
    spec = manager.get("/api/v1/schema/", {"format": "json"}).json()
    operation = spec["paths"]["/api/v1/enterprise-satisfaction/satisfaction/dashboard"]["get"]
    content = operation["responses"]["200"]["content"]["application/json"]
    schema = _json_schema({**content["schema"], "components": spec["components"]})
    for params in ({}, {"service_type": "legal_consultation"}, {"start": "2001-01-01", "end": "2001-01-31"}):
        body = manager.get(f"{BASE}/dashboard", params).json()
        jsonschema.validate(body, schema)
    assert all(body[key] for key in ("open_alerts", "watchlist", "open_measures", "new_suggestions"))
    assert body["responses"]["overall"][0]["sent"] == 0 and body["responses"]["by_channel"] == []
    for example in content["examples"].values():
        jsonschema.validate(example["value"], schema)


@pytest.mark.django_db
def test_dashboard_query_count_is_bounded(manager, operations, django_assert_max_num_queries):
    manager.get(f"{BASE}/dashboard")  # warm caches (content types)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        assert manager.get(f"{BASE}/dashboard", {"days": 90}).status_code == 200


def _strict(node):
    """The JSON Schema with every object closed: a key the schema does not declare fails validation."""
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: (v if k == "properties" else _strict(v)) for k, v in node.items()}
    if "properties" in node:
        node["properties"] = {name: _strict(prop) for name, prop in node["properties"].items()}
        node.setdefault("additionalProperties", False)
    return node


@pytest.mark.django_db
@pytest.mark.parametrize("operation", ["analytics", "dashboard"])
def test_every_field_of_the_answer_is_declared_in_the_schema(manager, operations, operation):
    """No untyped statistic field: z, t, df, p1, diff_ci, cohens_d, per-type avg_score, target.start … are each
    declared, so a generated client reads them as attributes (extra keys would land in a loose dict)."""
    spec = manager.get("/api/v1/schema/", {"format": "json"}).json()
    content = spec["paths"][f"/api/v1/enterprise-satisfaction/satisfaction/{operation}"]["get"]["responses"]["200"]
    schema = _strict(
        _json_schema({**content["content"]["application/json"]["schema"], "components": spec["components"]})
    )
    for name in list(spec["components"]["schemas"]):
        schema["components"]["schemas"][name] = _strict(_json_schema(spec["components"]["schemas"][name]))
    body = manager.get(f"{BASE}/{operation}").json()
    jsonschema.validate(body, schema)
    tests = body["tests"]
    assert {"z", "p1", "diff_ci"} <= set(tests["satisfaction_rate"])
    assert {"t", "df", "cohens_d", "hedges_g"} <= set(tests["avg_score"])
