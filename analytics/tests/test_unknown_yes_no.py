"""Missing is not "no": tickets and complaints that do not say whether they needed a follow-up / were escalated."""

import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone
from statsmodels.stats.proportion import proportions_ztest

from analytics.lib import helpdesk_snapshots
from analytics.quality.comparison import segment_comparison
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.imports.services import import_file
from satisfaction.tests.factories import ContactFactory, ContractFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def _contract(priority: int, external_id: str):
    customer = CustomerFactory()
    ContactFactory(customer=customer, contact_priority=priority)
    return ContractFactory(customer=customer, external_id=external_id)


def _csv(rows) -> io.BytesIO:
    return io.BytesIO(("\n".join(",".join(map(str, r)) for r in rows) + "\n").encode())


def test_tickets_without_a_follow_up_column_read_not_enough_data_never_zero(
    manager_user, client, django_capture_on_commit_callbacks
):
    _contract(1, "K-1")
    _contract(3, "K-3")
    opened = (timezone.localtime() - dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    rows = [["工单ID", "合同ID", "创建时间", "满意度"]]
    rows += [[f"T{i}", "K-1" if i < 159 else "K-3", opened, 4] for i in range(318)]
    with django_capture_on_commit_callbacks(execute=True):  # the pre-aggregates follow once the import commits
        assert import_file(kind="tickets", source=_csv(rows)).written
    assert ServiceTicket.objects.filter(follow_up__isnull=True).count() == 318

    c = segment_comparison(priority=1)
    for key in ("segment", "rest"):
        t = c.tickets[key]
        assert (t.count, t.follow_up_known) == (159, 0)
        assert t.follow_up_rate is None and t.first_contact_resolution_rate is None
    test = c.tests.follow_up_rate
    assert not test.enough_data and test.z is None and test.p_value is None
    assert test.reading_en.startswith("Not enough data")

    client.force_login(manager_user)
    html = client.get(reverse("analytics:report")).content.decode()
    assert "Follow-up known for 0 of 159 tickets in this segment" in html
    assert "z = 0.00" not in html


def test_a_no_in_the_file_is_a_no_and_an_empty_cell_stays_unknown():
    _contract(1, "K-1")
    rows = [["工单ID", "合同ID", "创建时间", "是否二次跟进"], ["T1", "K-1", "2026-01-05 09:00", "否"]]
    rows += [["T2", "K-1", "2026-01-05 09:00", ""], ["T3", "K-1", "2026-01-05 09:00", "是"]]
    assert import_file(kind="tickets", source=_csv(rows)).written
    assert dict(ServiceTicket.objects.values_list("external_id", "follow_up")) == {"T1": False, "T2": None, "T3": True}

    rows = [["投诉ID", "合同ID", "投诉时间"], ["P1", "K-1", "2026-01-05 09:00"]]
    assert import_file(kind="complaints", source=_csv(rows)).written
    assert Complaint.objects.get(external_id="P1").escalated is None


def test_rates_and_tests_are_over_the_known_values_only():
    seg, rest = _contract(1, "K-1"), _contract(3, "K-3")
    opened = timezone.now() - dt.timedelta(days=2)
    # Per group: yes / no / unknown counts. Unknowns must change neither the rate nor the test.
    plan = {"segment": (seg, 9, 11, 30), "rest": (rest, 40, 160, 55)}
    rows = []
    for key, (contract, yes, no, unknown) in plan.items():
        values = [True] * yes + [False] * no + [None] * unknown
        ServiceTicket.objects.bulk_create(
            ServiceTicket(contract=contract, opened_at=opened, follow_up=v, satisfaction=4) for v in values
        )
        Complaint.objects.bulk_create(Complaint(contract=contract, filed_at=opened, escalated=v) for v in values)
        rows += [{"group": key, "value": v} for v in values]
    helpdesk_snapshots.rebuild_all()  # bulk_create sends no signals
    frame = pd.DataFrame(rows)
    expected = frame.groupby("group")["value"].agg(lambda s: s.dropna().astype(float).mean())  # pandas skips None
    known = frame.groupby("group")["value"].count()

    c = segment_comparison(priority=1)
    for key in ("segment", "rest"):
        assert c.tickets[key].follow_up_known == known[key] and c.complaints[key].escalation_known == known[key]
        assert c.tickets[key].follow_up_rate == pytest.approx(expected[key])
        assert c.complaints[key].escalation_rate == pytest.approx(expected[key])
    z, p = proportions_ztest([9, 40], [20, 200])  # pooled, two-sided: the known values only
    for test in (c.tests.follow_up_rate, c.tests.escalation_rate):
        assert (test.n1, test.n2) == (20, 200) and test.enough_data
        assert test.z == pytest.approx(z) and test.p_value == pytest.approx(p)
