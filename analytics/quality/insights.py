"""Diagnostic findings, risks and prioritised recommendations from a segment comparison.

Each rule reads a `SegmentComparison`, and fires only on the numbers and tests it names; every insight
carries those numbers (`evidence`) and the readings of the tests that triggered it, in English and Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from analytics.quality.comparison import SegmentComparison

PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
KIND_ORDER = {"risk": 0, "finding": 1, "recommendation": 2}

# Thresholds of the rules, named so the report can explain them.
MIN_EFFECT_G = 0.2  # Hedges' g below this is a negligible difference in satisfaction
FASTER_RESPONSE = 0.9  # segment median response ≤ 90% of the rest's counts as faster
NOT_FASTER_RESOLUTION = 0.95  # … while its median resolution ≥ 95% of the rest's is not faster
LONG_P90_RESOLUTION_HOURS = 168.0  # a week
LONG_MEDIAN_RESPONSE_HOURS = 24.0
LOW_FIRST_CONTACT_RESOLUTION = 0.6
LOW_COMPLAINT_SATISFACTION = 3.0
MIX_MIN_V = 0.1  # Cramér's V below this is too small a mix difference to explain anything


@dataclass(frozen=True)
class Insight:
    """One finding, risk or recommendation with the evidence that triggered it."""

    rule: str
    kind: str  # finding | risk | recommendation
    priority: str  # high | medium | low
    category: str  # training | process | communication | quality_assurance | data
    title_en: str
    title_zh: str
    text_en: str
    text_zh: str
    evidence: dict = field(default_factory=dict)
    tests: tuple[tuple[str, str], ...] = ()  # (reading_en, reading_zh) of each test used


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _readings(*results) -> tuple[tuple[str, str], ...]:
    return tuple((r.reading_en, r.reading_zh) for r in results)


def _lower_satisfaction(test) -> bool:
    return test.significant() and test.diff < 0 and abs(test.hedges_g or 0) >= MIN_EFFECT_G


def rule_follow_up_with_lower_satisfaction(c: SegmentComparison) -> list[Insight]:
    """More follow-ups and lower ticket satisfaction in the segment move together."""
    fu, sat = c.tests.follow_up_rate, c.tests.ticket_satisfaction
    if not (fu.significant() and fu.diff > 0 and sat.significant() and sat.diff < 0):
        return []
    s, r = c.tickets["segment"], c.tickets["rest"]
    ev = {
        "follow_up_rate_segment": s.follow_up_rate, "follow_up_rate_rest": r.follow_up_rate,
        "avg_satisfaction_segment": s.avg_satisfaction, "avg_satisfaction_rest": r.avg_satisfaction,
        "z": fu.z, "p_follow_up": fu.p_value, "t": sat.t, "p_satisfaction": sat.p_value, "hedges_g": sat.hedges_g,
    }  # fmt: skip
    tests = _readings(fu, sat)
    return [
        Insight(
            "follow_up_with_lower_satisfaction", "finding", "high", "process",
            "More follow-ups and lower satisfaction move together",
            "二次跟进更多，满意度更低，二者同向变化",
            f"{c.label_en} tickets need a second follow-up more often ({_pct(s.follow_up_rate)} vs "
            f"{_pct(r.follow_up_rate)}) and are rated lower ({_num(s.avg_satisfaction)} vs "
            f"{_num(r.avg_satisfaction)}). "
            "Tickets not solved at first contact are the likely source of the gap.",
            f"{c.label_zh}客户的工单更常需要二次跟进（{_pct(s.follow_up_rate)} 对 {_pct(r.follow_up_rate)}），"
            f"满意度也更低（{_num(s.avg_satisfaction)} 对 {_num(r.avg_satisfaction)}），"
            "未能首次解决的工单很可能是差距来源。",
            ev, tests,
        ),
        Insight(
            "follow_up_with_lower_satisfaction", "recommendation", "high", "training",
            "Raise first-contact resolution for this segment",
            "提升该分组的首次解决率",
            f"Review the {s.follow_ups} follow-up tickets of {c.label_en} customers for recurring causes, give agents "
            "a checklist and the authority to close them at first contact, and track the follow-up rate monthly.",
            f"梳理{c.label_zh}客户的 {s.follow_ups} 张二次跟进工单，找出重复原因，"
            "为客服提供检查清单和首次解决所需的权限，并按月跟踪二次跟进率。",
            ev, tests,
        ),
    ]  # fmt: skip


def rule_fewer_escalations_without_better_satisfaction(c: SegmentComparison) -> list[Insight]:
    """Fewer escalations in the segment, but complaint satisfaction is not better."""
    esc, sat = c.tests.escalation_rate, c.tests.complaint_satisfaction
    if not (esc.significant() and esc.diff < 0 and sat.enough_data):
        return []
    if sat.significant() and sat.diff > 0:
        return []
    s, r = c.complaints["segment"], c.complaints["rest"]
    return [
        Insight(
            "fewer_escalations_without_better_satisfaction", "finding", "medium", "communication",
            "Fewer escalations, but no better satisfaction",
            "升级更少，但满意度并未更高",
            f"{c.label_en} complaints are escalated less often ({_pct(s.escalation_rate)} vs "
            f"{_pct(r.escalation_rate)}), "
            f"yet their satisfaction is not higher ({_num(s.avg_satisfaction)} vs {_num(r.avg_satisfaction)}): "
            "fewer escalations may mean complaints are contained rather than resolved to the customer's liking.",
            f"{c.label_zh}客户的投诉升级率更低（{_pct(s.escalation_rate)} 对 {_pct(r.escalation_rate)}），"
            f"但满意度并未更高（{_num(s.avg_satisfaction)} 对 {_num(r.avg_satisfaction)}）："
            "升级少可能只是投诉被压下，而非真正让客户满意。",
            {"escalation_rate_segment": s.escalation_rate, "escalation_rate_rest": r.escalation_rate,
             "avg_satisfaction_segment": s.avg_satisfaction, "avg_satisfaction_rest": r.avg_satisfaction,
             "p_escalation": esc.p_value, "p_satisfaction": sat.p_value},
            _readings(esc, sat),
        )
    ]  # fmt: skip


def rule_faster_response_not_faster_resolution(c: SegmentComparison) -> list[Insight]:
    """The segment gets a faster first response but not a faster resolution."""
    s, r = c.complaints["segment"], c.complaints["rest"]
    values = (s.median_response_hours, r.median_response_hours, s.median_resolution_hours, r.median_resolution_hours)
    if any(v is None for v in values) or min(s.count, r.count) < 10 or not r.median_response_hours:
        return []
    faster = s.median_response_hours <= FASTER_RESPONSE * r.median_response_hours
    not_faster = s.median_resolution_hours >= NOT_FASTER_RESOLUTION * r.median_resolution_hours
    if not (faster and not_faster):
        return []
    return [
        Insight(
            "faster_response_not_faster_resolution", "finding", "medium", "process",
            "Faster response, but not faster resolution",
            "响应更快，但解决并未更快",
            f"{c.label_en} complaints get a first response sooner (median {_num(s.median_response_hours, 1)} h vs "
            f"{_num(r.median_response_hours, 1)} h) but are not resolved sooner (median "
            f"{_num(s.median_resolution_hours, 1)} h vs {_num(r.median_resolution_hours, 1)} h): "
            "the priority stops at the first reply.",
            f"{c.label_zh}客户的投诉首次响应更快（中位数 {_num(s.median_response_hours, 1)} 小时 对 "
            f"{_num(r.median_response_hours, 1)} 小时），"
            f"但解决并未更快（中位数 {_num(s.median_resolution_hours, 1)} 小时 对 "
            f"{_num(r.median_resolution_hours, 1)} 小时）：优先处理只停留在首次回复。",
            {"median_response_segment": s.median_response_hours, "median_response_rest": r.median_response_hours,
             "median_resolution_segment": s.median_resolution_hours,
             "median_resolution_rest": r.median_resolution_hours},
        )
    ]  # fmt: skip


def _mix_tests(c: SegmentComparison):
    return [c.distribution("urgency").test, c.distribution("ticket_priority").test]


def rule_mix_explains_gap(c: SegmentComparison) -> list[Insight]:
    """A satisfaction gap together with a different urgency/priority mix: part of the gap may be the mix."""
    sat = c.tests.ticket_satisfaction
    if not sat.significant():
        return []
    differing = [t for t in _mix_tests(c) if t.significant() and (t.cramers_v or 0) >= MIX_MIN_V]
    if not differing:
        return []
    return [
        Insight(
            "mix_explains_gap", "finding", "medium", "data",
            "The ticket mix differs and may explain part of the gap",
            "工单构成不同，可能解释部分差距",
            f"{c.label_en} tickets differ in satisfaction and also in their mix "
            f"({'; '.join(t.reading_en for t in differing)}). Compare like with like (same urgency and priority) "
            "before attributing the gap to service.",
            f"{c.label_zh}客户的工单满意度不同，其构成也不同。在把差距归因于服务之前，应在相同紧急程度和优先级内比较。",
            {"p_satisfaction": sat.p_value, **{f"cramers_v_{i}": t.cramers_v for i, t in enumerate(differing)}},
            _readings(sat, *differing),
        )
    ]  # fmt: skip


def rule_mix_does_not_explain_gap(c: SegmentComparison) -> list[Insight]:
    """A satisfaction gap while the urgency/priority mix is the same: the gap is in the service itself."""
    sat = c.tests.ticket_satisfaction
    mix = _mix_tests(c)
    if not (sat.significant() and all(t.enough_data and not t.significant() for t in mix)):
        return []
    return [
        Insight(
            "mix_does_not_explain_gap", "finding", "high", "quality_assurance",
            "The satisfaction gap is not explained by the ticket mix",
            "满意度差距无法用工单构成解释",
            f"{c.label_en} tickets are rated differently ({sat.reading_en}) although urgency and priority are "
            "distributed alike: look at how these customers are served, not at what they ask.",
            f"{c.label_zh}客户的工单评分不同，但紧急程度和优先级的分布相近：应关注服务方式本身，而非需求构成。",
            {"p_satisfaction": sat.p_value, "hedges_g": sat.hedges_g, "p_urgency": mix[0].p_value,
             "p_priority": mix[1].p_value},
            _readings(sat, *mix),
        )
    ]  # fmt: skip


def rule_long_times(c: SegmentComparison) -> list[Insight]:
    """Very long response or resolution times: a backlog, or hours measured in calendar time."""
    worst = max(c.complaints.values(), key=lambda m: m.p90_resolution_hours or 0)
    long_tail = (worst.p90_resolution_hours or 0) > LONG_P90_RESOLUTION_HOURS
    slow_start = any((m.median_response_hours or 0) > LONG_MEDIAN_RESPONSE_HOURS for m in c.complaints.values())
    if not (long_tail or slow_start):
        return []
    ev = {f"{k}_{name}": getattr(m, name) for k, m in c.complaints.items()
          for name in ("median_response_hours", "p90_response_hours", "median_resolution_hours",
                       "p90_resolution_hours")}  # fmt: skip
    return [
        Insight(
            "long_times", "risk", "high", "process",
            "Very long response or resolution times",
            "响应或解决时间过长",
            f"One complaint in ten takes over {_num(worst.p90_resolution_hours, 0)} hours to resolve, and median "
            "first responses run to "
            f"{_num(max(m.median_response_hours or 0 for m in c.complaints.values()), 1)} hours. Either a backlog is "
            "building up, or times are measured in calendar hours (nights and weekends included): check which before "
            "setting SLAs on them.",
            f"十分之一的投诉解决时间超过 {_num(worst.p90_resolution_hours, 0)} 小时，首次响应的中位数长达 "
            f"{_num(max(m.median_response_hours or 0 for m in c.complaints.values()), 1)} 小时。"
            "要么存在积压，要么时间按日历小时"
            "（含夜间和周末）计算：设定服务时限前应先核实。",
            ev,
        )
    ]  # fmt: skip


def rule_segment_less_satisfied(c: SegmentComparison) -> list[Insight]:
    """The segment is significantly less satisfied (with at least a small effect) with tickets or complaints."""
    out = []
    for name, test, label_en, label_zh in (
        ("tickets", c.tests.ticket_satisfaction, "tickets", "工单"),
        ("complaints", c.tests.complaint_satisfaction, "complaints", "投诉"),
    ):
        if _lower_satisfaction(test):
            out.append(
                Insight(
                    f"segment_less_satisfied_{name}", "risk", "high", "quality_assurance",
                    f"{c.label_en} customers are less satisfied with {label_en}",
                    f"{c.label_zh}客户对{label_zh}的满意度更低",
                    f"{test.reading_en} These are the customers who matter most: a gap here puts renewals at risk.",
                    f"{test.reading_zh} 这是最重要的客户群：这里的差距会影响续约。",
                    {"mean_segment": test.mean1, "mean_rest": test.mean2, "diff": test.diff, "p": test.p_value,
                     "hedges_g": test.hedges_g},
                    _readings(test),
                )
            )  # fmt: skip
    return out


def rule_more_escalations(c: SegmentComparison) -> list[Insight]:
    """The segment escalates complaints significantly more often."""
    esc = c.tests.escalation_rate
    if not (esc.significant() and esc.diff > 0):
        return []
    return [
        Insight(
            "more_escalations", "risk", "high", "communication",
            "More complaints are escalated", "投诉升级更多",
            esc.reading_en, esc.reading_zh,
            {"escalation_rate_segment": esc.p1, "escalation_rate_rest": esc.p2, "p": esc.p_value},
            _readings(esc),
        )
    ]  # fmt: skip


def rule_low_first_contact_resolution(c: SegmentComparison) -> list[Insight]:
    """First-contact resolution in the segment is low in absolute terms."""
    s = c.tickets["segment"]
    if s.count < 10 or s.first_contact_resolution_rate is None:
        return []
    if s.first_contact_resolution_rate >= LOW_FIRST_CONTACT_RESOLUTION:
        return []
    return [
        Insight(
            "low_first_contact_resolution", "recommendation", "medium", "training",
            "Train for first-contact resolution", "开展首次解决率培训",
            f"Only {_pct(s.first_contact_resolution_rate)} of {c.label_en} tickets are solved without a follow-up "
            f"(below {_pct(LOW_FIRST_CONTACT_RESOLUTION)}): train agents on the most frequent follow-up causes.",
            f"{c.label_zh}客户的工单中只有 {_pct(s.first_contact_resolution_rate)} 无需二次跟进"
            f"（低于 {_pct(LOW_FIRST_CONTACT_RESOLUTION)}）：针对最常见的跟进原因培训客服。",
            {"first_contact_resolution_rate": s.first_contact_resolution_rate, "tickets": s.count},
        )
    ]  # fmt: skip


def rule_low_complaint_satisfaction(c: SegmentComparison) -> list[Insight]:
    """Complaint handling leaves the segment dissatisfied on average (below 3 of 5)."""
    s = c.complaints["segment"]
    if s.rated < 10 or s.avg_satisfaction is None or s.avg_satisfaction >= LOW_COMPLAINT_SATISFACTION:
        return []
    return [
        Insight(
            "low_complaint_satisfaction", "recommendation", "medium", "communication",
            "Close the loop on complaints personally", "投诉处理后主动回访",
            f"{c.label_en} customers rate complaint handling {_num(s.avg_satisfaction)} of 5 on average "
            f"(n = {s.rated}): call back after each resolution and explain what changed.",
            f"{c.label_zh}客户对投诉处理的平均评分为 {_num(s.avg_satisfaction)}（满分 5，n = {s.rated}）："
            "每次解决后主动回访并说明改进措施。",
            {"avg_satisfaction": s.avg_satisfaction, "rated": s.rated},
        )
    ]  # fmt: skip


def rule_not_enough_data(c: SegmentComparison) -> list[Insight]:
    """Some tests could not be run: say so instead of reading anything into them."""
    missing = [
        (name, t)
        for name, t in (
            ("ticket satisfaction", c.tests.ticket_satisfaction),
            ("complaint satisfaction", c.tests.complaint_satisfaction),
            ("follow-up rate", c.tests.follow_up_rate),
            ("escalation rate", c.tests.escalation_rate),
        )
        if not t.enough_data
    ]
    if not missing:
        return []
    names = ", ".join(name for name, _ in missing)
    return [
        Insight(
            "not_enough_data", "risk", "low", "data",
            "Not enough data for some comparisons", "部分比较数据不足",
            f"No verdict on {names}: too few observations in a group. Widen the period or wait for more data.",
            f"以下比较暂无结论：{names}（某组样本过少）。请扩大时间范围或等待更多数据。",
            {name: None for name, _ in missing},
            _readings(*(t for _, t in missing)),
        )
    ]  # fmt: skip


RULES: tuple[Callable[[SegmentComparison], list[Insight]], ...] = (
    rule_follow_up_with_lower_satisfaction,
    rule_fewer_escalations_without_better_satisfaction,
    rule_faster_response_not_faster_resolution,
    rule_mix_explains_gap,
    rule_mix_does_not_explain_gap,
    rule_long_times,
    rule_segment_less_satisfied,
    rule_more_escalations,
    rule_low_first_contact_resolution,
    rule_low_complaint_satisfaction,
    rule_not_enough_data,
)


def generate_insights(comparison: SegmentComparison) -> list[Insight]:
    """Every insight the rules find, risks first, then findings, then recommendations, each by priority."""
    found = [insight for rule in RULES for insight in rule(comparison)]
    return sorted(found, key=lambda i: (KIND_ORDER[i.kind], PRIORITY_ORDER[i.priority]))
