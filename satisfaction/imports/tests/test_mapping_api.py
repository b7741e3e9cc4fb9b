"""Saved import mappings through the API: CRUD, the page's validator, who sees which, use by name in an upload."""

from pathlib import Path

import pandas as pd
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from satisfaction.imports.mappings import mapping_load, mapping_of
from satisfaction.imports.models import ImportJob, ImportMapping
from satisfaction.imports.services import import_mapping_save
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "samples"
EXPORT = SAMPLES / "support_tickets.csv"
MAPPING = SAMPLES / "support_tickets.mapping.yml"
URL = "/api/v1/import-mappings/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def same(one, other) -> bool:
    """Two mappings mean the same; PostgreSQL's jsonb keeps no key order, and a mapping's order of columns is moot."""

    def rules(spec):
        return sorted((r.source, r.field, sorted(r.values.items())) for r in spec.rules)

    return rules(one) == rules(other) and (one.kind, one.date_formats, one.on_error, one.history, one.create) == (
        other.kind,
        other.date_formats,
        other.on_error,
        other.history,
        other.create,
    )


def test_create_read_update_and_delete_a_mapping(staff, staff_user):
    created = staff.post(
        URL,
        {
            "name": "Helpdesk",
            "kind": "feedback",
            "on_error": "skip",
            "date_format": ["%d-%m-%Y %H:%M"],
            "columns": {"Ticket ID": "external_id", "Channel": {"field": "channel", "values": {"Email": "survey"}}},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    saved = ImportMapping.objects.get(pk=body["id"])
    assert saved.created_by == staff_user and saved.on_error == "skip" and saved.date_formats == ["%d-%m-%Y %H:%M"]
    assert body["columns"]["Channel"] == {"field": "channel", "values": {"Email": "survey"}}
    # The representation's mapping file reads back as the same mapping.
    assert same(mapping_load(body["mapping_file"]), mapping_of(saved))

    assert staff.get(f"{URL}{saved.pk}/").json()["name"] == "Helpdesk"
    assert [m["name"] for m in staff.get(URL, {"kind": "feedback"}).json()["results"]] == ["Helpdesk"]

    changed = staff.patch(f"{URL}{saved.pk}/", {"name": "Helpdesk 2021", "history": True}, format="json")
    assert changed.status_code == 200, changed.content
    saved.refresh_from_db()
    # A partial change keeps what it does not name.
    assert (saved.name, saved.history, saved.on_error, saved.columns["Ticket ID"]) == (
        "Helpdesk 2021",
        True,
        "skip",
        "external_id",
    )

    replaced = staff.put(
        f"{URL}{saved.pk}/", {"name": "Helpdesk 2021", "kind": "feedback", "definition": MAPPING.read_text()}
    )
    assert replaced.status_code == 200, replaced.content
    saved.refresh_from_db()
    assert same(mapping_of(saved), mapping_load(MAPPING.read_bytes())) and ImportMapping.objects.count() == 1

    assert staff.delete(f"{URL}{saved.pk}/").status_code == 204
    assert not ImportMapping.objects.exists()


def test_errors_are_the_pages_and_name_the_column_and_line(staff, client, staff_user):
    text = "kind: customers\ncolumns:\n  Kunden-Nr: external_id\n  Farbe: colour\n"
    bad = staff.post(URL, {"name": "DE", "kind": "customers", "definition": text}, format="json")
    assert bad.status_code == 400
    api_error = bad.json()["columns"][0]
    assert "line 4" in api_error and "'colour' is not a field of customers" in api_error

    # The page refuses the same mapping file with the same words.
    client.force_login(staff_user)
    page = client.post(reverse("import-mapping-save"), {"name": "DE", "kind": "customers", "definition": text})
    assert page.status_code == 400 and api_error in page.content.decode().replace("&#x27;", "'")

    twice = staff.post(
        URL, {"name": "X", "kind": "customers", "columns": {"Name": "name", "Firma": "name"}}, format="json"
    )
    assert twice.status_code == 400 and "fed by 'Name' already" in twice.json()["columns"][0]
    other_kind = staff.post(
        URL, {"name": "Y", "kind": "tickets", "definition": "kind: feedback\ncolumns: {}\n"}, format="json"
    )
    assert other_kind.status_code == 400 and "not tickets" in str(other_kind.json()["kind"])
    import_mapping_save(name="Taken", kind="feedback", columns={"A": "score"})
    taken = staff.post(URL, {"name": "Taken", "kind": "feedback", "columns": {}}, format="json")
    assert taken.status_code == 400 and "name" in taken.json()
    assert ImportMapping.objects.count() == 1


def test_staff_see_and_change_their_own_mappings_managers_all(staff, staff_user, manager):
    mine = import_mapping_save(name="Mine", kind="feedback", columns={"A": "score"}, created_by=staff_user)
    theirs = import_mapping_save(
        name="Theirs", kind="feedback", columns={"A": "score"}, created_by=f.UserFactory(role="staff")
    )
    assert [m["name"] for m in staff.get(URL).json()["results"]] == ["Mine"]
    assert staff.get(f"{URL}{theirs.pk}/").status_code == 404
    assert staff.patch(f"{URL}{theirs.pk}/", {"history": True}, format="json").status_code == 404
    assert staff.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert sorted(m["name"] for m in manager.get(URL).json()["results"]) == ["Mine", "Theirs"]
    assert manager.patch(f"{URL}{mine.pk}/", {"history": True}, format="json").status_code == 200


def test_an_upload_uses_a_saved_mapping_by_name(staff, django_capture_on_commit_callbacks):
    saved = staff.post(
        URL, {"name": "Helpdesk", "kind": "feedback", "definition": MAPPING.read_text()}, format="json"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/api/v1/imports/",
            {"kind": "feedback", "file": SimpleUploadedFile("export.csv", EXPORT.read_bytes()), "mapping": "Helpdesk"},
        )
    assert response.status_code == 202, response.content
    job = staff.get(f"/api/v1/imports/{response.json()['id']}/").json()
    rated = int(pd.read_csv(EXPORT)["Customer Satisfaction Rating"].notna().sum())
    assert (job["status"], job["mapping"], job["created_count"], job["history"]) == (
        "succeeded",
        "Helpdesk",
        rated,
        True,
    )
    assert job["mapping_spec"]["columns"] == saved["columns"]

    # Deleting the mapping leaves the job its own copy.
    staff.delete(f"{URL}{saved['id']}/")
    assert ImportJob.objects.get().mapping_spec["on_error"] == "skip"


def test_the_mapping_api_is_in_the_schema(manager):
    schema = manager.get("/api/v1/schema/", {"format": "json"}).json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/import-mappings/"])
    assert {"get", "put", "patch", "delete"} <= set(schema["paths"]["/api/v1/import-mappings/{id}/"])
