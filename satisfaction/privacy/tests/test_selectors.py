"""What the export holds: every row linked to the person, and nobody else's."""

import io
import json
import zipfile

import pytest

from satisfaction.privacy.archive import export_zip
from satisfaction.privacy.selectors import Subject, personal_data, subject_of


def _zip(subject):
    archive = zipfile.ZipFile(io.BytesIO(export_zip(subject)))
    data = json.loads(archive.read("personal_data.json"))
    return archive, data


def _pks(rows, model_name):
    key = "record_id" if model_name == "textanalysis" else "id"
    return {row[key] for row in rows}


@pytest.mark.parametrize("kind", ["contact", "customer"])
def test_the_export_contains_every_linked_row_and_no_other(world, kind):
    subject = Subject(kind, world.contact.pk if kind == "contact" else world.customer.pk)
    expected = world.contact_rows if kind == "contact" else world.customer_rows
    archive, data = _zip(subject)
    found = {name: _pks(rows, name) for name, rows in data["data"].items() if rows}
    assert found == expected
    assert data["manifest"]["subject"] == {"kind": kind, "id": subject.pk}
    assert data["manifest"]["counts"]["satisfactionrecord"] == len(expected["satisfactionrecord"])
    # One CSV per kind of row, a header and one line per row.
    for name, rows in data["data"].items():
        lines = archive.read(f"{name}.csv").decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 1 + len(rows), name


def test_the_contact_export_carries_the_text_held(world):
    _archive, data = _zip(Subject("contact", world.contact.pk))
    text = json.dumps(data, ensure_ascii=False)
    for value in ("Ada Lovelace", "ada.lovelace@zephyr.example", "the report was late", "Rang Ada", "happy now"):
        assert value in text
    # The other contact's answer is not hers.
    assert "Grace says fine overall" not in text


def test_csv_cells_are_neutralised(world):
    from satisfaction.crm.services import contact_update

    contact_update(contact=world.contact, data={"phone": "=HYPERLINK(1)"})
    archive, _data = _zip(Subject("contact", world.contact.pk))
    assert "'=HYPERLINK(1)" in archive.read("contact.csv").decode("utf-8-sig")


def test_unknown_subject_and_ambiguous_names_are_refused(db):
    with pytest.raises(LookupError, match="no contact with id 999"):
        personal_data(Subject("contact", 999))
    with pytest.raises(ValueError):
        subject_of(contact=1, customer=2)
    with pytest.raises(ValueError):
        subject_of()
