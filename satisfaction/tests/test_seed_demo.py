"""Demo data: shaped like the study, deterministic, and never mixed into existing data."""

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from scipy import stats

from satisfaction.crm.models import Customer, segment_customer_ids
from satisfaction.demo import seed_demo
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import ServiceTicket


@pytest.fixture
def seeded(db):
    return seed_demo(seed=42, create_users=False)


@pytest.mark.django_db
def test_default_scale_has_the_study_shape(seeded):
    assert Customer.objects.count() == 527
    assert Customer.objects.in_segment(1).count() == 105

    p1 = set(segment_customer_ids(1).values_list("customer", flat=True))
    tickets = pd.DataFrame(ServiceTicket.objects.values("contract__customer_id", "follow_up", "satisfaction"))
    tickets["p1"] = tickets["contract__customer_id"].isin(p1)
    follow = tickets.groupby("p1")["follow_up"].agg(["sum", "count"])
    assert (
        follow.loc[True, "sum"] / follow.loc[True, "count"]
        > follow.loc[False, "sum"] / follow.loc[False, "count"] + 0.1
    )
    # The follow-up gap is statistically clear (chi-square on the 2×2 table, computed independently).
    table = [[follow.loc[g, "sum"], follow.loc[g, "count"] - follow.loc[g, "sum"]] for g in (True, False)]
    assert stats.chi2_contingency(table)[1] < 0.05
    sat = tickets.dropna(subset=["satisfaction"]).groupby("p1")["satisfaction"].mean()
    assert sat[True] < sat[False] - 0.3

    records = pd.DataFrame(SatisfactionRecord.objects.values("service_type__code", "score"))
    records["satisfied"] = records["score"].astype(float) >= 4
    rate = records.groupby("service_type__code")["satisfied"].mean()
    assert rate.idxmin() == "legal_consultation"
    assert rate.max() - rate.min() > 0.08
    months = SatisfactionRecord.objects.dates("created_at", "month")
    assert len(months) >= 12


@pytest.mark.django_db
def test_same_seed_gives_same_data(seeded):
    first = list(SatisfactionRecord.objects.order_by("external_id").values_list("external_id", "score")[:500])
    seed_demo(seed=42, reset=True, create_users=False)
    again = list(SatisfactionRecord.objects.order_by("external_id").values_list("external_id", "score")[:500])
    assert first == again
    seed_demo(seed=43, reset=True, create_users=False)
    other = list(SatisfactionRecord.objects.order_by("external_id").values_list("external_id", "score")[:500])
    assert other != first


@pytest.mark.django_db
def test_refuses_a_non_empty_database_and_changes_nothing(seeded):
    before = (Customer.objects.count(), SatisfactionRecord.objects.count())
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo")
    assert (Customer.objects.count(), SatisfactionRecord.objects.count()) == before


@pytest.mark.django_db
def test_demo_users_have_roles():
    report = seed_demo(seed=1, create_users=True)
    assert set(report.users) == {"admin", "manager", "staff"}
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["admin"].is_superuser
    assert users["manager"].groups.filter(name="manager").exists()
    assert users["staff"].groups.filter(name="staff").exists()
    assert users["staff"].check_password(report.users["staff"])


@pytest.mark.django_db
def test_nothing_is_stamped_after_the_clock(monkeypatch):
    """Seeded early in the morning, no record, ticket or complaint is dated later than now."""
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from satisfaction.helpdesk.models import Complaint

    early = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8, 30)))
    monkeypatch.setattr(timezone, "now", lambda: early)
    seed_demo(seed=7, create_users=False)
    latest = [
        SatisfactionRecord.objects.aggregate(m=Max("created_at"))["m"],
        *ServiceTicket.objects.aggregate(Max("opened_at"), Max("closed_at")).values(),
        *Complaint.objects.aggregate(Max("filed_at"), Max("responded_at"), Max("resolved_at")).values(),
    ]
    assert all(moment is not None and moment <= early for moment in latest), latest
    # Still a year of data up to yesterday or today: the clamp moved only what lay ahead.
    assert SatisfactionRecord.objects.filter(created_at__gte=early - dt.timedelta(days=2)).exists()
