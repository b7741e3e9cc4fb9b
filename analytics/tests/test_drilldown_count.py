"""The drill-down's pager: its total is the tile's number (no COUNT over the records), page by page the same rows."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.lib import snapshots
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.tests.factories import ContactFactory, CustomerFactory, RecordFactory

BANDS = {
    "": lambda s: True,
    "satisfied": lambda s: s >= 4,
    "high": lambda s: s >= 4.5,
    "dissatisfied": lambda s: s < 3,
    "neutral": lambda s: 3 <= s < 4,
    "satisfied_low": lambda s: 4 <= s < 4.5,
}


@pytest.fixture
def records(service_types):
    rng = random.Random(3)
    p1, other = CustomerFactory(), CustomerFactory()
    ContactFactory(customer=p1, contact_priority=1)
    ContactFactory(customer=other, contact_priority=4)
    now = timezone.now()
    made = []
    for _ in range(130):
        customer, ago = rng.choice([p1, other]), dt.timedelta(days=rng.randrange(25), minutes=rng.randrange(600))
        score = Decimal(rng.choice(["1.0", "2.9", "3.0", "3.9", "4.0", "4.4", "4.5", "5.0"]))
        made.append(
            RecordFactory(customer=customer, service_type=service_types[rng.choice(sorted(service_types))],
                          score=score, created_at=now - ago,
                          self_rated=rng.random() < 0.1)
        )  # fmt: skip
    snapshots.rebuild_all()
    return {"p1": p1, "records": made}


@pytest.mark.parametrize("band", list(BANDS))
@pytest.mark.parametrize("segment", [None, 1])
def test_pager_total_equals_a_count_of_the_records_and_the_pages_hold_them_all(
    client, manager_user, records, band, segment
):
    client.force_login(manager_user)
    params = {"preset": "30d", "band": band} | ({"segment": segment} if segment else {})
    expected = [
        r for r in records["records"]
        if BANDS[band](float(r.score)) and not r.self_rated and (segment is None or r.customer_id == records["p1"].pk)
    ]  # fmt: skip
    first = client.get(reverse("analytics:records"), params)
    page = first.context["page"]
    assert page.paginator.count == len(expected)
    seen = [r.pk for r in page.object_list]
    for number in range(2, page.paginator.num_pages + 1):
        seen += [r.pk for r in client.get(reverse("analytics:records"), params | {"page": number}).context["page"]]
    assert sorted(seen) == sorted(r.pk for r in expected)
    assert len(seen) == len(set(seen))


def test_the_page_does_not_count_the_records(client, manager_user, records):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("analytics:records"), {"preset": "30d", "band": "dissatisfied"})
    assert response.status_code == 200
    table = SatisfactionRecord._meta.db_table
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and table in q["sql"]]
    assert counts == []
