"""The two commands: export to a zip, erase with a reason; bad arguments are refused with a clear message."""

import io
import json
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from satisfaction.crm.models import Contact, Customer


def test_export_writes_the_zip(world, tmp_path):
    out = tmp_path / "ada.zip"
    stdout = io.StringIO()
    call_command("export_personal_data", "--contact", str(world.contact.pk), "--out", str(out), stdout=stdout)
    data = json.loads(zipfile.ZipFile(out).read("personal_data.json"))
    assert {row["id"] for row in data["data"]["satisfactionrecord"]} == world.contact_rows["satisfactionrecord"]
    assert str(out) in stdout.getvalue()
    assert LogEntry.objects.filter(additional_data__privacy="export", additional_data__via="command").count() == 1


def test_export_of_a_customer_by_a_named_user(world, tmp_path):
    out = tmp_path / "zephyr.zip"
    call_command(
        "export_personal_data", "--customer", str(world.customer.pk), "--out", str(out),
        "--by", world.manager.username, "--reason", "DSAR 12", stdout=io.StringIO(),
    )  # fmt: skip
    names = set(zipfile.ZipFile(out).namelist())
    assert {"personal_data.json", "customer.csv", "contact.csv", "satisfactionrecord.csv"} <= names
    entry = LogEntry.objects.get(additional_data__privacy="export")
    assert (entry.actor, entry.additional_data["reason"]) == (world.manager, "DSAR 12")


def test_erase_a_contact(world):
    stdout = io.StringIO()
    call_command("erase_personal_data", "--contact", str(world.contact.pk), "--reason", "Request 41", stdout=stdout)
    assert Contact.objects.get(pk=world.contact.pk).email == ""
    assert Contact.objects.get(pk=world.other_contact.pk).email == "grace@zephyr.example"
    assert "Erased the personal data of contact" in stdout.getvalue()


def test_erase_a_customer(world):
    call_command("erase_personal_data", "--customer", str(world.customer.pk), "--reason", "Ended", stdout=io.StringIO())
    assert Customer.objects.get(pk=world.customer.pk).name.startswith("Erased customer")
    assert not Contact.objects.filter(customer=world.customer).exclude(email="").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["erase_personal_data", "--contact", "999", "--reason", "x"], "no contact with id 999"),
        (["erase_personal_data", "--contact", "{contact}", "--reason", " "], "reason"),
        (["erase_personal_data", "--contact", "{contact}", "--reason", "x", "--by", "nobody"], "no user named"),
        (["export_personal_data", "--customer", "{customer}", "--out", "/tmp/x.txt"], ".zip"),
        (["export_personal_data", "--customer", "{customer}", "--out", "/no/such/dir/x.zip"], "does not exist"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_changes(world, args, message):
    args = [a.format(contact=world.contact.pk, customer=world.customer.pk) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command(*args, stdout=io.StringIO())
    assert Contact.objects.get(pk=world.contact.pk).name == "Ada Lovelace"


def test_contact_and_customer_together_are_refused(world):
    with pytest.raises(CommandError):
        call_command(
            "erase_personal_data", "--contact", str(world.contact.pk), "--customer", str(world.customer.pk),
            "--reason", "x",
        )  # fmt: skip
