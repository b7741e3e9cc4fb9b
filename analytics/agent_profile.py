"""One agent's page: their row of the agents table, their trend, their ratings by service type and urgency, their
lowest-rated tickets and what their customers wrote about.

Everything is over the page's scope (dates, service type, segment) and the same tickets as the agents table
(`scoped_tickets`), so the agent's n and rate here equal their row there. The handler is named by its key,
"user:<id>" or "name:<name>", resolved exactly as the table resolves it (a name that matches a user is that user).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone, translation

from analytics.agents import SATISFIED_TICKET_MIN, AgentScore, _handlers_for, agent_scores, scoped_tickets
from analytics.lib.metrics import Scope
from analytics.lib.stats import Interval, wilson_interval
from core.db import Level
from core.localtime import local_today
from satisfaction.helpdesk.models import ServiceTicket
from satisfaction.text.models import RecordTopic, TextAnalysis
from satisfaction.text.selectors import topics_in_order

LOWEST_SHOWN = 10
NEGATIVE = Q(record__text_analysis__sentiment=TextAnalysis.Sentiment.NEGATIVE)
WEEKLY_UP_TO_DAYS = 92  # a scope up to a quarter is plotted by week, longer ones by month


@dataclasses.dataclass(frozen=True)
class RatingCell:
    """Rated tickets of one group (a period, a service type, an urgency): n, satisfied, rate and its interval."""

    label: str
    n: int
    satisfied: int
    avg_rating: float | None
    # A trend period the scope (or today) cuts: drawn hollow and labelled "(partial)", like the dashboard's trend.
    partial: bool = False

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        return wilson_interval(self.satisfied, self.n) if self.n else None


@dataclasses.dataclass
class AgentProfile:
    score: AgentScore
    pooled_rate: float | None
    min_n: int
    period: str  # "week" or "month"
    trend: list[RatingCell]
    by_service_type: list[RatingCell]
    by_urgency: list[RatingCell]
    lowest: list[ServiceTicket]
    topics: list[dict]


def agent_tickets(scope: Scope, key: str) -> QuerySet[ServiceTicket]:
    """The tickets in scope whose handler resolves to `key` (empty when nobody in scope has that key)."""
    tickets = scoped_tickets(scope)
    handlers = _handlers_for(tickets)
    pairs = [
        (agent_id, agent_name)
        for agent_id, agent_name in tickets.values_list("agent_id", "agent_name").distinct()
        if (handlers.key(agent_id, agent_name) or (None,))[0] == key
    ]
    if not pairs:
        return tickets.none()
    match = reduce(or_, (Q(agent_id=a) if a else Q(agent__isnull=True, agent_name=n) for a, n in pairs))
    return tickets.filter(match)


def _cells(rows, label_of, order=None) -> list[RatingCell]:
    if order is not None:  # e.g. high, medium, low rather than the codes' alphabet
        rows = sorted(rows, key=lambda row: order.index(row["group"]) if row["group"] in order else len(order))
    return [
        RatingCell(label=label_of(row["group"]), n=row["n"], satisfied=row["satisfied"], avg_rating=row["avg"])
        for row in rows
    ]


def _grouped(rated: QuerySet, field: str) -> list[dict]:
    return list(
        rated.values(group=F(field))
        .annotate(n=Count("id"), satisfied=Count("id", filter=Q(satisfaction__gte=SATISFIED_TICKET_MIN)),
                  avg=Avg("satisfaction"))
        .order_by("group")
    )  # fmt: skip


def _trend(rated: QuerySet, scope: Scope) -> tuple[str, list[RatingCell]]:
    """Rated tickets per local week (Monday) or month of opening, oldest first; empty periods left out."""
    weekly = scope.days is not None and scope.days <= WEEKLY_UP_TO_DAYS
    buckets: dict[dt.date, list[int]] = {}
    for opened_at, rating in rated.values_list("opened_at", "satisfaction"):
        day = timezone.localtime(opened_at).date()
        start = day - dt.timedelta(days=day.weekday()) if weekly else day.replace(day=1)
        cell = buckets.setdefault(start, [0, 0, 0])
        cell[0] += 1
        cell[1] += rating >= SATISFIED_TICKET_MIN
        cell[2] += rating
    fmt = "%Y-%m-%d" if weekly else "%Y-%m"
    last_day = min(scope.end or local_today(), local_today())

    def cut(start: dt.date) -> bool:
        end = (
            start + dt.timedelta(days=6)
            if weekly
            else (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        )
        return (scope.start is not None and start < scope.start) or end > last_day

    return ("week" if weekly else "month"), [
        RatingCell(label=start.strftime(fmt), n=n, satisfied=x, avg_rating=total / n, partial=cut(start))
        for start, (n, x, total) in sorted(buckets.items())
    ]


def _topics(tickets: QuerySet) -> list[dict]:
    """Topics of the satisfaction records linked to the agent's tickets: mentions and how many were negative."""
    rows = (
        RecordTopic.objects.filter(record__ticket__in=tickets.values("pk"))
        .values("topic_id")
        .annotate(n=Count("id"), negative=Count("id", filter=NEGATIVE))
        .order_by()
    )
    counts = {row["topic_id"]: row for row in rows}
    zh = (translation.get_language() or "").startswith("zh")
    table = [
        {"code": t.code, "label": t.label_zh if zh else t.label_en, "n": counts[t.pk]["n"],
         "negative": counts[t.pk]["negative"]}
        for t in topics_in_order() if t.pk in counts
    ]  # fmt: skip
    return sorted(table, key=lambda r: -r["n"])


def agent_profile(scope: Scope, key: str) -> AgentProfile | None:
    """The agent's page for the scope; None when no ticket in scope has this handler."""
    table = agent_scores(scope)
    score = next((s for s in table.agents if s.key == key), None)
    if score is None:
        return None
    tickets = agent_tickets(scope, key)
    rated = tickets.filter(satisfaction__isnull=False)
    period, trend = _trend(rated, scope)
    urgency_labels = dict(Level.choices)
    zh = (translation.get_language() or "").startswith("zh")
    lowest = list(
        rated.select_related("contract__customer", "contract__service_type").order_by("satisfaction", "-opened_at")[
            :LOWEST_SHOWN
        ]
    )
    return AgentProfile(
        score=score,
        pooled_rate=table.pooled_rate,
        min_n=table.min_n,
        period=period,
        trend=trend,
        by_service_type=_cells(
            _grouped(rated, "contract__service_type__name_zh" if zh else "contract__service_type__name_en"), str
        ),
        by_urgency=_cells(
            _grouped(rated, "urgency"), lambda value: str(urgency_labels.get(value, value)), order=list(Level.values)
        ),
        lowest=lowest,
        topics=_topics(tickets),
    )
