"""The nightly jobs of the improvement loop: tasks, beat schedule, the evaluate_measures command, broker outages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import tasks
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.improvements import services as svc
from satisfaction.improvements.models import ImprovementMeasure, ImprovementSuggestion, MeasureEvaluation
from satisfaction.tests.factories import CustomerFactory
from satisfaction_site.celery import app

pytestmark = pytest.mark.django_db


def _plant(service_type, scores, days_ago):
    customer = CustomerFactory()
    when = timezone.now() - dt.timedelta(days=days_ago)
    SatisfactionRecord.objects.bulk_create(
        SatisfactionRecord(customer=customer, service_type=service_type, score=Decimal(s), created_at=when)
        for s in scores
    )


def _started_measure(service_type, days_ago=10):
    measure = svc.measure_create(
        title="Coach",
        category="training",
        service_type=service_type,
        start_date=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    return svc.measure_set_status(measure=measure, status=ImprovementMeasure.Status.IN_PROGRESS)


def test_beat_schedule_runs_suggestions_and_evaluations_nightly():
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "analytics.tasks.generate_improvement_suggestions" in schedule
    assert "analytics.tasks.evaluate_all_measures" in schedule


def test_evaluate_tasks_keep_the_verdict_with_the_measure(service_types):
    legal = service_types["legal_consultation"]
    _plant(legal, ["4.5"] * 3, days_ago=15)
    measure = _started_measure(legal)
    planned = svc.measure_create(title="Not started", category="process")
    assert tasks.evaluate_measure.delay(measure.pk).get() == MeasureEvaluation.Verdict.NOT_ENOUGH_DATA
    assert tasks.evaluate_all_measures.delay().get() == 1
    assert measure.evaluations.count() == 1  # same day: replaced, not duplicated
    assert not planned.evaluations.exists()


def test_evaluate_measures_command_prints_each_verdict(service_types, capsys):
    _started_measure(service_types["data_analysis"])
    call_command("evaluate_measures")
    out = capsys.readouterr().out
    assert "Coach: Not enough data yet" in out and "Evaluated 1 measure(s)." in out


def test_generate_task_returns_what_it_did(service_types):
    _plant(service_types["legal_consultation"], ["4.5"] * 18 + ["3.0"] * 12, days_ago=40)
    _plant(service_types["data_analysis"], ["4.5"] * 49 + ["3.0"], days_ago=40)
    result = tasks.generate_improvement_suggestions.delay().get()
    assert result["created"] == result["found"] >= 1
    assert ImprovementSuggestion.objects.filter(rule_code="service_below_target").count() == 1


def test_on_demand_request_survives_a_broker_outage(service_types, django_capture_on_commit_callbacks, caplog):
    measure = _started_measure(service_types["data_analysis"])
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.request_measure_evaluation(measure.pk)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker
    assert "periodic jobs will catch up" in caplog.text
    assert not measure.evaluations.exists()
