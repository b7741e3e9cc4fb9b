"""Mapping files: a helpdesk's own flat export imported as it is, as history, through the command, page and API."""

import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.models import Contract, Customer, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import ServiceTicket
from satisfaction.imports import kinds
from satisfaction.imports.mappings import mapping_load, mapping_parse
from satisfaction.imports.models import ImportJob, ImportMapping
from satisfaction.imports.services import import_file, import_mapping_save
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "samples"
EXPORT = SAMPLES / "support_tickets.csv"
MAPPING = SAMPLES / "support_tickets.mapping.yml"
METRIC = re.compile(r'data-metric="([\w.]+)" data-value="([^"]*)"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def csv_bytes(rows):
    return io.BytesIO(("\n".join(",".join(str(c) for c in row) for row in rows) + "\n").encode())


def expected_kpis(path: Path) -> dict[str, float]:
    """The dashboard's KPIs computed independently with pandas on the raw export: rated tickets only."""
    frame = pd.read_csv(path)
    scores = frame["Customer Satisfaction Rating"].dropna()
    return {
        "count": float(len(scores)),
        "avg_score": scores.mean(),
        "satisfaction_rate": (scores >= 4).mean(),
        "high_satisfaction_rate": (scores >= 4.5).mean(),
        "dissatisfaction_rate": (scores < 3).mean(),
    }


def test_the_flat_export_imports_unmodified_as_history(
    manager_user, client, capsys, tmp_path, django_capture_on_commit_callbacks
):
    report = tmp_path / "errors.csv"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_data", "feedback", str(EXPORT), "--mapping-file", str(MAPPING), "--errors", str(report))
    out = capsys.readouterr().out
    raw = pd.read_csv(EXPORT)
    rated = raw["Customer Satisfaction Rating"].notna()
    assert f"{len(raw)} rows read, {rated.sum()} created" in out and f"{(~rated).sum()} row errors (skipped)" in out

    # Every unrated row is reported, by its spreadsheet row number (header = row 1).
    errors = pd.read_csv(report, encoding="utf-8-sig")
    assert sorted(errors["row"]) == sorted(i + 2 for i in raw.index[~rated])
    assert set(errors["column"]) == {"Customer Satisfaction Rating"}

    # Customers and service types came from the rows; channels went through the value map.
    assert Customer.objects.count() == raw["Customer Email"].nunique()
    first = raw.drop_duplicates("Customer Email").iloc[0]
    assert Customer.objects.get(external_id=first["Customer Email"]).name == first["Customer Name"]
    refund = ServiceType.objects.get(code="refund_request")
    assert refund.name_en == refund.name_zh == "Refund request"
    record = SatisfactionRecord.objects.get(external_id=str(raw[rated].iloc[0]["Ticket ID"]))
    channel = {"Email": "survey", "Phone": "form", "Chat": "form", "Social media": "form"}
    assert record.channel == channel[raw[rated].iloc[0]["Ticket Channel"]]
    moment = dt.datetime.strptime(raw[rated].iloc[0]["Time to Resolution"], "%d-%m-%Y %H:%M")
    assert timezone.localtime(record.created_at).replace(tzinfo=None) == moment

    # History: no alert, watch-list entry or e-mail, although some ratings are 1s and 2s.
    assert (raw["Customer Satisfaction Rating"] < 3).any()
    assert SatisfactionAlert.objects.count() == 0 and WatchlistEntry.objects.count() == 0 and mail.outbox == []

    # The dashboard over the export's period shows what pandas computes on the raw file.
    client.force_login(manager_user)
    html = client.get(reverse("analytics:dashboard"), {"preset": "custom", "start": "2021-01-01", "end": "2021-12-31"})
    shown = dict(METRIC.findall(html.content.decode()))
    for metric, value in expected_kpis(EXPORT).items():
        assert float(shown[metric]) == pytest.approx(value), metric


def test_without_history_the_same_export_raises_live_alerts(django_capture_on_commit_callbacks):
    spec = mapping_load(MAPPING.read_text(encoding="utf-8"))
    spec.history = False
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(kind="feedback", source=str(EXPORT), mapping=spec)
    assert result.written and result.created > 0
    assert SatisfactionAlert.objects.filter(kind="low_score").exists()


def test_all_or_nothing_by_default_creates_no_customer_either():
    data = mapping_load(MAPPING.read_text(encoding="utf-8")).to_data()
    data["on_error"] = "reject"
    types = ServiceType.objects.count()  # the reference rows
    result = import_file(kind="feedback", source=str(EXPORT), mapping=mapping_parse(data))
    assert not result.written and result.error_count > 0
    assert (Customer.objects.count(), ServiceType.objects.count(), SatisfactionRecord.objects.count()) == (0, types, 0)


def test_a_dry_run_creates_nothing_even_with_create():
    types = ServiceType.objects.count()
    result = import_file(kind="feedback", source=str(EXPORT), mapping=mapping_load(MAPPING.read_bytes()), dry_run=True)
    assert result.dry_run and not result.written
    assert (Customer.objects.count(), ServiceType.objects.count()) == (0, types)
    assert not ServiceType.objects.filter(code="refund_request").exists()


def test_mapping_errors_name_the_line():
    text = "kind: customers\ncolumns:\n  Kunden-Nr: external_id\n  Farbe: colour\n"
    with pytest.raises(ValidationError) as exc:
        mapping_load(text)
    assert "line 4" in str(exc.value) and "'colour' is not a field of customers" in str(exc.value)

    twice = "kind: customers\ncolumns:\n  Nr: external_id\n  Name: name\n  Firma: name\n"
    with pytest.raises(ValidationError) as exc:
        mapping_load(twice)
    assert "line 5" in str(exc.value) and "fed by 'Name' already" in str(exc.value)

    for bad, key in (
        ("kind: feedback\non_error: ignore\n", "on_error"),
        ("kind: feedback\ndate_format: 12\n", "date_format"),
        ("kind: contacts\ncreate: [contract]\n", "create"),
        ("kind: parcels\n", "kind"),
        ("kind: feedback\ncolums: {}\n", "mapping"),
        ("kind: [unclosed\n", "mapping"),
    ):
        with pytest.raises(ValidationError) as exc:
            mapping_load(bad)
        assert key in exc.value.message_dict, bad


def test_value_maps_fall_back_to_the_built_in_vocabulary_and_name_the_accepted_values():
    spec = mapping_parse({"kind": "customers", "columns": {"Grade": {"field": "tier", "values": {"A": "strategic"}}}})
    rows = [["id", "customer name", "Grade"], ["C1", "Alpha", "A"], ["C2", "Beta", "standard"], ["C3", "Gamma", "Z"]]
    result = import_file(kind="customers", source=csv_bytes(rows), filename="c.csv", mapping=spec)
    assert not result.written
    [error] = result.errors
    assert (error.row, error.column, error.value) == (4, "Grade", "Z") and "strategic" in error.reason

    rows[3][2] = "a"  # value maps match regardless of case, as the built-in vocabularies do
    result = import_file(kind="customers", source=csv_bytes(rows), filename="c.csv", mapping=spec)
    assert result.written
    assert dict(Customer.objects.values_list("external_id", "tier")) == {
        "C1": "strategic",
        "C2": "standard",
        "C3": "strategic",
    }


def test_one_column_feeds_several_fields_and_a_mapping_may_hold_one_line():
    spec = mapping_parse({"kind": "customers", "columns": {"Firma": ["external_id", "name"]}})
    result = import_file(kind="customers", source=csv_bytes([["Firma", "行业"], ["Acme", "金融"]]), mapping=spec)
    assert result.written
    assert Customer.objects.values_list("external_id", "name", "industry").get() == ("Acme", "Acme", "金融")


def test_date_formats_apply_to_date_and_datetime_columns(service_types):
    customer = f.CustomerFactory(external_id="C-1")
    spec = mapping_parse({"kind": "contracts", "date_format": "%d-%m-%Y"})
    rows = [
        ["合同ID", "客户ID", "服务类型", "开始日期", "结束日期"],
        ["K-1", "C-1", "数据分析", "22-03-2021", "2022-03-21"],
    ]
    assert import_file(kind="contracts", source=csv_bytes(rows), mapping=spec).written
    contract = Contract.objects.get(external_id="K-1")
    assert (contract.start_date, contract.end_date) == (dt.date(2021, 3, 22), dt.date(2022, 3, 21))

    without = import_file(kind="contracts", source=csv_bytes([*rows[:1], ["K-2", "C-1", "数据分析", "22-03-2021", ""]]))
    assert not without.written and without.errors[0].column == "开始日期"
    assert customer.pk


def test_history_tickets_closed_long_ago_invite_no_survey(
    monkeypatch, service_types, django_capture_on_commit_callbacks
):
    contract = f.ContractFactory(external_id="K-1")
    announced = []
    monkeypatch.setattr(kinds, "after_cases_closed", lambda **ids: announced.append(ids))
    recent = dt.date.today().isoformat()
    rows = [
        ["工单ID", "合同ID", "创建时间", "关闭时间"],
        ["T-old", contract.external_id, "2021-03-01 09:00", "2021-03-02 09:00"],
        ["T-new", contract.external_id, f"{recent} 08:00", f"{recent} 09:00"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="tickets", source=csv_bytes(rows), history=True).written
    new = ServiceTicket.objects.get(external_id="T-new").pk
    assert announced == [{"ticket_ids": [new], "complaint_ids": []}]

    announced.clear()
    rows = [rows[0], ["T-old-2", contract.external_id, "2021-03-01 09:00", "2021-03-02 09:00"]]
    with django_capture_on_commit_callbacks(execute=True):
        import_file(kind="tickets", source=csv_bytes(rows))
    assert announced and announced[0]["ticket_ids"] == [ServiceTicket.objects.get(external_id="T-old-2").pk]


def test_command_exits_non_zero_when_the_mapping_cannot_be_read(tmp_path):
    broken = tmp_path / "m.yml"
    broken.write_text("kind: feedback\ncolumns:\n  X: nonsense\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_data", "feedback", str(EXPORT), "--mapping-file", str(broken))
    with pytest.raises(CommandError, match="not tickets"):
        call_command("import_data", "tickets", str(EXPORT), "--mapping-file", str(MAPPING))
    assert SatisfactionRecord.objects.count() == 0


def test_save_edit_and_use_a_mapping_file_on_the_page(client, staff_user, django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    text = MAPPING.read_text(encoding="utf-8")
    saved = client.post(reverse("import-mapping-save"), {"name": "Helpdesk", "kind": "feedback", "definition": text})
    assert saved.status_code == 302
    mapping = ImportMapping.objects.get(name="Helpdesk")
    assert (mapping.on_error, mapping.history, mapping.create) == ("skip", True, ["customer", "service_type"])
    assert mapping.columns["Ticket Channel"]["values"]["Email"] == "survey"

    edit = client.get(reverse("import-index"), {"edit": "Helpdesk"}).content.decode()
    assert "date_format" in edit and "Social media: form" in edit

    bad = client.post(reverse("import-mapping-save"), {"name": "Helpdesk", "kind": "feedback", "definition": "x: 1"})
    assert bad.status_code == 400 and "Unknown keys x" in bad.content.decode()

    upload = SimpleUploadedFile("export.csv", EXPORT.read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-index"), {"kind": "feedback", "file": upload, "mapping": mapping.pk})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "succeeded" and job.history
    assert job.created_count == SatisfactionRecord.objects.count() > 0 and job.error_count > 0
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "The valid rows were imported" in page and "Imported as history" in page
    assert SatisfactionAlert.objects.count() == 0


def test_page_upload_with_a_mapping_file_and_the_history_box(client, staff_user, django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    text = MAPPING.read_text(encoding="utf-8").replace("history: true", "history: false")
    form = {
        "kind": "feedback",
        "file": SimpleUploadedFile("export.csv", EXPORT.read_bytes(), content_type="text/csv"),
        "mapping_file": SimpleUploadedFile("m.yml", text.encode(), content_type="application/yaml"),
        "history": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-index"), form)
    job = ImportJob.objects.get()
    assert job.history and job.mapping_spec["create"] == ["customer", "service_type"] and job.status == "succeeded"
    assert SatisfactionAlert.objects.count() == 0

    form["file"].seek(0)
    form["mapping_file"] = SimpleUploadedFile("m.yml", b"kind: feedback\ncolumns: {A: b}\n")
    bad = client.post(reverse("import-index"), form)
    assert bad.status_code == 400 and "is not a field of feedback" in bad.content.decode()


def test_api_upload_with_a_mapping_file(staff, django_capture_on_commit_callbacks):
    files = {
        "kind": "feedback",
        "file": SimpleUploadedFile("export.csv", EXPORT.read_bytes(), content_type="text/csv"),
        "mapping_file": SimpleUploadedFile("m.yml", MAPPING.read_bytes(), content_type="application/yaml"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/api/v1/imports/", files)
    assert response.status_code == 202
    job = staff.get(f"/api/v1/imports/{response.json()['id']}/").json()
    rated = int(pd.read_csv(EXPORT)["Customer Satisfaction Rating"].notna().sum())
    assert (job["status"], job["created_count"], job["history"]) == ("succeeded", rated, True)
    assert job["error_count"] == len(pd.read_csv(EXPORT)) - rated and job["mapping_spec"]["on_error"] == "skip"

    bad = staff.post(
        "/api/v1/imports/",
        {
            "kind": "tickets",
            "file": SimpleUploadedFile("export.csv", EXPORT.read_bytes()),
            "mapping_file": SimpleUploadedFile("m.yml", MAPPING.read_bytes()),
        },
    )
    assert bad.status_code == 400 and "mapping_file" in str(bad.json())


def test_saved_mapping_round_trips_through_its_file_form():
    spec = mapping_load(MAPPING.read_bytes())
    saved = import_mapping_save(name="Helpdesk", kind="feedback", spec=spec)
    assert mapping_load(spec.to_yaml()) == spec
    from satisfaction.imports.mappings import mapping_of

    assert mapping_of(saved) == spec and saved.date_formats == ["%d-%m-%Y %H:%M", "%d-%m-%Y"]


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_upload_returns_at_once_and_the_job_runs_in_the_background(
    client, staff_user, settings, monkeypatch
):
    import threading

    from satisfaction.imports import services, tasks

    settings.IMPORT_IN_BACKGROUND = True
    f.CustomerFactory(external_id="C-1")
    release = threading.Event()
    run = services.import_job_run

    def held_run(*, job_id):
        assert release.wait(10)
        return run(job_id=job_id)

    monkeypatch.setattr(tasks, "import_job_run", held_run)  # the thread runs the Celery task's body
    client.force_login(staff_user)
    text = "记录ID,客户ID,服务类型,评分\nR-1,C-1,数据分析,4\n"
    upload = SimpleUploadedFile("f.csv", text.encode(), content_type="text/csv")
    response = client.post(reverse("import-index"), {"kind": "feedback", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "pending"  # the request did not wait for the import
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert 'role="progressbar"' in page and 'hx-trigger="every 1s"' in page

    release.set()
    [worker] = [t for t in threading.enumerate() if t.name == f"import-job-{job.pk}"]
    worker.join(10)
    job.refresh_from_db()
    assert job.status == "succeeded" and SatisfactionRecord.objects.get().external_id == "R-1"


def test_the_documented_mapping_examples_are_valid():
    doc = (Path(__file__).resolve().parents[3] / "docs" / "imports.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        assert mapping_load(block).rules


# --- sync: re-importing an updated export --------------------------------------------------------------------


def test_reimport_updates_changed_tickets_through_their_service_and_invites_once(
    monkeypatch, service_types, django_capture_on_commit_callbacks
):
    from satisfaction.helpdesk import services as helpdesk

    closed = []
    monkeypatch.setattr(helpdesk, "_case_closed_hooks", [lambda tickets, complaints: closed.append(tickets)])
    contract = f.ContractFactory(external_id="K-1")
    header = ["工单ID", "合同ID", "创建时间", "关闭时间", "满意度"]
    first = [header, ["T1", "K-1", "2026-11-02 09:00", "", ""], ["T2", "K-1", "2026-11-02 10:00", "", "4"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="tickets", source=csv_bytes(first)).created == 2
    assert closed == []

    later = [header, ["T1", "K-1", "2026-11-02 09:00", "2026-11-03 09:00", "2"], first[2]]
    with django_capture_on_commit_callbacks(execute=True):
        result = import_file(kind="tickets", source=csv_bytes(later))
    t1 = ServiceTicket.objects.get(external_id="T1")
    assert (result.created, result.updated, result.unchanged, result.error_count) == (0, 1, 1, 0)
    assert t1.closed_at is not None and t1.satisfaction == 2 and t1.contract_id == contract.pk
    assert closed == [[t1.pk]]

    with django_capture_on_commit_callbacks(execute=True):
        again = import_file(kind="tickets", source=csv_bytes(later))
    assert (again.updated, again.unchanged) == (0, 2) and closed == [[t1.pk]]  # invited once, not per import


def test_a_late_rating_updates_the_record_and_its_alerts_once(service_types, django_capture_on_commit_callbacks):
    f.CustomerFactory(external_id="C-1")
    header = ["记录ID", "客户ID", "服务类型", "评分", "反馈内容"]
    with django_capture_on_commit_callbacks(execute=True):
        import_file(kind="feedback", source=csv_bytes([header, ["R-1", "C-1", "数据分析", "4.5", "ok"]]))
    assert SatisfactionAlert.objects.count() == 0

    late = [header, ["R-1", "C-1", "数据分析", "1.5", "ok"]]
    with django_capture_on_commit_callbacks(execute=True):
        insert_only = import_file(kind="feedback", source=csv_bytes(late), update=False)
    assert (insert_only.updated, insert_only.skipped) == (0, 1)
    assert str(SatisfactionRecord.objects.get().score) == "4.5"

    with django_capture_on_commit_callbacks(execute=True):
        synced = import_file(kind="feedback", source=csv_bytes(late))
    assert synced.updated == 1 and str(SatisfactionRecord.objects.get().score) == "1.5"
    assert SatisfactionAlert.objects.filter(kind="low_score").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        import_file(kind="feedback", source=csv_bytes(late))
    assert SatisfactionAlert.objects.filter(kind="low_score").count() == 1


def test_a_column_the_file_lacks_is_not_wiped_by_a_sync(service_types):
    f.CustomerFactory(external_id="C-1")
    full = [["记录ID", "客户ID", "服务类型", "评分", "反馈内容"], ["R-1", "C-1", "数据分析", "4", "very good"]]
    import_file(kind="feedback", source=csv_bytes(full))
    result = import_file(kind="feedback", source=csv_bytes([full[0][:4], ["R-1", "C-1", "数据分析", "4"]]))
    assert (result.updated, result.unchanged) == (0, 1)
    assert SatisfactionRecord.objects.get().feedback == "very good"


def test_sync_through_the_command_page_and_api(
    capsys, tmp_path, client, staff, staff_user, django_capture_on_commit_callbacks
):
    f.CustomerFactory(external_id="C-1")
    path = tmp_path / "c.csv"
    path.write_text("客户ID,客户名称\nC-1,Old name\n", encoding="utf-8")
    call_command("import_data", "customers", str(path), "--no-update")
    assert "0 updated, 1 already present" in capsys.readouterr().out
    assert Customer.objects.get().name != "Old name"
    call_command("import_data", "customers", str(path))
    assert "1 updated" in capsys.readouterr().out and Customer.objects.get().name == "Old name"

    client.force_login(staff_user)
    upload = SimpleUploadedFile("c.csv", "客户ID,客户名称\nC-1,Page name\n".encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-index"), {"kind": "customers", "file": upload, "no_update": "on"})
    job = ImportJob.objects.latest("pk")  # after the two command runs' jobs
    assert (job.update, job.updated_count, job.skipped_count) == (False, 0, 1)
    assert Customer.objects.get().name == "Old name"

    upload = SimpleUploadedFile("c.csv", "客户ID,客户名称\nC-1,API name\n".encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/api/v1/imports/", {"kind": "customers", "file": upload})
    job = staff.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (job["update"], job["updated_count"], job["skipped_count"]) == (True, 1, 0)
    assert Customer.objects.get().name == "API name"
