"""Every invariant lives in the database: each constraint rejects a bad row even with validation bypassed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.models import Contact, Contract
from satisfaction.feedback.models import SatisfactionRecord, SatisfactionTarget
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.improvements.models import ImprovementMeasure, ImprovementTask
from satisfaction.tests import factories as f

NOW = timezone.now()


def _record(score=Decimal("4.0"), **kw):
    return SatisfactionRecord(customer=f.CustomerFactory(), service_type=f.service_type(), score=score, **kw)


def _ticket(**kw):
    return ServiceTicket(contract=f.ContractFactory(), opened_at=NOW, **kw)


def _complaint(**kw):
    return Complaint(contract=f.ContractFactory(), filed_at=NOW, **kw)


BAD_ROWS = {
    "score below 1": lambda: _record(score=Decimal("0.9")),
    "score above 5": lambda: _record(score=Decimal("5.1")),
    "accuracy 0": lambda: _record(accuracy_score=0),
    "accuracy 6": lambda: _record(accuracy_score=6),
    "completeness 6": lambda: _record(completeness_score=6),
    "negative response time": lambda: _record(response_time_hours=-1),
    "ticket satisfaction 6": lambda: _ticket(satisfaction=6),
    "ticket satisfaction 0": lambda: _ticket(satisfaction=0),
    "ticket negative hours": lambda: _ticket(handling_hours=-0.5),
    "ticket closed before opened": lambda: _ticket(closed_at=NOW - dt.timedelta(hours=1)),
    "complaint satisfaction 9": lambda: _complaint(satisfaction=9),
    "complaint negative response hours": lambda: _complaint(response_hours=-2),
    "complaint negative resolution hours": lambda: _complaint(resolution_hours=-2),
    "complaint responded before filed": lambda: _complaint(responded_at=NOW - dt.timedelta(hours=1)),
    "complaint resolved before responded": lambda: _complaint(
        responded_at=NOW + dt.timedelta(hours=5), resolved_at=NOW + dt.timedelta(hours=2)
    ),
    "complaint resolved before filed": lambda: _complaint(resolved_at=NOW - dt.timedelta(hours=2)),
    "contact priority 0": lambda: Contact(customer=f.CustomerFactory(), name="x", contact_priority=0),
    "contact priority 6": lambda: Contact(customer=f.CustomerFactory(), name="x", contact_priority=6),
    "contract ends before start": lambda: Contract(
        customer=f.CustomerFactory(),
        service_type=f.service_type(),
        start_date=dt.date(2026, 5, 1),
        end_date=dt.date(2026, 4, 1),
    ),
    "task progress 101": lambda: ImprovementTask(measure=f.MeasureFactory(), title="t", progress=101),
    "measure target before start": lambda: ImprovementMeasure(
        title="x", category="training", start_date=dt.date(2026, 5, 1), target_date=dt.date(2026, 4, 1)
    ),
    "rate target above 1": lambda: SatisfactionTarget(metric="satisfaction_rate", target_value=1.5),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_database_rejects_bad_row(case):
    obj = BAD_ROWS[case]()
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()  # save() does not call full_clean(): only the database stands in the way


@pytest.mark.django_db
def test_valid_edge_values_are_accepted():
    _record(score=Decimal("5.0"), accuracy_score=5, completeness_score=1, response_time_hours=0).save()
    _record(score=Decimal("1.0")).save()
    _complaint(responded_at=NOW, resolved_at=NOW).save()
    _ticket(closed_at=NOW, satisfaction=1, handling_hours=0).save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "factory",
    [f.CustomerFactory, f.ContactFactory, f.ContractFactory, f.TicketFactory, f.ComplaintFactory, f.RecordFactory],
)
def test_external_id_unique_when_given(factory):
    factory(external_id=None)
    factory(external_id=None)  # many rows without an external id are fine
    factory(external_id="X-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(external_id="X-1")


@pytest.mark.django_db
def test_one_unresolved_alert_per_dedupe_key():
    SatisfactionAlert.objects.create(kind="low_score", dedupe_key="k", status="resolved")
    SatisfactionAlert.objects.create(kind="low_score", dedupe_key="k", status="resolved")  # history is fine
    SatisfactionAlert.objects.create(kind="low_score", dedupe_key="k", status="open")
    with pytest.raises(IntegrityError), transaction.atomic():
        SatisfactionAlert.objects.create(kind="low_score", dedupe_key="k", status="acknowledged")


@pytest.mark.django_db
def test_one_active_watchlist_entry_per_customer():
    customer = f.CustomerFactory()
    WatchlistEntry.objects.create(customer=customer, removed_at=NOW)
    WatchlistEntry.objects.create(customer=customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        WatchlistEntry.objects.create(customer=customer)
