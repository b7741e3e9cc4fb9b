"""Handler continuity ("one owner per customer conversation"): how many handlers served each customer, how often a
customer's later tickets went to someone other than the first handler, and whether that goes with satisfaction.

Per customer, over the period: its tickets in order of opening; the *first handler* handled the first one; every
later ticket either *kept* that handler or *changed*. Tickets and complaints without a handler are left out of
the handler counts (nobody's), and unrated tickets out of the satisfaction comparison (missing is not zero).
"""

from __future__ import annotations

import dataclasses

from analytics.agents import SATISFIED_TICKET_MIN, _handlers_for, scoped_complaints, scoped_tickets
from analytics.lib.metrics import Scope
from analytics.lib.stats import two_proportion_z
from satisfaction.crm.models import segment_priority_subquery

NO_SEGMENT = "none"


@dataclasses.dataclass
class _Group:
    customers: int = 0
    handlers: int = 0
    later: int = 0
    changed: int = 0
    kept_rated: int = 0
    kept_satisfied: int = 0
    changed_rated: int = 0
    changed_satisfied: int = 0

    def add(self, other: _Group) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def as_dict(self) -> dict:
        test = two_proportion_z(
            self.kept_satisfied, self.kept_rated, self.changed_satisfied, self.changed_rated,
            labels=("kept the handler", "changed handler"), labels_zh=("同一处理人", "更换处理人"),
        )  # fmt: skip
        return {
            "customers": self.customers,
            "avg_handlers_per_customer": self.handlers / self.customers if self.customers else None,
            "later_tickets": self.later,
            "changed_handler_share": self.changed / self.later if self.later else None,
            "kept": {"rated": self.kept_rated, "satisfied": self.kept_satisfied,
                     "rate": self.kept_satisfied / self.kept_rated if self.kept_rated else None},
            "changed": {"rated": self.changed_rated, "satisfied": self.changed_satisfied,
                        "rate": self.changed_satisfied / self.changed_rated if self.changed_rated else None},
            "test": {"z": test.z, "p_value": test.p_value, "diff": test.diff, "enough_data": test.enough_data,
                     "reading_en": test.reading_en, "reading_zh": test.reading_zh},
        }  # fmt: skip


def handler_continuity(scope: Scope) -> dict:
    """Per customer, per segment and overall; see the module docstring."""
    tickets = scoped_tickets(scope)
    complaints = scoped_complaints(scope)
    handlers = _handlers_for(tickets, complaints)
    segment_of = {}
    per_customer: dict[int, dict] = {}
    rows = (
        tickets.annotate(segment=segment_priority_subquery("contract__customer"))
        .order_by("opened_at", "id")
        .values_list(
            "contract__customer_id", "contract__customer__name", "segment", "agent_id", "agent_name", "satisfaction"
        )  # fmt: skip
    )
    for customer_id, name, segment, agent_id, agent_name, rating in rows:
        resolved = handlers.key(agent_id, agent_name)
        if resolved is None:
            continue
        segment_of[customer_id] = NO_SEGMENT if segment is None else str(segment)
        c = per_customer.setdefault(customer_id, {"name": name, "first": resolved[0], "handlers": set(),
                                                  "group": _Group(customers=1)})  # fmt: skip
        c["handlers"].add(resolved[0])
        if not c.get("seen"):
            c["seen"] = True
            continue
        g = c["group"]
        g.later += 1
        changed = resolved[0] != c["first"]
        satisfied = rating is not None and rating >= SATISFIED_TICKET_MIN
        if changed:
            g.changed += 1
            if rating is not None:
                g.changed_rated += 1
                g.changed_satisfied += satisfied
        elif rating is not None:
            g.kept_rated += 1
            g.kept_satisfied += satisfied
    complaint_rows = complaints.values_list("contract__customer_id", "agent_id", "agent_name").distinct()
    for customer_id, agent_id, agent_name in complaint_rows:
        resolved = handlers.key(agent_id, agent_name)
        if resolved is not None and customer_id in per_customer:
            per_customer[customer_id]["handlers"].add(resolved[0])
    overall, segments, customers = _Group(), {}, []
    for customer_id, c in per_customer.items():
        g = c["group"]
        g.handlers = len(c["handlers"])
        overall.add(g)
        segments.setdefault(segment_of[customer_id], _Group()).add(g)
        customers.append({"customer": customer_id, "name": c["name"], "segment": segment_of[customer_id],
                          "handlers": g.handlers, "later_tickets": g.later, "changed": g.changed})  # fmt: skip
    customers.sort(key=lambda r: (-r["handlers"], -r["changed"], r["name"]))
    return {
        "overall": overall.as_dict(),
        "segments": {key: segments[key].as_dict() for key in sorted(segments)},
        "customers": customers,
    }
