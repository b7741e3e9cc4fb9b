"""The watch list: manual add/remove with history, owners, and the page's read sorted by risk with reasons."""

import pytest
from django.core.exceptions import ValidationError

from satisfaction.alerts.models import CustomerRiskScore, WatchlistEntry
from satisfaction.alerts.selectors import watchlist_history, watchlist_list
from satisfaction.alerts.watchlist import watchlist_add, watchlist_assign_owner, watchlist_remove
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def test_add_records_who_why_and_owner(manager_user):
    customer = f.CustomerFactory()
    owner = f.UserFactory(username="account_lead", role="manager")
    entry = watchlist_add(customer=customer, user=manager_user, note="Renewal at risk", owner=owner)
    assert (entry.reason, entry.added_by, entry.owner, entry.note) == ("manual", manager_user, owner, "Renewal at risk")
    assert entry.is_active


def test_owner_defaults_to_the_manager_who_adds(manager_user):
    entry = watchlist_add(customer=f.CustomerFactory(), user=manager_user, note="")
    assert entry.owner == manager_user


def test_adding_a_watched_customer_is_a_clear_error(manager_user):
    customer = f.CustomerFactory()
    watchlist_add(customer=customer, user=manager_user, note="first")
    with pytest.raises(ValidationError) as exc:
        watchlist_add(customer=customer, user=manager_user, note="second")
    assert "customer" in exc.value.message_dict
    assert WatchlistEntry.objects.filter(customer=customer).count() == 1


def test_remove_keeps_history_and_allows_readding(manager_user):
    customer = f.CustomerFactory()
    entry = watchlist_add(customer=customer, user=manager_user, note="watch")
    with pytest.raises(ValidationError) as exc:
        watchlist_remove(entry=entry, user=manager_user, note="")
    assert "note" in exc.value.message_dict
    removed = watchlist_remove(entry=entry, user=manager_user, note="Issue fixed, customer happy again")
    assert removed.removed_at and removed.removed_by == manager_user and not removed.is_active
    with pytest.raises(ValidationError):
        watchlist_remove(entry=removed, user=manager_user, note="again")
    watchlist_add(customer=customer, user=manager_user, note="back again")
    history = list(watchlist_history(customer_id=customer.pk))
    assert len(history) == 2 and sum(e.is_active for e in history) == 1
    assert [e.removal_note for e in history if not e.is_active] == ["Issue fixed, customer happy again"]


def test_assign_owner(manager_user):
    entry = watchlist_add(customer=f.CustomerFactory(), user=manager_user, note="")
    lead = f.UserFactory(username="lead", role="manager")
    assert watchlist_assign_owner(entry=entry, owner=lead, user=manager_user).owner == lead


def test_watchlist_is_sorted_by_risk_with_reasons(manager_user, django_assert_max_num_queries):
    low, high, unscored = f.CustomerFactory(name="Low"), f.CustomerFactory(name="High"), f.CustomerFactory(name="None")
    reasons = [{"factor": "open_complaints", "points": 30.0, "reason_en": "3 complaint(s) not resolved"}]
    CustomerRiskScore.objects.create(customer=low, score=12.5, reasons=[])
    CustomerRiskScore.objects.create(customer=high, score=64.0, reasons=reasons)
    for customer in (low, unscored, high):
        watchlist_add(customer=customer, user=manager_user, note="")
    gone = watchlist_add(customer=f.CustomerFactory(name="Gone"), user=manager_user, note="")
    watchlist_remove(entry=gone, user=manager_user, note="resolved")
    with django_assert_max_num_queries(1):
        rows = [
            (e.customer.name, e.risk_score, e.risk_reasons, e.open_alert_count, e.owner.username)
            for e in watchlist_list()
        ]
    assert rows == [
        ("High", 64.0, reasons, 0, manager_user.username),
        ("Low", 12.5, [], 0, manager_user.username),
        ("None", 0.0, None, 0, manager_user.username),
    ]
    assert len(watchlist_list(include_removed=True)) == 4


def test_the_watch_list_of_a_service_type_and_a_segment(manager_user, service_types):
    p1, p5 = f.CustomerFactory(name="P1"), f.CustomerFactory(name="P5")
    f.ContactFactory(customer=p1, contact_priority=1)
    f.ContactFactory(customer=p5, contact_priority=5)
    f.ContractFactory(customer=p1, service_type=service_types["legal_consultation"])
    f.ContractFactory(customer=p5, service_type=service_types["data_analysis"])
    for customer in (p1, p5):
        watchlist_add(customer=customer, user=manager_user)
    assert {e.customer for e in watchlist_list()} == {p1, p5}
    assert [e.customer for e in watchlist_list(service_type_code="legal_consultation")] == [p1]
    assert [e.customer for e in watchlist_list(segment_priority=5)] == [p5]
    assert list(watchlist_list(service_type_code="legal_consultation", segment_priority=5)) == []
