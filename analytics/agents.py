"""Per-agent scores, computed (never stored): raw rate with its Wilson interval, the empirical-Bayes shrunk rate
that ranks fairly, and a case-mix adjusted rate from a logistic regression.

A handler is the ticket's `agent` (a user); else a user whose username or full name equals `agent_name`; else the
name itself (a handler from the source system). Tickets with neither are nobody's and left out.

Shrinkage (beta-binomial, method of moments): with m the pooled rate over all agents in scope, v = Σ nᵢ(pᵢ − m)² /
Σ nᵢ and n̄ the mean number of ratings per agent, κ = m(1 − m) / (v − m(1 − m)/n̄) − 1 and
shrunk_rate = (xᵢ + κ·m) / (nᵢ + κ). When v ≤ m(1 − m)/n̄ the agents differ no more than chance would make them:
everyone gets m.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, QuerySet

from analytics.lib.metrics import Scope
from analytics.lib.stats import wilson_interval
from analytics.quality.comparison import complaints_in_scope, tickets_in_scope
from satisfaction.crm.models import segment_customer_ids, segment_priority_subquery
from satisfaction.feedback.models import SATISFIED_MIN

SATISFIED_TICKET_MIN = int(SATISFIED_MIN)  # ticket ratings are whole numbers 1–5: satisfied is ≥ 4
CASE_MIX_FACTORS = ("service_type", "urgency", "ticket_priority", "segment")


def min_n() -> int:
    """The fewest ratings an agent needs to be ranked (setting AGENT_MIN_N, default 10)."""
    return int(getattr(settings, "AGENT_MIN_N", 10))


@dataclasses.dataclass
class AgentScore:
    """One handler's numbers over the tickets and complaints they handled in scope."""

    agent: str
    user_id: int | None
    key: str  # "user:<id>" or "name:<name>": the handler's identity in links (see `agent_url_key`)
    n: int
    satisfied: int
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    shrunk_rate: float | None
    expected: float | None
    adjusted_rate: float | None
    adjusted_low: float | None
    adjusted_high: float | None
    tickets: int
    follow_up_rate: float | None
    avg_handling_hours: float | None
    complaints: int
    escalation_rate: float | None
    rank: int | None = None


@dataclasses.dataclass
class AgentTable:
    """Every agent in scope, best shrunk rate first, with the pool they were shrunk towards."""

    agents: list[AgentScore]
    pooled_rate: float | None
    kappa: float | None  # None: no spread beyond chance (everyone gets the pooled rate) or no data
    min_n: int


def _scoped(qs: QuerySet, scope: Scope) -> QuerySet:
    if scope.segment_priority is not None:
        qs = qs.filter(contract__customer__in=segment_customer_ids(scope.segment_priority))
    if scope.customer_id:
        qs = qs.filter(contract__customer_id=scope.customer_id)
    return qs


def scoped_tickets(scope: Scope) -> QuerySet:
    """External tickets opened in the scope (dates, service type, segment, customer)."""
    return _scoped(tickets_in_scope(start=scope.start, end=scope.end, service_types=scope.service_types), scope)


def scoped_complaints(scope: Scope) -> QuerySet:
    """Complaints filed in the scope."""
    return _scoped(complaints_in_scope(start=scope.start, end=scope.end, service_types=scope.service_types), scope)


class _Handlers:
    """Resolves (agent_id, agent_name) to one handler key and display name, with one query for the users."""

    def __init__(self, names: set[str], user_ids: set[int]):
        User = get_user_model()
        lowered = {name.strip().lower() for name in names if name and name.strip()}
        users = User.objects.filter(Q(pk__in=user_ids) | Q(username__in=[n for n in names if n]) | Q(is_active=True))
        self._by_id = {}
        self._by_name = {}
        for user in users.only("pk", "username", "first_name", "last_name"):
            label = user.get_full_name() or user.username
            if user.pk in user_ids or user.username.lower() in lowered or label.lower() in lowered:
                self._by_id[user.pk] = label
                self._by_name.setdefault(user.username.lower(), user.pk)
                self._by_name.setdefault(label.lower(), user.pk)

    def key(self, agent_id: int | None, agent_name: str) -> tuple[str, str, int | None] | None:
        if agent_id:
            return f"user:{agent_id}", self._by_id.get(agent_id, str(agent_id)), agent_id
        name = (agent_name or "").strip()
        if not name:
            return None
        user_id = self._by_name.get(name.lower())
        if user_id is not None:
            return f"user:{user_id}", self._by_id[user_id], user_id
        return f"name:{name}", name, None


def _handlers_for(*querysets: QuerySet) -> _Handlers:
    names, ids = set(), set()
    for qs in querysets:
        for agent_id, agent_name in qs.values_list("agent_id", "agent_name").distinct():
            if agent_id:
                ids.add(agent_id)
            elif agent_name:
                names.add(agent_name.strip())
    return _Handlers(names, ids)


def shrinkage(ns: list[int], xs: list[int]) -> tuple[float | None, float | None]:
    """(m, κ) of the beta-binomial prior by the method of moments; κ None when there is no spread beyond chance."""
    total = sum(ns)
    if not total:
        return None, None
    m = sum(xs) / total
    v = sum(n * (x / n - m) ** 2 for n, x in zip(ns, xs, strict=True) if n) / total
    n_bar = total / sum(1 for n in ns if n)
    chance = m * (1 - m) / n_bar
    if v <= chance:
        return m, None
    return m, m * (1 - m) / (v - chance) - 1


def shrunk(x: int, n: int, m: float | None, kappa: float | None) -> float | None:
    """(x + κm)/(n + κ); the pooled rate itself when κ is None (infinite prior strength)."""
    if m is None:
        return None
    if kappa is None:
        return m
    return (x + kappa * m) / (n + kappa)


def fit_logistic(X: np.ndarray, y: np.ndarray, *, iterations: int = 50, ridge: float = 1e-8) -> np.ndarray:
    """Maximum-likelihood logistic regression by Newton–Raphson (IRLS); a negligible ridge keeps it defined when a
    factor level separates the outcome perfectly. Returns the coefficients (X includes the intercept column)."""
    beta = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(X @ beta)))
        w = np.clip(p * (1 - p), 1e-12, None)
        gradient = X.T @ (y - p) - ridge * beta
        hessian = (X * w[:, None]).T @ X + ridge * np.eye(X.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def design_matrix(rows: list[dict]) -> np.ndarray:
    """Intercept + one-hot columns (first level dropped) of the case-mix factors; a missing value is its own level."""
    columns = [np.ones(len(rows))]
    for factor in CASE_MIX_FACTORS:
        levels = sorted({str(r[factor]) for r in rows})
        for level in levels[1:]:
            columns.append(np.array([1.0 if str(r[factor]) == level else 0.0 for r in rows]))
    return np.column_stack(columns)


def agent_scores(scope: Scope) -> AgentTable:
    """The agents table for a scope: see the module docstring for the methods."""
    tickets = scoped_tickets(scope)
    complaints = scoped_complaints(scope)
    handlers = _handlers_for(tickets, complaints)
    threshold = min_n()

    rated = list(
        tickets.filter(satisfaction__isnull=False)
        .annotate(segment=segment_priority_subquery("contract__customer"))
        .values(
            "agent_id",
            "agent_name",
            "satisfaction",
            "urgency",
            "ticket_priority",
            "segment",
            "contract__service_type__code",
        )  # fmt: skip
    )
    for row in rated:
        row["service_type"] = row.pop("contract__service_type__code")
    ticket_totals = tickets.values("agent_id", "agent_name").annotate(
        count=Count("id"), follow_ups=Count("id", filter=Q(follow_up=True)), hours=Avg("handling_hours"),
        hours_n=Count("handling_hours"),
    )  # fmt: skip
    complaint_totals = complaints.values("agent_id", "agent_name").annotate(
        count=Count("id"), n_escalated=Count("id", filter=Q(escalated=True)), escalated_known=Count("escalated")
    )

    acc: dict[str, dict] = {}

    def slot(agent_id, agent_name):
        resolved = handlers.key(agent_id, agent_name)
        if resolved is None:
            return None
        key, label, user_id = resolved
        return acc.setdefault(key, {"key": key, "agent": label, "user_id": user_id, "n": 0, "x": 0, "expected": 0.0,
                                    "tickets": 0, "follow_ups": 0, "hours_sum": 0.0, "hours_n": 0,
                                    "complaints": 0, "escalated": 0, "escalated_known": 0})  # fmt: skip

    kept = [(row, slot(row["agent_id"], row["agent_name"])) for row in rated]
    kept = [(row, a) for row, a in kept if a is not None]
    if kept:
        y = np.array([1.0 if row["satisfaction"] >= SATISFIED_TICKET_MIN else 0.0 for row, _ in kept])
        X = design_matrix([row for row, _ in kept])
        expected = 1 / (1 + np.exp(-(X @ fit_logistic(X, y))))
        for (_row, a), yi, pi in zip(kept, y, expected, strict=True):
            a["n"] += 1
            a["x"] += int(yi)
            a["expected"] += float(pi)
    for row in ticket_totals:
        a = slot(row["agent_id"], row["agent_name"])
        if a is not None:
            a["tickets"] += row["count"]
            a["follow_ups"] += row["follow_ups"]
            if row["hours"] is not None:
                a["hours_sum"] += row["hours"] * row["hours_n"]
                a["hours_n"] += row["hours_n"]
    for row in complaint_totals:
        a = slot(row["agent_id"], row["agent_name"])
        if a is not None:
            a["complaints"] += row["count"]
            a["escalated"] += row["n_escalated"]
            a["escalated_known"] += row["escalated_known"]

    rated_agents = [a for a in acc.values() if a["n"]]
    m, kappa = shrinkage([a["n"] for a in rated_agents], [a["x"] for a in rated_agents])
    scores = []
    for a in acc.values():
        n, x = a["n"], a["x"]
        interval = wilson_interval(x, n) if n else None
        adjusted = adj_low = adj_high = None
        if n and a["expected"] > 0 and m is not None:
            factor = m / a["expected"]
            adjusted = min(x * factor, 1.0)
            adj_low, adj_high = min(interval.low * n * factor, 1.0), min(interval.high * n * factor, 1.0)
        scores.append(
            AgentScore(
                agent=a["agent"], user_id=a["user_id"], key=a["key"], n=n, satisfied=x,
                rate=x / n if n else None, rate_low=interval.low if interval else None,
                rate_high=interval.high if interval else None,
                shrunk_rate=shrunk(x, n, m, kappa) if n else None,
                expected=a["expected"] if n else None, adjusted_rate=adjusted, adjusted_low=adj_low,
                adjusted_high=adj_high, tickets=a["tickets"],
                follow_up_rate=a["follow_ups"] / a["tickets"] if a["tickets"] else None,
                avg_handling_hours=a["hours_sum"] / a["hours_n"] if a["hours_n"] else None,
                complaints=a["complaints"],
                escalation_rate=a["escalated"] / a["escalated_known"] if a["escalated_known"] else None,
            )
        )  # fmt: skip
    _rank(scores, threshold)
    scores.sort(key=lambda s: (s.rank is None, s.rank or 0, -(s.shrunk_rate or -1), -s.n, s.agent))
    return AgentTable(agents=scores, pooled_rate=m, kappa=kappa, min_n=threshold)


def _rank(scores: list[AgentScore], threshold: int) -> None:
    """1 = best shrunk rate among agents with at least `threshold` ratings; equal rates share a rank."""
    ranked = sorted((s for s in scores if s.n >= threshold), key=lambda s: -s.shrunk_rate)
    previous, rank = None, 0
    for position, score in enumerate(ranked, start=1):
        if previous is None or not math.isclose(score.shrunk_rate, previous, rel_tol=1e-12, abs_tol=1e-12):
            rank, previous = position, score.shrunk_rate
        score.rank = rank


def agents_json(scope: Scope) -> dict:
    """The API's representation: the scope, min_n, the pooled rate and κ, one row per agent."""
    table = agent_scores(scope)
    return {
        "scope": {
            "start": scope.start.isoformat() if isinstance(scope.start, dt.date) else None,
            "end": scope.end.isoformat() if isinstance(scope.end, dt.date) else None,
            "service_type": scope.service_types[0] if scope.service_types else None,
            "segment_priority": scope.segment_priority,
        },
        "min_n": table.min_n,
        "pooled_rate": table.pooled_rate,
        "kappa": table.kappa,
        "agents": [
            {
                "agent": s.agent,
                "user": s.user_id,
                "n": s.n,
                "satisfied": s.satisfied,
                "rate": s.rate,
                "rate_interval": None if s.rate is None else [s.rate_low, s.rate_high],
                "shrunk_rate": s.shrunk_rate,
                "expected_satisfied": s.expected,
                "adjusted_rate": s.adjusted_rate,
                "adjusted_interval": None if s.adjusted_rate is None else [s.adjusted_low, s.adjusted_high],
                "tickets": s.tickets,
                "follow_up_rate": s.follow_up_rate,
                "avg_handling_hours": s.avg_handling_hours,
                "complaints": s.complaints,
                "escalation_rate": s.escalation_rate,
                "rank": s.rank,
            }
            for s in table.agents
        ],
    }
