"""Flat ticket, complaint and feedback files that carry their customer, contract and contact inline (`create`)."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from satisfaction.crm.models import Contact, Contract, Customer, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.imports.mappings import mapping_load
from satisfaction.imports.services import import_file

pytestmark = pytest.mark.django_db

HEADER = "Ticket,Contract,Customer,Customer Name,Grade,Product,Contact Email,Contact Name,Opened,Closed,Rating"
ROWS = [
    "T1,C-1,acme,Acme Ltd,A,Data analysis,ann@acme.example,Ann,22-03-2021 10:00,23-03-2021 10:00,4",
    "T2,C-1,acme,Acme Ltd,A,Data analysis,ann@acme.example,Ann,24-03-2021 09:00,24-03-2021 12:00,2",
    "T3,C-2,beta,Beta Co,B,Warranty claim,bob@beta.example,Bob,02-04-2021 08:30,,",
    "T4,C-3,acme,Acme Ltd,A,Warranty claim,cat@acme.example,Cat,05-04-2021 08:30,06-04-2021 08:30,5",
]
MAPPING = """\
kind: tickets
date_format: "%d-%m-%Y %H:%M"
history: true
on_error: {on_error}
create: [customer, contact, contract, service_type]
columns:
  Ticket: external_id
  Contract: contract
  Customer: customer
  Customer Name: customer.name
  Grade: {{field: customer.tier, values: {{A: strategic, B: key}}}}
  Product: contract.service_type
  Contact Email: [contact, contact.email]
  Contact Name: contact.name
  Opened: opened_at
  Closed: closed_at
  Rating: satisfaction
"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def write(tmp_path, rows, name="tickets.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def mapping_file(tmp_path, on_error="reject"):
    path = tmp_path / "tickets.mapping.yml"
    path.write_text(MAPPING.format(on_error=on_error), encoding="utf-8")
    return path


def test_a_flat_ticket_file_creates_its_customers_contracts_contacts_and_service_types(tmp_path, capsys):
    call_command("import_data", "tickets", str(write(tmp_path, ROWS)), "--mapping-file", str(mapping_file(tmp_path)))
    assert "4 rows read, 4 created" in capsys.readouterr().out

    acme, beta = Customer.objects.get(external_id="acme"), Customer.objects.get(external_id="beta")
    assert (acme.name, acme.tier, beta.name, beta.tier) == ("Acme Ltd", "strategic", "Beta Co", "key")
    warranty = ServiceType.objects.get(code="warranty_claim")
    assert warranty.name_en == warranty.name_zh == "Warranty claim"

    contracts = {c.external_id: c for c in Contract.objects.select_related("customer", "service_type")}
    assert sorted(contracts) == ["C-1", "C-2", "C-3"]
    # Each contract from the first row naming it: its customer, its product, and the day of that row's ticket.
    assert (contracts["C-1"].customer, contracts["C-1"].service_type.code) == (acme, "data_analysis")
    assert contracts["C-1"].start_date == dt.date(2021, 3, 22)
    assert (contracts["C-3"].customer, contracts["C-3"].service_type) == (acme, warranty)
    assert contracts["C-3"].start_date == dt.date(2021, 4, 5)

    contacts = {c.external_id: c for c in Contact.objects.all()}
    assert sorted(contacts) == ["ann@acme.example", "bob@beta.example", "cat@acme.example"]
    assert (contacts["ann@acme.example"].name, contacts["ann@acme.example"].email) == ("Ann", "ann@acme.example")
    assert contacts["cat@acme.example"].customer == acme and contacts["bob@beta.example"].customer == beta

    tickets = {t.external_id: t for t in ServiceTicket.objects.select_related("contract")}
    assert tickets["T2"].contract == contracts["C-1"] and tickets["T3"].contract == contracts["C-2"]
    assert tickets["T3"].closed_at is None and tickets["T2"].satisfaction == 2


def test_existing_references_are_used_not_created_again(tmp_path, capsys):
    call_command(
        "import_data", "tickets", str(write(tmp_path, ROWS[:2])), "--mapping-file", str(mapping_file(tmp_path))
    )
    counts = (Customer.objects.count(), Contract.objects.count(), Contact.objects.count(), ServiceType.objects.count())
    # A later export naming the same customer, contract and contact with other details: the stored rows stand.
    later = ["T9,C-1,acme,Renamed,B,Data analysis,ann@acme.example,Annie,25-03-2021 10:00,,"]
    call_command(
        "import_data",
        "tickets",
        str(write(tmp_path, later, "later.csv")),
        "--mapping-file",
        str(mapping_file(tmp_path)),
    )
    assert (
        Customer.objects.count(),
        Contract.objects.count(),
        Contact.objects.count(),
        ServiceType.objects.count(),
    ) == counts
    assert Customer.objects.get(external_id="acme").name == "Acme Ltd"
    assert ServiceTicket.objects.get(external_id="T9").contract.external_id == "C-1"


def test_all_or_nothing_a_bad_contact_rejects_the_file_and_creates_nothing(tmp_path):
    rows = [*ROWS[:3], ""]
    rows[3] = "T4,C-3,acme,Acme Ltd,A,Warranty claim,not-an-address,Cat,05-04-2021 08:30,06-04-2021 08:30,5"
    types = ServiceType.objects.count()
    spec = mapping_load(mapping_file(tmp_path).read_bytes())
    result = import_file(kind="tickets", source=str(write(tmp_path, rows)), mapping=spec)
    assert not result.written
    assert [(e.row, e.column) for e in result.errors] == [(5, "Contact Email")]
    assert "valid email" in result.errors[0].reason
    assert (Customer.objects.count(), Contract.objects.count(), Contact.objects.count()) == (0, 0, 0)
    assert ServiceType.objects.count() == types and ServiceTicket.objects.count() == 0


def test_with_skip_a_contract_that_cannot_be_made_skips_only_its_rows(tmp_path):
    rows = [*ROWS, "T5,C-4,,,,Data analysis,dan@x.example,Dan,07-04-2021 08:30,,"]  # no customer for C-4
    spec = mapping_load(mapping_file(tmp_path, on_error="skip").read_bytes())
    result = import_file(kind="tickets", source=str(write(tmp_path, rows)), mapping=spec)
    assert result.written and result.created == 4
    reported = {(e.row, e.column) for e in result.errors}
    assert (6, "Customer") in reported and (6, "Contract") in reported
    assert not Contract.objects.filter(external_id="C-4").exists()
    assert not ServiceTicket.objects.filter(external_id="T5").exists()
    assert Contract.objects.count() == 3


def test_a_flat_complaint_file_through_the_api(staff, tmp_path, django_capture_on_commit_callbacks):
    text = (
        "Case,Contract,Customer,Since,Product,Filed,Resolved\n"
        "K1,C-7,gamma,01-02-2020,Data analysis,03-02-2021 10:00,04-02-2021 10:00\n"
        "K2,C-7,gamma,01-02-2020,Data analysis,05-02-2021 10:00,\n"
    )
    mapping = (
        "kind: complaints\ndate_format: ['%d-%m-%Y %H:%M', '%d-%m-%Y']\nhistory: true\n"
        "create: [customer, contract, service_type]\n"
        "columns: {Case: external_id, Contract: contract, Customer: contract.customer, Since: contract.start_date,"
        " Product: contract.service_type, Filed: filed_at, Resolved: resolved_at}\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/api/v1/imports/",
            {
                "kind": "complaints",
                "file": SimpleUploadedFile("complaints.csv", text.encode()),
                "mapping_file": SimpleUploadedFile("m.yml", mapping.encode()),
            },
        )
    assert response.status_code == 202, response.content
    job = staff.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (job["status"], job["created_count"], job["error_count"]) == ("succeeded", 2, 0)
    contract = Contract.objects.get(external_id="C-7")
    assert contract.customer.external_id == contract.customer.name == "gamma"
    assert contract.start_date == dt.date(2020, 2, 1)
    assert list(Complaint.objects.values_list("contract__external_id", flat=True)) == ["C-7", "C-7"]


def test_a_flat_feedback_file_creates_the_contact_of_its_customer():
    text = (
        "id,customer,service,score,date,who,email,priority\nR1,delta,data_analysis,4.5,2021-03-01,Eve,eve@d.example,1\n"
    )
    spec = mapping_load(
        "kind: feedback\nhistory: true\ncreate: [customer, contact]\n"
        "columns: {id: external_id, who: contact.name, email: [contact, contact.email],"
        " priority: contact.contact_priority}\n"
    )
    result = import_file(kind="feedback", source=io.BytesIO(text.encode()), filename="f.csv", mapping=spec)
    assert result.written and result.created == 1
    contact = Contact.objects.get(external_id="eve@d.example")
    assert (contact.customer.external_id, contact.name, contact.contact_priority) == ("delta", "Eve", 1)
    assert SatisfactionRecord.objects.get().customer == contact.customer


def test_create_contract_is_refused_for_a_kind_that_cannot_hold_it():
    with pytest.raises(Exception) as caught:
        mapping_load("kind: contacts\ncreate: [contract]\ncolumns: {}\n")
    assert "contacts can create customer" in str(caught.value)
