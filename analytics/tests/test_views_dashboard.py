"""Dashboard, drill-down, exports, report and path pages, checked against independent computations."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from analytics.lib.metrics import local_today
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def _at(days_ago: int):
    return timezone.now() - dt.timedelta(days=days_ago)


@pytest.fixture
def records(service_types):
    p1 = f.CustomerFactory(name="P1 Corp")
    f.ContactFactory(customer=p1, contact_priority=1)
    other = f.CustomerFactory(name="=HYPERLINK(evil)")
    f.ContactFactory(customer=other, contact_priority=3)
    data = [  # (customer, service, score, days ago)
        (p1, "legal_consultation", "2.0", 2), (p1, "legal_consultation", "4.5", 3), (other, "data_analysis", "5.0", 1),
        (other, "data_analysis", "3.5", 5), (other, "document_review", "4.0", 10), (other, "data_analysis", "1.0", 40),
        (p1, "data_analysis", "4.8", 45),
    ]  # fmt: skip
    for customer, code, score, days in data:
        f.RecordFactory(customer=customer, service_type=service_types[code], score=Decimal(score), created_at=_at(days))
    from analytics.lib.snapshots import rebuild_all

    rebuild_all()
    return data


def test_dashboard_numbers_match_an_independent_count(client, manager_user, records):
    client.force_login(manager_user)
    response = client.get(reverse("analytics:dashboard"), {"preset": "30d"})
    assert response.status_code == 200
    cards = {c["key"]: c for c in response.context["kpis"]["cards"]}
    since = local_today() - dt.timedelta(days=29)
    in_scope = [float(s) for _, _, s, d in records if (timezone.localdate(_at(d))) >= since]
    assert cards["count"]["value"] == len(in_scope) == 5
    assert cards["avg_score"]["value"] == pytest.approx(sum(in_scope) / len(in_scope))
    assert cards["satisfaction_rate"]["value"] == round(100 * sum(s >= 4 for s in in_scope) / len(in_scope), 1)
    assert cards["dissatisfaction_rate"]["value"] == round(100 * sum(s < 3 for s in in_scope) / len(in_scope), 1)
    # the previous 30 days hold 2 records: the change is 5 - 2
    assert cards["count"]["delta"] == 3
    html = response.content.decode()
    for marker in ('data-chart="chart-trend"', 'data-chart="chart-services"', 'data-chart="chart-distribution"'):
        assert marker in html


def test_filters_change_the_scope_and_htmx_gets_the_body_only(client, manager_user, records):
    client.force_login(manager_user)
    url = reverse("analytics:dashboard")
    legal = client.get(url, {"preset": "30d", "service_type": "legal_consultation"})
    assert {c["key"]: c["value"] for c in legal.context["kpis"]["cards"]}["count"] == 2
    seg = client.get(url, {"preset": "90d", "segment": "1"})
    assert {c["key"]: c["value"] for c in seg.context["kpis"]["cards"]}["count"] == 3
    partial = client.get(url, {"preset": "7d"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and 'data-testid="kpi-cards"' in partial.content.decode()
    bad = client.get(url, {"preset": "custom", "start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 200 and "The start date is after the end date." in bad.content.decode()


def _table(response) -> list[list[str]]:
    """The table of a CSV export: after the "about" rows (period, filters, when) and their blank line."""
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return rows[rows.index([]) + 1 :]


def test_drilldown_lists_the_records_behind_a_kpi_and_exports_them_safely(client, manager_user, records):
    client.force_login(manager_user)
    dashboard = client.get(reverse("analytics:dashboard"), {"preset": "30d"})
    dissatisfied_url = {c["key"]: c["url"] for c in dashboard.context["kpis"]["cards"]}["dissatisfaction_rate"]
    listing = client.get(dissatisfied_url)
    scores = [r.score for r in listing.context["page"].object_list]
    assert scores == [Decimal("2.0")]
    export = client.get(dissatisfied_url + "&format=csv")
    rows = _table(export)
    assert rows[0][:5] == ["created_at", "customer", "customer_external_id", "service_type", "score"]
    assert rows[1][1] == "P1 Corp" and rows[1][4] == "2.0"
    everything = client.get(reverse("analytics:records") + "?preset=30d&format=xlsx")
    sheet = load_workbook(io.BytesIO(everything.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(evil)" in names and "=HYPERLINK(evil)" not in names


def test_self_rated_records_are_left_out_unless_asked_for(
    client, manager_user, records, staff_user, django_capture_on_commit_callbacks
):
    ticket = f.TicketFactory(
        agent=staff_user, contract=f.ContractFactory(customer=SatisfactionRecord.objects.first().customer)
    )
    from satisfaction.feedback.services import record_satisfaction

    with django_capture_on_commit_callbacks(execute=True):  # the snapshot refresh runs on commit
        record, _ = record_satisfaction(customer=ticket.contract.customer, service_type="data_analysis", score=5,
                                    ticket=ticket, recorded_by=staff_user)  # fmt: skip
    assert record.self_rated
    client.force_login(manager_user)
    url = reverse("analytics:dashboard")
    default = client.get(url, {"preset": "30d"})
    assert {c["key"]: c["value"] for c in default.context["kpis"]["cards"]}["count"] == 5
    assert default.context["responses"]["self_rated_excluded"] == 1
    assert "1 self-rated record left out of the KPIs." in default.content.decode()
    included = client.get(url, {"preset": "30d", "self_rated": "on"})
    assert {c["key"]: c["value"] for c in included.context["kpis"]["cards"]}["count"] == 6


def test_kpi_export_matches_the_dashboard(client, manager_user, records):
    client.force_login(manager_user)
    response = client.get(reverse("analytics:kpi-export"), {"preset": "30d", "format": "csv"})
    rows = {r[0]: r for r in _table(response)}
    assert rows["overall"][1] == "5"
    assert float(rows["overall"][3]) == pytest.approx(3 / 5)
    assert rows["service_type:legal_consultation"][1] == "2"
    assert rows["segment:1"][1] == "2"


def test_dashboard_query_count_is_bounded(client, manager_user, records, django_assert_max_num_queries):
    client.force_login(manager_user)
    client.get(reverse("analytics:dashboard"))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(30):
        client.get(reverse("analytics:dashboard"), {"preset": "90d"})
    for name in ("trend", "drivers", "kpis"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse("analytics:widget", args=[name]), HTTP_HX_REQUEST="true").status_code == 200


def test_report_and_path_pages_render(client, manager_user, records):
    f.TicketFactory(contract=f.ContractFactory(customer=SatisfactionRecord.objects.first().customer), follow_up=True)
    client.force_login(manager_user)
    report = client.get(reverse("analytics:report"), {"segment": 1})
    assert report.status_code == 200 and report.context["priority"] == 1
    assert 'data-testid="ticket-metrics"' in report.content.decode()
    path = client.get(reverse("analytics:path"))
    assert path.status_code == 200 and path.context["path"].target == 0.95


def test_report_bundle_downloads_as_a_zip(client, manager_user, records):
    import zipfile

    client.force_login(manager_user)
    response = client.get(reverse("analytics:report-bundle"), {"segment": 1})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert {"tickets_metrics.csv", "complaints_raw.csv", "report.md", "report.json", "sat_distribution.png"} <= names
