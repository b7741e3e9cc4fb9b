"""The admin actions: a superuser downloads the zip or erases after giving a reason; staff and managers cannot."""

import io
import json
import zipfile

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from satisfaction.crm.models import Contact, Customer
from satisfaction.tests.factories import UserFactory

CONTACTS = "admin:satisfaction_contact_changelist"
CUSTOMERS = "admin:satisfaction_customer_changelist"


def _post(client, url, action, pks, follow=False, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], **extra}
    return client.post(reverse(url), data, follow=follow)


def test_superuser_downloads_the_zip(client, admin_user, world):
    client.force_login(admin_user)
    response = _post(client, CONTACTS, "export_personal_data", [world.contact.pk])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"personal-data-contact-{world.contact.pk}.zip" in response["Content-Disposition"]
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("personal_data.json"))
    assert {row["id"] for row in data["data"]["contact"]} == {world.contact.pk}
    entry = LogEntry.objects.get(additional_data__privacy="export")
    assert (entry.actor, entry.additional_data["via"]) == (admin_user, "admin")


def test_export_of_several_rows_at_once_is_refused_clearly(client, admin_user, world):
    client.force_login(admin_user)
    response = _post(client, CONTACTS, "export_personal_data", [world.contact.pk, world.other_contact.pk], follow=True)
    assert "Select exactly one row" in response.content.decode()


def test_erase_asks_for_a_reason_then_erases(client, admin_user, world):
    client.force_login(admin_user)
    page = _post(client, CUSTOMERS, "erase_personal_data", [world.customer.pk])
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode() and "Zephyr Holdings" in page.content.decode()
    assert Customer.objects.get(pk=world.customer.pk).name == "Zephyr Holdings"  # nothing yet
    # Without a reason the page comes back with the error; still nothing erased.
    again = _post(client, CUSTOMERS, "erase_personal_data", [world.customer.pk], confirm="yes", reason="")
    assert again.status_code == 200 and "This field is required" in again.content.decode()
    assert Customer.objects.get(pk=world.customer.pk).name == "Zephyr Holdings"
    done = _post(client, CUSTOMERS, "erase_personal_data", [world.customer.pk], confirm="yes", reason="Ticket 88")
    assert done.status_code == 302
    assert Customer.objects.get(pk=world.customer.pk).name == f"Erased customer {world.customer.pk}"
    summary = LogEntry.objects.get_for_object(Customer.objects.get(pk=world.customer.pk)).get(
        additional_data__privacy="erasure", changes__isnull=True
    )
    assert (summary.actor, summary.additional_data["reason"]) == (admin_user, "Ticket 88")


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_and_managers_are_refused(client, world, role):
    user = UserFactory(username=f"{role}-admin", role=role, is_staff=True)
    client.force_login(user)
    listing = client.get(reverse(CONTACTS))
    assert listing.status_code == 200  # they may see the list …
    assert "erase_personal_data" not in listing.content.decode()  # … but are not offered the actions
    for action in ("export_personal_data", "erase_personal_data"):
        response = _post(client, CONTACTS, action, [world.contact.pk], confirm="yes", reason="x")
        assert response.get("Content-Type", "").startswith("text/html")
    assert Contact.objects.get(pk=world.contact.pk).name == "Ada Lovelace"
    assert not LogEntry.objects.filter(additional_data__has_key="privacy").exists()
