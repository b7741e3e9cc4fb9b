"""Retention: free text older than PERSONAL_TEXT_RETENTION_DAYS is emptied nightly; newer text and scores stay."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils import timezone

from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.privacy.services import personal_text_expire
from satisfaction.privacy.tasks import expire_personal_text
from satisfaction.tests.factories import CustomerFactory
from satisfaction.text.models import RecordTopic, TextAnalysis
from satisfaction.text.services import text_analyse_records
from satisfaction_site.celery import app


@pytest.fixture
def texts(db):
    customer = CustomerFactory()
    now = timezone.now()
    made = {}
    for label, days in (("old", 40), ("edge", 29), ("new", 2)):
        record, _ = record_satisfaction(
            customer=customer, service_type="data_analysis", score=Decimal("2.5"),
            feedback=f"The {label} report was slow and the staff were rude", created_at=now - dt.timedelta(days=days),
        )  # fmt: skip
        made[label] = record
    text_analyse_records(record_ids=[r.pk for r in made.values()])
    return made


def _feedback(record):
    return SatisfactionRecord.objects.get(pk=record.pk).feedback


def test_off_by_default_does_nothing(texts, settings):
    assert settings.PERSONAL_TEXT_RETENTION_DAYS is None  # the shipped default
    assert personal_text_expire() == {}
    assert expire_personal_text() == {}
    assert all(_feedback(r) for r in texts.values())


def test_only_text_older_than_n_days_is_emptied(texts, settings):
    settings.PERSONAL_TEXT_RETENTION_DAYS = 30
    scores = dict(SatisfactionRecord.objects.values_list("pk", "score"))
    counts = expire_personal_text()
    assert counts["satisfactionrecord.feedback"] == 1
    assert _feedback(texts["old"]) == ""
    # The contrary case: text younger than the retention is kept, word for word.
    assert _feedback(texts["edge"]) == "The edge report was slow and the staff were rude"
    assert _feedback(texts["new"]).startswith("The new report")
    assert dict(SatisfactionRecord.objects.values_list("pk", "score")) == scores
    # The derived words go with the old text only; its topics and sentiment stay.
    assert TextAnalysis.objects.get(record=texts["old"]).keywords == []
    assert TextAnalysis.objects.get(record=texts["new"]).keywords != []
    assert RecordTopic.objects.filter(record=texts["old"]).exists()
    assert all(t == [] for t in RecordTopic.objects.filter(record=texts["old"]).values_list("terms", flat=True))
    assert any(t for t in RecordTopic.objects.filter(record=texts["new"]).values_list("terms", flat=True))
    # Audited, and the creation entry of the old record no longer holds its text.
    entry = LogEntry.objects.get(additional_data__privacy="retention", object_pk=str(texts["old"].pk))
    assert entry.changes == {"feedback": ["[erased]", ""]}
    history = LogEntry.objects.get_for_object(texts["old"]).exclude(pk=entry.pk)
    assert history.exists() and all("slow" not in str(log.changes) for log in history)
    assert any("The new report" in str(log.changes) for log in LogEntry.objects.get_for_object(texts["new"]))
    # Idempotent: a second night changes nothing.
    assert personal_text_expire() == {}


def test_a_longer_retention_keeps_more(texts):
    assert personal_text_expire(days=60) == {}
    assert _feedback(texts["old"])


def test_the_nightly_schedule_runs_it():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "satisfaction.privacy.tasks.expire_personal_text" in tasks


def test_the_command_runs_it_once(texts, settings):
    out = io.StringIO()
    call_command("expire_personal_text", stdout=out)
    assert "Retention is off" in out.getvalue() and _feedback(texts["old"])
    call_command("expire_personal_text", "--days", "30", stdout=out)
    assert "satisfactionrecord.feedback 1" in out.getvalue()
    assert _feedback(texts["old"]) == "" and _feedback(texts["new"])
    with pytest.raises(CommandError, match="at least one day"):
        call_command("expire_personal_text", "--days", "-3", stdout=out)
