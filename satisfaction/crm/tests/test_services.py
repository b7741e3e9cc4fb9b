"""Contact writes move the customer's records to its new segment in the snapshots, through every write path.

After each change the snapshot table must equal a full rebuild; edits that cannot change a segment queue nothing.
"""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics import tasks as snapshot_tasks
from analytics.lib import snapshots
from analytics.models import NO_SEGMENT, DailySatisfactionStat
from satisfaction.crm.models import Contact
from satisfaction.imports.services import import_file
from satisfaction.tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
CONTACTS_URL = "/api/v1/contacts/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def recomputed(monkeypatch):
    """The customer ids whose snapshots were recomputed, in order (the real recompute still runs)."""
    calls = []
    real = snapshots.recompute_customer

    def spy(*, customer_id):
        calls.append(customer_id)
        return real(customer_id=customer_id)

    monkeypatch.setattr(snapshots, "recompute_customer", spy)
    return calls


@pytest.fixture
def world(db, service_types):
    """Two customers with records on several days; Acme is segment 2, Bolt segment 4; snapshots up to date."""
    acme = f.CustomerFactory(name="Acme", external_id="ACME")
    bolt = f.CustomerFactory(name="Bolt", external_id="BOLT")
    acme_contact = f.ContactFactory(customer=acme, contact_priority=2, external_id="C-ACME", phone="111")
    bolt_contact = f.ContactFactory(customer=bolt, contact_priority=4, external_id="C-BOLT")
    for customer, scores in ((acme, ("4.5", "2.0", "3.5")), (bolt, ("5.0", "4.0"))):
        for day, score in enumerate(scores, start=1):
            for code in ("data_analysis", "legal_consultation"):
                f.RecordFactory(
                    customer=customer,
                    service_type=service_types[code],
                    score=Decimal(score),
                    created_at=dt.datetime(2025, 3, day, 10, tzinfo=TZ),
                )
    snapshots.rebuild_all()
    return {"acme": acme, "bolt": bolt, "acme_contact": acme_contact, "bolt_contact": bolt_contact}


def table():
    """The whole snapshot table, comparable."""
    return sorted(
        DailySatisfactionStat.objects.values_list(
            "date",
            "service_type_id",
            "segment_priority",
            "self_rated",
            "count",
            "score_sum",
            "score_sq_sum",
            "satisfied",
            "high_satisfied",
            "dissatisfied",
        )
    )


def records_in_segment(priority: int) -> int:
    return sum(DailySatisfactionStat.objects.filter(segment_priority=priority).values_list("count", flat=True))


def assert_equals_full_rebuild():
    after_hook = table()
    snapshots.rebuild_all()
    assert after_hook == table()


# --- REST API ------------------------------------------------------------------------------------------------


def test_api_priority_change_moves_the_customer(world, manager, recomputed, django_capture_on_commit_callbacks):
    contact = world["acme_contact"]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(f"{CONTACTS_URL}{contact.pk}/", {"contact_priority": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["contact_priority"] == 1
    assert recomputed == [world["acme"].pk]
    assert (records_in_segment(1), records_in_segment(2), records_in_segment(4)) == (6, 0, 4)
    assert_equals_full_rebuild()


def test_api_new_contact_moves_the_customer(world, manager, recomputed, django_capture_on_commit_callbacks):
    body = {"customer": world["bolt"].pk, "name": "New boss", "contact_priority": 1, "external_id": " C-NEW "}
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(CONTACTS_URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert Contact.objects.get(pk=response.json()["id"]).external_id == "C-NEW"
    assert recomputed == [world["bolt"].pk]
    assert (records_in_segment(1), records_in_segment(2), records_in_segment(4)) == (4, 6, 0)
    assert_equals_full_rebuild()


def test_api_moving_a_contact_recomputes_old_and_new_customer(
    world, manager, recomputed, django_capture_on_commit_callbacks
):
    contact = world["acme_contact"]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(f"{CONTACTS_URL}{contact.pk}/", {"customer": world["bolt"].pk}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(recomputed) == sorted([world["acme"].pk, world["bolt"].pk])
    # Acme lost its only contact (no segment); Bolt now has a priority-2 contact.
    assert (records_in_segment(NO_SEGMENT), records_in_segment(2), records_in_segment(4)) == (6, 4, 0)
    assert_equals_full_rebuild()


def test_api_unrelated_edits_queue_no_recompute(world, manager, recomputed, django_capture_on_commit_callbacks):
    contact = world["acme_contact"]
    url = f"{CONTACTS_URL}{contact.pk}/"
    replace = {
        "customer": world["acme"].pk, "name": "Renamed", "contact_priority": 2, "email": "new@example.com",
        "phone": "222", "language": "en", "external_id": "C-ACME",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert manager.patch(url, {"phone": "13800000000"}, format="json").status_code == 200
        assert manager.put(url, replace, format="json").status_code == 200
    assert callbacks == [] and recomputed == []
    contact.refresh_from_db()
    assert (contact.phone, contact.name, contact.language) == ("222", "Renamed", "en")


def test_api_refuses_a_bad_priority_and_queues_nothing(world, manager, recomputed, django_capture_on_commit_callbacks):
    contact = world["acme_contact"]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(f"{CONTACTS_URL}{contact.pk}/", {"contact_priority": 9}, format="json")
    assert response.status_code == 400 and "contact_priority" in response.json()
    assert recomputed == []


def test_a_failing_subscriber_is_logged_and_the_write_stands(
    world, manager, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(snapshot_tasks.recompute_customer_snapshots, "delay", broker_down)
    contact = world["acme_contact"]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.patch(f"{CONTACTS_URL}{contact.pk}/", {"contact_priority": 1}, format="json")
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.contact_priority == 1
    assert "periodic jobs will catch up" in caplog.text and "broker unreachable" in caplog.text
    # Stale until the nightly rebuild, which repairs it.
    assert records_in_segment(2) == 6
    snapshots.rebuild_all()
    assert (records_in_segment(1), records_in_segment(2)) == (6, 0)


# --- Django admin ---------------------------------------------------------------------------------------------


def contact_form(contact: Contact, **changes) -> dict:
    data = {
        "external_id": contact.external_id or "", "customer": contact.customer_id, "name": contact.name,
        "contact_priority": contact.contact_priority, "email": contact.email, "phone": contact.phone,
        "language": contact.language,
    }  # fmt: skip
    return {**data, **changes}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_change_form_moves_the_customer(world, admin_client, recomputed, django_capture_on_commit_callbacks):
    contact = world["acme_contact"]
    url = reverse("admin:satisfaction_contact_change", args=[contact.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, contact_form(contact, contact_priority=5))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert recomputed == [world["acme"].pk]
    assert (records_in_segment(2), records_in_segment(5)) == (0, 6)
    assert_equals_full_rebuild()


def test_admin_unrelated_edit_queues_no_recompute(world, admin_client, recomputed, django_capture_on_commit_callbacks):
    contact = world["acme_contact"]
    url = reverse("admin:satisfaction_contact_change", args=[contact.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, contact_form(contact, phone="999", email="other@example.com"))
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert (contact.phone, contact.email) == ("999", "other@example.com")
    assert recomputed == []


def test_admin_add_and_delete(world, admin_client, recomputed, django_capture_on_commit_callbacks):
    bolt = world["bolt"]
    new = Contact(customer=bolt, name="Added in admin", contact_priority=3, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:satisfaction_contact_add"), contact_form(new))
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Contact.objects.get(name="Added in admin")
    assert response.url == reverse("admin:satisfaction_contact_changelist")
    assert recomputed == [bolt.pk] and records_in_segment(3) == 4
    assert_equals_full_rebuild()

    recomputed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:satisfaction_contact_delete", args=[added.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=added.pk).exists()
    assert recomputed == [bolt.pk] and records_in_segment(4) == 4
    assert_equals_full_rebuild()


def test_admin_bulk_delete_recomputes_each_customer_once(
    world, admin_client, recomputed, django_capture_on_commit_callbacks
):
    acme, bolt = world["acme"], world["bolt"]
    extra = f.ContactFactory(customer=acme, contact_priority=1)
    snapshots.rebuild_all()
    chosen = [extra.pk, world["acme_contact"].pk, world["bolt_contact"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:satisfaction_contact_changelist"),
            {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
        )
    assert response.status_code == 302
    assert not Contact.objects.filter(pk__in=chosen).exists()
    assert sorted(recomputed) == sorted([acme.pk, bolt.pk])
    assert records_in_segment(NO_SEGMENT) == 10
    assert_equals_full_rebuild()


def test_customer_admin_contact_inline(world, admin_client, recomputed, django_capture_on_commit_callbacks):
    acme, contact = world["acme"], world["acme_contact"]
    url = reverse("admin:satisfaction_customer_change", args=[acme.pk])

    def form(priority, phone):
        return {
            "name": acme.name, "industry": acme.industry, "tier": acme.tier, "external_id": acme.external_id,
            "created_at_0": "2025-01-01", "created_at_1": "10:00:00",
            "contacts-TOTAL_FORMS": 1, "contacts-INITIAL_FORMS": 1,
            "contacts-0-id": contact.pk, "contacts-0-customer": acme.pk, "contacts-0-name": contact.name,
            "contacts-0-contact_priority": priority, "contacts-0-email": contact.email,
            "contacts-0-phone": phone, "contacts-0-language": contact.language, "contacts-0-external_id": "C-ACME",
            "contracts-TOTAL_FORMS": 0, "contracts-INITIAL_FORMS": 0,
        }  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, form(priority=2, phone="333"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert recomputed == []
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, form(priority=1, phone="333"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert recomputed == [acme.pk] and records_in_segment(1) == 6
    assert_equals_full_rebuild()

    # A contact added in the inline.
    recomputed.clear()
    added = {
        "contacts-TOTAL_FORMS": 2, "contacts-1-customer": acme.pk, "contacts-1-name": "Inline added",
        "contacts-1-contact_priority": 4, "contacts-1-email": "", "contacts-1-phone": "",
        "contacts-1-language": "en", "contacts-1-external_id": "",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {**form(priority=1, phone="333"), **added})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert acme.contacts.get(name="Inline added").external_id is None
    assert recomputed == [acme.pk]
    assert_equals_full_rebuild()


# --- Contacts file import -------------------------------------------------------------------------------------


def csv_bytes(rows):
    return io.BytesIO(("\n".join(",".join(row) for row in rows) + "\n").encode())


def test_contacts_import_recomputes_each_customer_once_after_commit(
    world, recomputed, django_capture_on_commit_callbacks
):
    acme, bolt = world["acme"], world["bolt"]
    rows = [
        ["联系人ID", "客户ID", "姓名", "联系优先级"],
        ["C-ACME", "ACME", "Already there", "1"],  # exists: skipped by an insert-only import, not a change
        ["N1", "BOLT", "王五", "1"],
        ["N2", "BOLT", "赵六", "3"],
        ["N3", "BOLT", "钱七", "2"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(kind="contacts", source=csv_bytes(rows), filename="contacts.csv", update=False)
    assert (result.created, result.skipped, result.error_count) == (3, 1, 0)
    assert recomputed == [bolt.pk]  # one call for Bolt's three new contacts, none for Acme
    assert (records_in_segment(1), records_in_segment(2), records_in_segment(4)) == (4, 6, 0)
    assert_equals_full_rebuild()

    # Re-importing the same file creates nothing and queues nothing.
    recomputed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = import_file(kind="contacts", source=csv_bytes(rows), filename="contacts.csv", update=False)
    assert (again.created, recomputed) == (0, [])
    assert acme.contacts.get().contact_priority == 2


def test_contacts_reimport_updates_a_changed_priority_through_the_service(
    world, recomputed, django_capture_on_commit_callbacks
):
    acme = world["acme"]
    rows = [["联系人ID", "客户ID", "姓名", "联系优先级"], ["C-ACME", "ACME", "Already there", "1"]]
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(kind="contacts", source=csv_bytes(rows), filename="contacts.csv")
    assert (result.created, result.updated, result.error_count) == (0, 1, 0)
    contact = acme.contacts.get()
    assert (contact.name, contact.contact_priority) == ("Already there", 1)
    assert recomputed == [acme.pk]  # contact_update moved Acme's segment, once
    assert_equals_full_rebuild()
