"""A file with rows older than the alert windows, imported without history mode: asked first, on every path."""

import contextlib
import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from core import cells as vocab
from core.batch import RowInvalid
from satisfaction.alerts.models import AlertSettings, SatisfactionAlert, WatchlistEntry, WebhookDelivery
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import ServiceTicket
from satisfaction.imports.history import history_cutoff, old_rows_in
from satisfaction.imports.models import ImportJob
from satisfaction.imports.services import import_job_run
from satisfaction.improvements.models import ImprovementSuggestion
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = "记录ID,客户ID,服务类型,评分,时间"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def customer(db):
    return f.CustomerFactory(external_id="C-1")


def day(days_ago: int) -> str:
    return (timezone.localtime() - dt.timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M")


def feedback_text(ages: list[int], score: float = 1.0) -> str:
    """Feedback rows this many days old, each with a low score (which, live, raises an alert)."""
    rows = [f"R-{i},C-1,数据分析,{score},{day(age)}" for i, age in enumerate(ages)]
    return "\n".join([HEADER, *rows]) + "\n"


def write(tmp_path, text: str, name="feedback.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def nothing_live_raised():
    return SatisfactionAlert.objects.count() == 0 and WatchlistEntry.objects.count() == 0 and mail.outbox == []


OLD = [400, 300, 200, 120]  # all past the 90-day windows of the default alert settings
RECENT = [1, 2, 3]


def test_the_count_reads_the_deciding_date_of_each_kind(tmp_path, customer):
    found = old_rows_in(kind="feedback", source=write(tmp_path, feedback_text([*OLD, *RECENT])))
    assert found.count == 4 and found.before == pytest.approx(history_cutoff(), abs=dt.timedelta(seconds=5))
    assert timezone.localtime(found.oldest).date() == (timezone.localtime() - dt.timedelta(days=400)).date()
    # Tickets by their closing (what invites a survey): an old opening with a recent closing is live.
    tickets = "工单ID,合同ID,创建时间,关闭时间\nT1,K1,{a},{b}\nT2,K1,{a},\nT3,K1,{a},{a}\n".format(a=day(200), b=day(2))
    assert old_rows_in(kind="tickets", source=write(tmp_path, tickets, "t.csv")).count == 1
    # Customers raise nothing live, whatever their dates.
    customers = f"客户ID,客户名称,创建时间\nC-9,Old Co,{day(900)}\n"
    assert old_rows_in(kind="customers", source=write(tmp_path, customers, "c.csv")).count == 0


def test_the_count_agrees_with_parsing_every_cell(tmp_path, customer):
    # Cells around the cut-off, in the formats the import reads, some with a zone offset that moves their day.
    now = timezone.now()
    moments = [now - dt.timedelta(days=90, hours=h) for h in range(-60, 61, 7)] + [
        now - dt.timedelta(days=d) for d in (1, 400)
    ]
    cells = []
    for i, moment in enumerate(moments):
        local = timezone.localtime(moment)
        cells += [
            local.strftime("%Y-%m-%d %H:%M"),
            local.strftime("%Y/%m/%d %H:%M"),
            moment.astimezone(dt.timezone(dt.timedelta(hours=-11))).isoformat(),
            local.strftime("%Y年%m月%d日") if i % 2 else "not a date",
        ]
    rows = [f"R-{i},C-1,数据分析,4,{cell}" for i, cell in enumerate(cells)]
    before = history_cutoff()
    expected = 0
    for cell in cells:
        with contextlib.suppress(RowInvalid):
            expected += vocab.parse_datetime(cell) < before
    found = old_rows_in(kind="feedback", source=write(tmp_path, "\n".join([HEADER, *rows]) + "\n"))
    assert 0 < found.count == expected < len(cells)
    # The oldest: among the four cells of the 400-day-old moment (its bare day reads as midnight).
    assert found.oldest == min(vocab.parse_datetime(c) for c in cells[-4:] if c != "not a date")


def test_the_command_refuses_old_rows_without_history_or_live(tmp_path, customer):
    path = write(tmp_path, feedback_text([*OLD, *RECENT]))
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("import_data", "feedback", str(path))
    message = str(refused.value)
    assert "4 rows are older than the alert windows" in message
    assert "--history" in message and "--live" in message
    assert SatisfactionRecord.objects.count() == 0 and nothing_live_raised()

    with pytest.raises(CommandError, match="not both"):
        call_command("import_data", "feedback", str(path), "--history", "--live")


def test_the_command_with_history_raises_nothing_and_with_live_raises_alerts(
    tmp_path, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_data", "feedback", str(write(tmp_path, feedback_text(OLD))), "--history")
    assert SatisfactionRecord.objects.count() == 4 and nothing_live_raised()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_data", "feedback", str(write(tmp_path, feedback_text(OLD).replace("R-", "L-"))), "--live")
    assert SatisfactionRecord.objects.count() == 8
    assert SatisfactionAlert.objects.filter(kind="low_score").exists()


def test_the_command_imports_recent_rows_without_asking(tmp_path, customer, capsys):
    call_command("import_data", "feedback", str(write(tmp_path, feedback_text(RECENT))))
    assert "3 rows read, 3 created" in capsys.readouterr().out
    # And a dry run of old rows raises nothing, so it does not ask either.
    call_command("import_data", "feedback", str(write(tmp_path, feedback_text(OLD).replace("R-", "D-"))), "--dry-run")


def upload(client, text: str, **extra):
    file = SimpleUploadedFile("feedback.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("import-index"), {"kind": "feedback", "file": file, **extra})


def test_the_page_asks_before_writing_then_imports_as_history(
    client, staff_user, customer, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, feedback_text([*OLD, *RECENT]))
    job = ImportJob.objects.get()
    assert (job.status, job.old_rows, job.created_count) == ("choose", 4, 0)
    assert SatisfactionRecord.objects.count() == 0 and nothing_live_raised()

    # The task delivered again (a worker restart) leaves the question open: it never answers for the importer.
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "choose" and SatisfactionRecord.objects.count() == 0

    with translation.override("en"):
        page = client.get(response["Location"]).content.decode()
    assert 'data-testid="history-or-live"' in page and "4 rows are older than the alert windows" in page
    assert "hx-trigger" not in page  # nothing to poll while it waits

    with django_capture_on_commit_callbacks(execute=True):
        chosen = client.post(reverse("import-job-choose", args=[job.pk]), {"choice": "history"})
    assert chosen.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.history, job.live, job.created_count) == ("succeeded", True, False, 7)
    # History quiets the old rows only: the three recent low scores raise their alerts as any live data does.
    assert not SatisfactionAlert.objects.filter(record__created_at__lt=history_cutoff()).exists()
    assert SatisfactionAlert.objects.filter(kind="low_score", record__created_at__gte=history_cutoff()).exists()

    # Asked once: a second answer is refused, and nothing runs again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job-choose", args=[job.pk]), {"choice": "live"})
    job.refresh_from_db()
    assert (job.status, job.live) == ("succeeded", False)


def test_the_page_with_live_alerts_chosen_raises_them(client, staff_user, customer, django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, feedback_text(OLD))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-job-choose", args=[job.pk]), {"choice": "live"})
    job.refresh_from_db()
    assert (job.status, job.history, job.live, job.created_count) == ("succeeded", False, True, 4)
    assert SatisfactionAlert.objects.filter(kind="low_score").exists()


def test_the_page_imports_recent_rows_and_history_uploads_without_asking(
    client, staff_user, customer, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, feedback_text(RECENT))
        upload(client, feedback_text(OLD).replace("R-", "H-"), history="on")
    assert sorted(ImportJob.objects.values_list("history", "status", "old_rows")) == [
        (False, "succeeded", 0),
        (True, "succeeded", None),
    ]
    assert SatisfactionRecord.objects.count() == 7


def test_another_staff_member_cannot_answer_for_the_job(
    client, staff_user, customer, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, feedback_text(OLD))
    job = ImportJob.objects.get()
    other = f.UserFactory(username="other", role="staff")
    client.force_login(other)
    assert client.post(reverse("import-job-choose", args=[job.pk]), {"choice": "live"}).status_code == 404
    job.refresh_from_db()
    assert job.status == "choose"


def api_upload(api, text: str, **extra):
    return api.post(
        "/api/v1/imports/",
        {"kind": "feedback", "file": SimpleUploadedFile("feedback.csv", text.encode()), **extra},
    )


def job_of(api, response) -> dict:
    """The job as it is now (the upload's answer was written before the job ran on commit)."""
    return api.get(f"/api/v1/imports/{response.json()['id']}/").json()


def test_the_api_answers_409_naming_both_options_and_stores_nothing(
    staff, customer, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        refused = api_upload(staff, feedback_text([*OLD, *RECENT]))
    assert refused.status_code == 409
    body = refused.json()
    assert body["old_rows"] == 4 and body["choose"] == ["history", "live"] and "history" in body["detail"]
    assert ImportJob.objects.count() == 0 and SatisfactionRecord.objects.count() == 0

    both = api_upload(staff, feedback_text(OLD), history="true", live="true")
    assert both.status_code == 400 and "live" in both.json()

    with django_capture_on_commit_callbacks(execute=True):
        history = api_upload(staff, feedback_text(OLD), history="true")
    assert history.status_code == 202 and job_of(staff, history)["status"] == "succeeded" and nothing_live_raised()

    with django_capture_on_commit_callbacks(execute=True):
        live = api_upload(staff, feedback_text(OLD).replace("R-", "L-"), live="true")
    assert live.status_code == 202 and job_of(staff, live)["live"] is True
    assert SatisfactionAlert.objects.filter(kind="low_score").exists()


def test_the_api_imports_recent_rows_without_asking(staff, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_upload(staff, feedback_text(RECENT))
    assert response.status_code == 202
    job = job_of(staff, response)
    assert (job["status"], job["old_rows"], job["created_count"]) == (
        "succeeded",
        0,
        3,
    )


def test_a_history_import_rebuilds_suggestions_once_and_raises_nothing_live(
    tmp_path, customer, django_capture_on_commit_callbacks
):
    # Windows shorter than the suggestions' 90-day look-back: rows 40–80 days old are history yet count there.
    cfg = AlertSettings.load()
    cfg.decline_lookback_days, cfg.drop_recent_days, cfg.sla_lookback_days = 30, 14, 30
    cfg.save()
    cache.clear()
    f.WebhookEndpointFactory()
    contract = f.ContractFactory(customer=customer, external_id="K-1")
    f.ContactFactory(customer=customer, email="a@c1.example")
    ages = [40 + 2 * i for i in range(20)]
    path = write(tmp_path, feedback_text(ages, score=2.0))
    tickets = "工单ID,合同ID,创建时间,关闭时间\n" + "".join(
        f"T{i},{contract.external_id},{day(age + 1)},{day(age)}\n" for i, age in enumerate(ages)
    )
    assert ImprovementSuggestion.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("import_data", "feedback", str(path), "--history")
        call_command("import_data", "tickets", str(write(tmp_path, tickets, "t.csv")), "--history")
    below = ImprovementSuggestion.objects.filter(rule_code="service_below_target")
    assert below.count() == 1 and "20" in below.get().rationale_en
    assert SatisfactionRecord.objects.filter(created_at__lt=history_cutoff()).count() == 20
    assert ServiceTicket.objects.count() == 20
    assert nothing_live_raised() and SurveyInvitation.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    # Rebuilt once per import at its end, not once per row.
    assert sum(getattr(c, "__name__", "") == "history_imported" for c in callbacks) == 2
