"""Data that fills every page of `pages.PAGES`, built in a few seconds from factories and the real services.

Half a year of feedback on three service types from six customers (priorities 1 to 5 and none), tickets with
named handlers, complaints, then what the periodic jobs make of them (snapshots, text analysis, alerts, risk,
the watch list, suggestions, recovery cases), and one of each object a detail page needs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.core.management import call_command
from django.utils import timezone

from satisfaction.tests import factories as f

COMMENTS = [
    "The report was late and nobody called back about the missing figures",
    "Very helpful analyst, quick answers and a clear summary",
    "Could not log in to the client portal to download the quarterly files again",
    "The contract review took too long and the invoice was wrong",
    "Friendly team, accurate work, we will renew",
    "报告延迟，客服没有回电话",
]
AGENTS = ["Li Wei", "Wang Fang", "Zhang Min"]
LEVELS = ["high", "medium", "low"]


def build_walk_data(users: dict) -> dict:
    """Fill the database; returns the keys `pages.Page.kwargs` name (object ids, codes, tokens)."""
    from analytics.models import ReportSubscription
    from satisfaction.alerts.models import SatisfactionAlert
    from satisfaction.crm.models import ServiceType
    from satisfaction.recovery.models import RecoveryCase
    from satisfaction.recovery.services import sweep_missing_cases
    from satisfaction.schedules.models import JobRun
    from satisfaction.surveys.models import SurveyCampaign
    from satisfaction.surveys.services import invitation_token
    from satisfaction.text.models import Topic
    from satisfaction.text.services import text_rebuild

    rng = np.random.default_rng(18)
    now = timezone.now()
    types = list(ServiceType.objects.order_by("code"))
    customers = []
    for i, priority in enumerate([1, 1, 2, 3, 5, None]):
        customer = f.CustomerFactory(name=f"{['Hualong', 'Xinda', 'Taiming', 'Guoyuan', 'Jinfeng', 'Ruikang'][i]} "
                                          "Holdings International Consulting Group")  # fmt: skip
        if priority:
            f.ContactFactory(customer=customer, contact_priority=priority, name=f"Contact {i}")
        contracts = [f.ContractFactory(customer=customer, service_type=st) for st in types]
        customers.append((customer, contracts))
    for customer, contracts in customers:
        for n in range(12):
            contract = contracts[n % len(contracts)]
            # Half in the last 30 days (the default period), the rest over half a year for the trends.
            days = int(rng.integers(1, 30) if n % 2 else rng.integers(30, 180))
            score = Decimal(str(round(float(rng.choice([1.5, 2.0, 3.0, 4.0, 4.5, 5.0])), 1)))
            f.RecordFactory(customer=customer, service_type=contract.service_type, score=score,
                            feedback=COMMENTS[n % len(COMMENTS)], created_at=now - dt.timedelta(days=days, hours=n),
                            response_time_hours=float(rng.integers(1, 48)), accuracy_score=int(rng.integers(1, 6)),
                            completeness_score=int(rng.integers(1, 6)))  # fmt: skip
            f.TicketFactory(contract=contract, opened_at=now - dt.timedelta(days=days), agent_name=AGENTS[n % 3],
                            closed_at=now - dt.timedelta(days=days) + dt.timedelta(hours=10),
                            satisfaction=int(rng.integers(1, 6)), follow_up=bool(n % 3 == 0),
                            urgency=LEVELS[n % 3], ticket_priority=LEVELS[(n + 1) % 3])  # fmt: skip
            if n % 3 == 0:
                f.ComplaintFactory(contract=contract, filed_at=now - dt.timedelta(days=days), agent_name=AGENTS[n % 3],
                                   satisfaction=int(rng.integers(1, 6)), escalated=n % 2 == 0,
                                   handling_speed=["fast", "normal", "slow"][n % 3])  # fmt: skip
    # What the periodic jobs make of it, as the demo seeder does.
    text_rebuild()
    call_command("rebuild_snapshots", verbosity=0)
    call_command("evaluate_alerts", "--window-rules", verbosity=0)
    call_command("generate_suggestions", verbosity=0)
    sweep_missing_cases(now=now)

    customer = customers[0][0]
    alert = SatisfactionAlert.objects.order_by("pk").first() or SatisfactionAlert.objects.create(
        kind="low_score", severity="high", dedupe_key="walk", customer=customer, message_en="Low score"
    )
    from satisfaction.alerts.watchlist import watchlist_add

    if not customer.watchlist_entries.filter(removed_at__isnull=True).exists():
        watchlist_add(customer=customer, user=users["manager"], note="Two low scores in a month")
    measure = f.MeasureFactory(title="Call back every priority-1 customer within a day", owner=users["manager"])
    f.TaskFactory(measure=measure, title="Ring the three lowest scores", assignee=users["manager"], progress=40)
    f.TaskFactory(measure=measure, title="Write the call-back script", assignee=users["staff"], progress=0)
    invitation = f.SurveyInvitationFactory(contact=customer.contacts.first())
    answered = f.SurveyInvitationFactory(contact=customer.contacts.first(), answered_at=now)
    SurveyCampaign.objects.create(name="Quarterly priority-1 survey", contact_priority=1, repeat_every_days=91,
                                  next_run_at=now + dt.timedelta(days=3), created_by=users["manager"])  # fmt: skip
    ReportSubscription.objects.create(recipients="cx-team@example.com", owner=users["manager"])
    job = f.ImportJobFactory(created_by=users["staff"], status="succeeded", rows_total=40, rows_done=40,
                             created_count=38, error_count=2, finished_at=now)  # fmt: skip
    JobRun.objects.create(job="rebuild_snapshots", due_at=now - dt.timedelta(hours=1), started_at=now,
                          finished_at=now, ok=True, result="ok")  # fmt: skip
    case = RecoveryCase.objects.order_by("pk").first()
    topic = Topic.objects.filter(mentions__isnull=False).order_by("pk").first() or Topic.objects.first()
    return {
        "customer": customer.pk, "alert": alert.pk, "measure": measure.pk, "recovery_case": case.pk,
        "topic": topic.code, "agent": f"name:{AGENTS[0]}", "service_type": types[0].code, "import_job": job.pk,
        "survey_token": invitation_token(invitation), "answered_token": invitation_token(answered),
    }  # fmt: skip
