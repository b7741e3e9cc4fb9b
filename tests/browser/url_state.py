"""Which pages keep their state in the URL and how a user changes it: read by the Chromium round-trip test and by
the view tests that the server renders the filter form from the query string."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone


@dataclass(frozen=True)
class Step:
    """One change a user makes: `action` ("select", "check", "fill" or "click") on the element `selector`; afterwards
    the URL holds `param`=`value` (for "select"/"fill" `value` is also what is chosen or typed)."""

    action: str
    selector: str
    param: str
    value: str


@dataclass(frozen=True)
class StatePage:
    path: str
    steps: list[Step] = field(default_factory=list)


def _by_test_id(test_id: str) -> str:
    return f'[data-testid="{test_id}"]'


PAGES = {
    "dashboard": StatePage("/analytics/", [
        Step("select", _by_test_id("filter-preset"), "preset", "90d"),
        Step("select", _by_test_id("filter-service"), "service_type", "data_analysis"),
        Step("select", _by_test_id("filter-segment"), "segment", "1"),
        Step("check", _by_test_id("filter-self-rated"), "self_rated", "on"),
        Step("click", _by_test_id("trend-week"), "period", "week"),
    ]),
    "customers": StatePage("/customers/", [
        Step("fill", "input[name=q]", "q", "Hua"),
        Step("select", "select[name=segment_priority]", "segment_priority", "1"),
        Step("select", "select[name=service_type]", "service_type", "data_analysis"),
        Step("select", "select[name=sort]", "sort", "-records"),
    ]),
    "alerts": StatePage("/alerts/", [
        Step("select", "select[name=status]", "status", "open"),
        Step("select", "select[name=kind]", "kind", "low_score"),
        Step("select", "select[name=severity]", "severity", "medium"),
        Step("fill", "input[name=q]", "q", "Hua"),
        Step("click", _by_test_id("pager-next"), "page", "2"),
    ]),
    "recovery": StatePage("/recovery/", [
        Step("select", "select[name=status]", "status", "all"),
        Step("fill", "input[name=q]", "q", "Hua"),
        Step("click", _by_test_id("recovery-mine"), "mine", "1"),
    ]),
    "agents": StatePage("/analytics/agents/", [
        Step("select", _by_test_id("filter-preset"), "preset", "90d"),
        Step("select", "select[name=service_type]", "service_type", "data_analysis"),
        Step("select", "select[name=segment]", "segment", "1"),
    ]),
    "report": StatePage("/analytics/report/", [
        Step("select", _by_test_id("report-segment"), "segment", "2"),
    ]),
}  # fmt: skip


def final_query(page: StatePage) -> dict[str, str]:
    """The query a user ends up with after all the steps of `page`."""
    return {step.param: step.value for step in page.steps}


def build_data(service_types, manager) -> None:
    """Enough data that every step above changes what its page shows: customers in three segments, records over 80
    days in every service type (some self-rated), alerts across two pages, recovery cases, rated tickets and complaints
    with handlers."""
    from analytics.lib.snapshots import rebuild_all
    from satisfaction.alerts.models import SatisfactionAlert
    from satisfaction.recovery.models import RecoveryCase
    from satisfaction.tests import factories as f

    now = timezone.now()
    agents = [f.UserFactory(username=f"agent_{i}", role="staff") for i in range(3)]
    codes = sorted(service_types)
    for c in range(9):
        customer = f.CustomerFactory(name=f"{'Hua' if c % 2 else 'Xin'} Trading {c}")
        f.ContactFactory(customer=customer, contact_priority=1 + c % 3)
        for r in range(8):
            code = codes[(c + r) % len(codes)]
            record = f.RecordFactory(
                customer=customer, service_type=service_types[code], score=Decimal(str(1 + (c * 3 + r) % 5)),
                created_at=now - dt.timedelta(days=1 + (c * 11 + r * 9) % 80), self_rated=(r == 3),
            )  # fmt: skip
            if r == 0:
                closed = c % 4 == 0
                RecoveryCase.objects.create(
                    record=record, customer=customer, due_at=now + dt.timedelta(days=c - 4),
                    owner=manager if c % 3 == 0 else None, status="closed" if closed else "open",
                    outcome="unreachable" if closed else "", closed_at=now if closed else None,
                )  # fmt: skip
        contract = f.ContractFactory(customer=customer, service_type=service_types[codes[c % len(codes)]])
        for t in range(6):
            f.TicketFactory(contract=contract, opened_at=now - dt.timedelta(days=2 + (c * 7 + t * 13) % 80),
                            satisfaction=1 + (c + t) % 5, agent=agents[(c + t) % 3], follow_up=t % 2 == 0)  # fmt: skip
        f.ComplaintFactory(contract=contract, satisfaction=1 + c % 5, response_hours=2.0 + c)
        for a in range(4):
            SatisfactionAlert.objects.create(
                kind="low_score" if a < 3 else "customer_decline", severity=["medium", "high"][a % 2],
                status="open" if a != 1 else "acknowledged", dedupe_key=f"{c}-{a}", customer=customer,
                message_en=f"Alert {a} for {customer.name}",
            )  # fmt: skip
    # Thirty more open low-score medium alerts for "Hua" customers, so the filtered list has a second page.
    hua = [c for c in f.CustomerFactory._meta.model.objects.filter(name__startswith="Hua")]
    for n in range(30):
        SatisfactionAlert.objects.create(kind="low_score", severity="medium", status="open", dedupe_key=f"more-{n}",
                                         customer=hua[n % len(hua)], message_en=f"More {n}")  # fmt: skip
    rebuild_all()
