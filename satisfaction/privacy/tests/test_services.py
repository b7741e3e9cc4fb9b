"""Erasure: the person is gone from every text, the audit log says who and why, and every figure stays the same."""

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from analytics.dashboard import kpi_cards
from analytics.lib.metrics import Scope
from analytics.quality.report import report_json
from core.localtime import local_today
from satisfaction.crm.models import Contact, Customer
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.privacy.selectors import Subject
from satisfaction.privacy.services import personal_data_erase, personal_data_export
from satisfaction.surveys.services import SurveyLinkError, invitation_from_token
from satisfaction.text.models import RecordTopic, TextAnalysis


def _figures():
    """The dashboard's KPIs (overall and for the customer) and the service-quality report, without timestamps."""
    cards, today = {}, local_today()
    start = today - dt.timedelta(days=90)
    for scope in (Scope(start=start, end=today), Scope(start=start, end=today, segment_priority=1)):
        cards[str(scope)] = [(c["key"], c["raw"], c["delta"]) for c in kpi_cards(scope)["cards"]]
    report = report_json(priority=1)
    report.pop("generated_at")
    return cards, json.loads(json.dumps(report, default=str))


def _text_of_every_row():
    """Every text, char and JSON value of every row of every model of the app, with where it is."""
    for model in apps.get_app_config("satisfaction").get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model.objects.values("pk", *fields):
            for name in fields:
                value = row[name]
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                yield f"{model._meta.model_name}#{row['pk']}.{name}", text


def _audit_text():
    for log in LogEntry.objects.all():
        text = " ".join(
            [log.object_repr, json.dumps(log.changes, ensure_ascii=False), log.changes_text,
             json.dumps(log.serialized_data, ensure_ascii=False)]
        )  # fmt: skip
        yield f"logentry#{log.pk}", text


def _survivors(strings, places):
    return sorted({(where, s) for where, text in places for s in strings if s.lower() in text.lower()})


def test_contact_erasure_keeps_every_figure(world):
    before = _figures()
    personal_data_erase(subject=Subject("contact", world.contact.pk), reason="Request #41", by=world.manager)
    assert _figures() == before


def test_customer_erasure_keeps_every_figure(world):
    before = _figures()
    scores = list(SatisfactionRecord.objects.order_by("pk").values_list("pk", "score", "created_at"))
    personal_data_erase(subject=Subject("customer", world.customer.pk), reason="Contract ended", by=world.manager)
    assert _figures() == before
    assert list(SatisfactionRecord.objects.order_by("pk").values_list("pk", "score", "created_at")) == scores


def test_no_personal_field_of_the_contact_survives_anywhere(world):
    # The figures test above would pass with an erasure that does nothing: here the text must be gone.
    assert _survivors(world.personal_strings, _text_of_every_row())  # contrary case: present before
    personal_data_erase(subject=Subject("contact", world.contact.pk), reason="Request #41", by=world.manager)
    assert _survivors(world.personal_strings, _text_of_every_row()) == []
    assert _survivors(world.personal_strings, _audit_text()) == []
    # The derived words of her answers are gone too; her topics and sentiment stay.
    records = world.contact_rows["satisfactionrecord"]
    analyses = TextAnalysis.objects.filter(record__in=records)
    assert analyses.count() == 2 and all(k == [] for k in analyses.values_list("keywords", flat=True))
    assert all(t == [] for t in RecordTopic.objects.filter(record__in=records).values_list("terms", flat=True))
    contact = Contact.objects.get(pk=world.contact.pk)
    assert (contact.name, contact.email, contact.phone) == (f"Erased contact {contact.pk}", "", "")
    assert contact.contact_priority == 1  # the segment is kept
    # Nobody else is touched: the other contact of the same customer and the other customer keep their data.
    assert {s for _, s in _survivors(world.other_strings, _text_of_every_row())} == set(world.other_strings)
    assert SatisfactionRecord.objects.filter(customer=world.other_customer, feedback="Unrelated Corp is ok").exists()


def test_no_personal_field_of_the_customer_survives(world):
    strings = [*world.personal_strings, *world.other_strings]
    personal_data_erase(subject=Subject("customer", world.customer.pk), reason="Contract ended")
    assert _survivors(strings, _text_of_every_row()) == []
    assert _survivors(strings, _audit_text()) == []
    assert Customer.objects.get(pk=world.customer.pk).name == f"Erased customer {world.customer.pk}"
    assert Customer.objects.get(pk=world.other_customer.pk).name == "Unrelated Corp"


def test_survey_links_stop_working(world):
    for token in world.tokens:
        assert invitation_from_token(token, allow_answered=True)
    personal_data_erase(subject=Subject("contact", world.contact.pk), reason="Request #41")
    for token in world.tokens:
        with pytest.raises(SurveyLinkError):
            invitation_from_token(token, allow_answered=True)


def test_erasure_is_audited_with_who_and_why(world):
    subject = Subject("contact", world.contact.pk)
    result = personal_data_erase(subject=subject, reason="Request #41", by=world.manager, via="admin")
    entries = LogEntry.objects.filter(additional_data__privacy="erasure")
    assert (
        entries.count()
        == sum(result.rows.values()) - result.rows.get("textanalysis", 0) - result.rows.get("recordtopic", 0) + 1
    )  # one per audited row changed, and one for the subject
    summary = (
        LogEntry.objects.get_for_object(world.contact)
        .filter(additional_data__privacy="erasure")
        .get(changes__isnull=True)
    )
    assert summary.actor == world.manager
    assert summary.additional_data["reason"] == "Request #41"
    assert summary.additional_data["via"] == "admin"
    row = entries.get(content_type=ContentType.objects.get_for_model(Contact), changes__isnull=False)
    assert row.changes["email"] == ["[erased]", ""]
    assert row.changes["name"] == ["[erased]", f"Erased contact {world.contact.pk}"]


def test_erasure_needs_a_reason_and_changes_nothing_without(world):
    with pytest.raises(ValidationError, match="reason"):
        personal_data_erase(subject=Subject("contact", world.contact.pk), reason="  ")
    assert Contact.objects.get(pk=world.contact.pk).name == "Ada Lovelace"


def test_erasing_twice_changes_nothing_more(world):
    subject = Subject("customer", world.customer.pk)
    personal_data_erase(subject=subject, reason="Contract ended")
    again = personal_data_erase(subject=subject, reason="Contract ended")
    assert again.rows == {}


def test_export_is_audited(world):
    content = personal_data_export(subject=Subject("customer", world.customer.pk), by=world.manager, reason="DSAR 7")
    entry = LogEntry.objects.get(additional_data__privacy="export")
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.actor == world.manager
    assert entry.additional_data["reason"] == "DSAR 7"
    assert entry.additional_data["bytes"] == len(content)
