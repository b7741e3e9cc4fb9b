"""Handler continuity ("one owner per customer conversation"): how many handlers served each customer, how often a
customer's later tickets went to someone other than the first handler, and whether that goes with satisfaction.

Per customer, over the period: its tickets in order of opening; the *first handler* handled the first one; every
later ticket either *kept* that handler or *changed*. Tickets and complaints without a handler are left out of
the handler counts (nobody's), and unrated tickets out of the satisfaction comparison (missing is not zero).
"""

from __future__ import annotations

import dataclasses

from analytics.agents import SATISFIED_TICKET_MIN, _handlers_for, scoped_complaints, scoped_tickets
from analytics.lib.metrics import Scope, segment_expression
from analytics.lib.stats import two_proportion_z

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
        for name in _GROUP_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

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


# Once, not per call: a group is added up once per customer (tens of thousands at a million records).
_GROUP_FIELDS = tuple(field.name for field in dataclasses.fields(_Group))


def handler_continuity(scope: Scope) -> dict:
    """Per customer, per segment and overall; see the module docstring."""
    tickets = scoped_tickets(scope)
    complaints = scoped_complaints(scope)
    handlers = _handlers_for(tickets, complaints)
    segment_of = {}
    per_customer: dict[int, dict] = {}
    rows = (
        # One uncorrelated IN list per priority (0 = no contacts), not a MIN() subquery per ticket.
        tickets.annotate(segment=segment_expression("contract__customer_id"))
        .order_by("opened_at", "id")
        .values_list(
            "contract__customer_id", "contract__customer__name", "segment", "agent_id", "agent_name", "satisfaction"
        )  # fmt: skip
    )
    # A few dozen handlers serve hundreds of thousands of tickets: resolve each (id, name) pair once.
    keys: dict[tuple, str | None] = {}
    for customer_id, name, segment, agent_id, agent_name, rating in rows:
        pair = (agent_id, agent_name)
        if pair not in keys:
            resolved = handlers.key(agent_id, agent_name)
            keys[pair] = resolved[0] if resolved is not None else None
        handler = keys[pair]
        if handler is None:
            continue
        c = per_customer.get(customer_id)
        if c is None:
            segment_of[customer_id] = NO_SEGMENT if not segment else str(segment)
            per_customer[customer_id] = {"name": name, "first": handler, "handlers": {handler},
                                         "group": _Group(customers=1)}  # fmt: skip
            continue
        c["handlers"].add(handler)
        g = c["group"]
        g.later += 1
        satisfied = rating is not None and rating >= SATISFIED_TICKET_MIN
        if handler != c["first"]:
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


def _group_rows(data: dict, lang: str):
    zh = lang.startswith("zh")

    def label(key):
        if key == NO_SEGMENT:
            return "无联系人" if zh else "No contacts"
        return f"优先级 {key}" if zh else f"Priority {key}"

    groups = [(label(key), g) for key, g in data["segments"].items()]
    return [*groups, ("全部客户" if zh else "All customers", data["overall"])]


def continuity_rows(data: dict, lang: str = "en"):
    """The bundle's continuity.csv: one row per segment and one for all customers (rates as fractions)."""
    zh = lang.startswith("zh")
    yield (
        ["细分", "客户数", "人均处理人数", "后续工单数", "更换处理人占比", "同一处理人评分数", "同一处理人满意数",
         "更换处理人评分数", "更换处理人满意数", "z", "p"] if zh else
        ["segment", "customers", "avg_handlers_per_customer", "later_tickets", "changed_handler_share",
         "kept_rated", "kept_satisfied", "changed_rated", "changed_satisfied", "z", "p_value"]
    )  # fmt: skip
    for label, g in _group_rows(data, lang):
        yield [label, g["customers"], g["avg_handlers_per_customer"], g["later_tickets"], g["changed_handler_share"],
               g["kept"]["rated"], g["kept"]["satisfied"], g["changed"]["rated"], g["changed"]["satisfied"],
               g["test"]["z"], g["test"]["p_value"]]  # fmt: skip


def continuity_markdown(data: dict, lang: str = "en") -> str:
    """The report.md section "handler continuity"."""
    zh = lang.startswith("zh")
    lines = ["", "## 处理人连续性" if zh else "## Handler continuity", ""]
    lines.append(
        "同一客户的后续工单是否仍由首位处理人负责，以及这与满意度的关系（见 continuity.csv）。" if zh else
        "Whether a customer's later tickets stayed with the first handler, and how that goes with satisfaction "
        "(see continuity.csv)."
    )  # fmt: skip
    header = (
        ["细分", "客户数", "人均处理人数", "更换处理人占比", "满意率（同一处理人）", "满意率（更换处理人）"] if zh else
        ["segment", "customers", "handlers per customer", "later tickets with another handler",
         "satisfied, same handler", "satisfied, changed handler"]
    )  # fmt: skip
    lines += ["", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]

    def pct(value):
        return "—" if value is None else f"{value * 100:.1f}%"

    for label, g in _group_rows(data, lang):
        handlers = "—" if g["avg_handlers_per_customer"] is None else f"{g['avg_handlers_per_customer']:.1f}"
        kept = f"{pct(g['kept']['rate'])} ({g['kept']['satisfied']}/{g['kept']['rated']})"
        changed = f"{pct(g['changed']['rate'])} ({g['changed']['satisfied']}/{g['changed']['rated']})"
        lines.append(
            f"| {label} | {g['customers']} | {handlers} | {pct(g['changed_handler_share'])} | {kept} | {changed} |"
        )
    test = data["overall"]["test"]
    lines += ["", test["reading_zh"] if zh else test["reading_en"]]
    return "\n".join(lines) + "\n"
