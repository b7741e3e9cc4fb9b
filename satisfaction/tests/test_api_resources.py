"""REST resources: create/update through validation, filters checked against a hand computation, no N+1."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from satisfaction.alerts.models import WatchlistEntry
from satisfaction.crm.models import Contract, Customer
from satisfaction.tests import factories as f


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def world(db, service_types):
    """Four customers across segments and service types, with records on known days."""
    now = timezone.now()
    a = f.CustomerFactory(name="Alpha Bank", industry="Finance", external_id="A")
    b = f.CustomerFactory(name="Beta Law", industry="Legal", external_id="B")
    c = f.CustomerFactory(name="Gamma Retail", industry="Retail", external_id="C")
    d = f.CustomerFactory(name="Delta Data", industry="Finance", external_id="D")  # no contacts: no segment
    for customer, priorities in ((a, [1, 3]), (b, [2]), (c, [1])):
        for p in priorities:
            f.ContactFactory(customer=customer, contact_priority=p)
    f.ContractFactory(customer=a, service_type=service_types["data_analysis"])
    f.ContractFactory(customer=a, service_type=service_types["data_analysis"])
    f.ContractFactory(customer=b, service_type=service_types["legal_consultation"])
    WatchlistEntry.objects.create(customer=b)
    WatchlistEntry.objects.create(customer=c, removed_at=now)  # removed: not on the list any more
    scores = [
        (a, "data_analysis", "4.5", 1),
        (a, "data_analysis", "3.0", 5),
        (b, "legal_consultation", "2.0", 2),
        (c, "document_review", "4.0", 12),
        (d, "data_analysis", "5.0", 40),
    ]
    records = [
        f.RecordFactory(
            customer=customer,
            service_type=service_types[code],
            score=Decimal(score),
            created_at=now - dt.timedelta(days=days_ago),
        )
        for customer, code, score, days_ago in scores
    ]
    return {"customers": {x.external_id: x for x in (a, b, c, d)}, "records": records, "now": now}


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_customer_filters_match_a_hand_computation(manager, world):
    cs = world["customers"]
    url = "/api/v1/customers/"
    # Segment priority = minimum contact priority: A has 1 and 3 → 1; B → 2; C → 1; D none.
    assert _ids(manager.get(url, {"segment_priority": 1})) == {cs["A"].pk, cs["C"].pk}
    assert _ids(manager.get(url, {"segment_priority": 2})) == {cs["B"].pk}
    assert _ids(manager.get(url, {"service_type": "data_analysis"})) == {cs["A"].pk}  # once, despite 2 contracts
    assert manager.get(url, {"service_type": "data_analysis"}).json()["count"] == 1
    assert _ids(manager.get(url, {"on_watchlist": "true"})) == {cs["B"].pk}
    assert _ids(manager.get(url, {"on_watchlist": "false"})) == {cs["A"].pk, cs["C"].pk, cs["D"].pk}
    assert _ids(manager.get(url, {"q": "law"})) == {cs["B"].pk}
    assert _ids(manager.get(url, {"industry": "Finance"})) == {cs["A"].pk, cs["D"].pk}

    rows = {row["external_id"]: row for row in manager.get(url).json()["results"]}
    assert {k: rows[k]["segment_priority"] for k in rows} == {"A": 1, "B": 2, "C": 1, "D": None}
    assert {k: rows[k]["on_watchlist"] for k in rows} == {"A": False, "B": True, "C": False, "D": False}
    assert {k: (rows[k]["contact_count"], rows[k]["record_count"]) for k in rows} == {
        "A": (2, 2),
        "B": (1, 1),
        "C": (1, 1),
        "D": (0, 1),
    }


@pytest.mark.django_db
def test_record_filters_match_a_hand_computation(manager, world):
    records = world["records"]
    url = "/api/v1/records/"
    today = timezone.localdate(world["now"])

    def expect(predicate):
        return {r.pk for r in records if predicate(r)}

    assert _ids(manager.get(url, {"service_type": "data_analysis"})) == expect(
        lambda r: r.service_type.code == "data_analysis"
    )
    assert _ids(manager.get(url, {"segment_priority": 1})) == expect(lambda r: r.customer.external_id in "AC")
    assert _ids(manager.get(url, {"satisfied": "true"})) == expect(lambda r: r.score >= 4)
    assert _ids(manager.get(url, {"satisfied": "false"})) == expect(lambda r: r.score < 4)
    assert _ids(manager.get(url, {"score_max": "3"})) == expect(lambda r: r.score <= 3)
    since = today - dt.timedelta(days=10)
    assert _ids(manager.get(url, {"date_from": since.isoformat()})) == expect(
        lambda r: timezone.localdate(r.created_at) >= since
    )
    until = today - dt.timedelta(days=3)
    assert _ids(manager.get(url, {"date_from": since.isoformat(), "date_to": until.isoformat()})) == expect(
        lambda r: since <= timezone.localdate(r.created_at) <= until
    )
    assert _ids(manager.get(url, {"on_watchlist": "true"})) == expect(lambda r: r.customer.external_id == "B")

    ordered = manager.get(url, {"ordering": "score"}).json()["results"]
    assert [row["score"] for row in ordered] == sorted(float(r.score) for r in records)
    page = manager.get(url, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["previous"] and page["next"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/customers/", {"segment_priority": 9}, "segment_priority"),
        ("/api/v1/customers/", {"service_type": "nope"}, "service_type"),
        ("/api/v1/records/", {"date_from": "last week"}, "date_from"),
        ("/api/v1/records/", {"customer": "abc"}, "customer"),
        ("/api/v1/records/", {"score_min": "high"}, "score_min"),
        ("/api/v1/tickets/", {"urgency": "urgent"}, "urgency"),
        ("/api/v1/alerts/", {"status": "closed"}, "status"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(manager, world, url, params, field):
    response = manager.get(url, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_pages_past_the_end_and_unknown_ids_are_404(manager, world):
    assert manager.get("/api/v1/customers/", {"page": 99}).status_code == 404
    assert manager.get("/api/v1/customers/999999/").status_code == 404
    assert manager.get("/api/v1/customers/abc/").status_code == 404


@pytest.mark.django_db
def test_customer_create_and_update_validate_like_the_model(manager, world):
    created = manager.post(
        "/api/v1/customers/", {"name": "Epsilon", "tier": "strategic", "external_id": "E"}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["segment_priority"] is None and body["record_count"] == 0
    assert Customer.objects.get(external_id="E").tier == "strategic"

    duplicate = manager.post("/api/v1/customers/", {"name": "Again", "external_id": "E"}, format="json")
    assert duplicate.status_code == 400 and "external_id" in duplicate.json()
    bad = manager.post("/api/v1/customers/", {"name": "", "tier": "gold"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"name", "tier"}

    changed = manager.patch(f"/api/v1/customers/{body['id']}/", {"industry": "Energy"}, format="json")
    assert changed.status_code == 200 and changed.json()["industry"] == "Energy"
    assert Customer.objects.get(pk=body["id"]).industry == "Energy"
    # Keeping its own external_id on update is not a duplicate.
    same = manager.put(f"/api/v1/customers/{body['id']}/", {"name": "Epsilon", "external_id": "E"}, format="json")
    assert same.status_code == 200


@pytest.mark.django_db
def test_contract_ticket_and_complaint_writes_name_the_bad_field(manager, world):
    a = world["customers"]["A"]
    contract = manager.post(
        "/api/v1/contracts/",
        {"customer": a.pk, "service_type": "legal_consultation", "start_date": "2026-01-01", "value": "100.50"},
        format="json",
    )
    assert contract.status_code == 201 and contract.json()["service_type"] == "legal_consultation"
    contract_id = contract.json()["id"]
    backwards = manager.patch(f"/api/v1/contracts/{contract_id}/", {"end_date": "2025-12-31"}, format="json")
    assert backwards.status_code == 400 and list(backwards.json()) == ["end_date"]
    negative = manager.patch(f"/api/v1/contracts/{contract_id}/", {"value": "-1"}, format="json")
    assert negative.status_code == 400 and list(negative.json()) == ["value"]
    assert Contract.objects.get(pk=contract_id).end_date is None

    ticket = {"contract": contract_id, "opened_at": "2026-11-01T09:00:00+08:00", "urgency": "high"}
    made = manager.post("/api/v1/tickets/", ticket, format="json")
    assert made.status_code == 201
    assert made.json()["customer"] == a.pk and made.json()["segment_priority"] == 1
    bad = manager.post(
        "/api/v1/tickets/",
        {**ticket, "closed_at": "2026-10-01T09:00:00+08:00", "satisfaction": 7, "handling_hours": -2},
        format="json",
    )
    assert bad.status_code == 400 and set(bad.json()) == {"satisfaction", "handling_hours"}
    order = manager.post("/api/v1/tickets/", {**ticket, "closed_at": "2026-10-01T09:00:00+08:00"}, format="json")
    assert order.status_code == 400 and list(order.json()) == ["closed_at"]

    complaint = {
        "contract": contract_id,
        "filed_at": "2026-11-02T09:00:00+08:00",
        "responded_at": "2026-11-02T08:00:00+08:00",
    }
    refused = manager.post("/api/v1/complaints/", complaint, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["responded_at"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/customers/", lambda: f.ContactFactory(customer=f.RecordFactory().customer)),
        ("/api/v1/records/", lambda: f.RecordFactory(recorded_by=f.UserFactory())),
        ("/api/v1/tickets/", lambda: f.ContactFactory(customer=f.TicketFactory().contract.customer)),
        ("/api/v1/complaints/", lambda: f.ComplaintFactory()),
        ("/api/v1/contacts/", lambda: f.ContactFactory()),
        ("/api/v1/contracts/", lambda: f.ContractFactory()),
        ("/api/v1/measures/", lambda: f.MeasureFactory(owner=f.UserFactory(), suggestion=f.SuggestionFactory())),
    ],
)
def test_list_query_count_does_not_grow_with_rows(manager, db, url, make):
    make()
    manager.get(url)  # the role lookup is cached on the user after the first request
    with CaptureQueriesContext(connection) as few:
        assert manager.get(url).status_code == 200
    for _ in range(15):
        make()
    with CaptureQueriesContext(connection) as many:
        response = manager.get(url)
    assert response.json()["count"] >= 16
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
