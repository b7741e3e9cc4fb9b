"""Improvement suggestions generated from the data by rules, each with its evidence and a quantified impact.

Every rule reads the last `LOOKBACK_DAYS` days (the recent-drop rule: the last `RECENT_DAYS` against the
`RECENT_DAYS` before), returns `Candidate`s, and `generate_suggestions` stores them through the
`suggestion_record` service, which deduplicates by rule and scope. Rules read raw records, not the daily
snapshots, so a nightly run never depends on snapshot freshness. Thresholds are module constants, listed with
the rules in docs/improvements.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, FloatField, Q, Sum
from django.db.models.functions import Coalesce

from analytics.lib import metrics, stats
from analytics.lib.metrics import Kpis, Scope
from analytics.lib.topics import topic_rows
from analytics.models import NO_SEGMENT
from core.db import Level
from satisfaction.crm.models import Customer, ServiceType, segment_priority_subquery
from satisfaction.feedback.models import SATISFIED_MIN, SatisfactionTarget
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.improvements.models import Category
from satisfaction.improvements.services import suggestion_record

LOOKBACK_DAYS = 90
RECENT_DAYS = 30
DEFAULT_TARGET = 0.95
MIN_N = stats.MIN_N_PROPORTION
LOW_SUB_SCORE = 3.5  # mean accuracy/completeness (1–5) below this is low
SLOW_RESPONSE_HOURS = 24.0
REPEATED_LOW_SCORES = 3  # low scores (< 3) from one customer in the look-back window …
LOW_SHARE_MIN = 0.3  # … that are also at least this share of the customer's responses
MAX_ACCOUNT_SUGGESTIONS = 25  # the most affected accounts per run; the rest wait until these are handled
LOW_SCORE_BELOW = 3
LOW_ESCALATION_RATE = 0.10
LOW_COMPLAINT_SATISFACTION = 3.0
SLA_RESPONSE_HOURS = 24.0
SLA_RESOLUTION_HOURS = 72.0
SLA_BREACH_SHARE = 0.20
SOURCE = "raw"


@dataclass(frozen=True)
class Candidate:
    """What one rule found for one scope, ready for `suggestion_record`."""

    rule_code: str
    scope_key: str
    severity: float
    priority: str
    category: str
    title_en: str
    title_zh: str
    rationale_en: str
    rationale_zh: str
    actions_en: str
    actions_zh: str
    expected_impact_en: str
    expected_impact_zh: str
    impact_points: float | None
    evidence: dict = field(default_factory=dict)
    service_type_code: str | None = None
    customer_id: int | None = None
    segment_priority: int | None = None

    def content(self) -> dict:
        """The suggestion's content fields."""
        keys = (
            "priority", "category", "title_en", "title_zh", "rationale_en", "rationale_zh", "actions_en",
            "actions_zh", "expected_impact_en", "expected_impact_zh", "impact_points", "evidence",
        )  # fmt: skip
        return {k: getattr(self, k) for k in keys}


@dataclass(frozen=True)
class Context:
    """What every rule needs: the dates, the target, overall and per-service KPIs of the look-back window."""

    today: dt.date
    scope: Scope
    target: float
    overall: Kpis
    services: list[metrics.BreakdownRow]

    @property
    def start(self) -> dt.date:
        return self.scope.start


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _priority(points: float, high: float = 2.0, medium: float = 0.5) -> str:
    if points >= high:
        return Level.HIGH
    if points >= medium:
        return Level.MEDIUM
    return Level.LOW


def _overall_if(ctx: Context, *, extra_satisfied: float) -> float:
    """The overall satisfaction rate if `extra_satisfied` more responses in the window had been satisfied."""
    return (ctx.overall.satisfied + extra_satisfied) / ctx.overall.count


def _impact_text(ctx: Context, extra: float, what_en: str, what_zh: str) -> tuple[float, str, str]:
    new = _overall_if(ctx, extra_satisfied=extra)
    points = (new - ctx.overall.satisfaction_rate) * 100
    return (
        points,
        f"If {what_en}, the overall satisfaction rate would rise by {points:.1f} points, "
        f"from {pct(ctx.overall.satisfaction_rate)} to {pct(new)}.",
        f"如果{what_zh}，整体满意率将提高 {points:.1f} 个百分点，"
        f"从 {pct(ctx.overall.satisfaction_rate)} 升至 {pct(new)}。",
    )


def _active_target() -> tuple[float, dict[str, float]]:
    """The overall satisfaction-rate target and any per-service ones."""
    overall, per_service = DEFAULT_TARGET, {}
    targets = SatisfactionTarget.objects.filter(
        is_active=True, metric=SatisfactionTarget.Metric.SATISFACTION_RATE
    ).select_related("service_type")
    for t in targets:
        if t.service_type_id:
            per_service[t.service_type.code] = t.target_value
        else:
            overall = t.target_value
    return overall, per_service


# --- rule 1: a service type below target ----------------------------------------------------------------------


def rule_service_below_target(ctx: Context) -> list[Candidate]:
    """A service type whose satisfaction rate is clearly below target (Wilson upper bound under it)."""
    _, per_service = _active_target()
    out = []
    for row in ctx.services:
        k, target = row.kpis, per_service.get(row.key, ctx.target)
        if k.count < MIN_N or k.satisfaction_rate >= target or k.satisfaction_rate_ci.high >= target:
            continue
        others = sum((r.kpis for r in ctx.services if r.key != row.key), metrics.EMPTY)
        # Reach the others' level when they do better, else the target itself.
        goal = others.satisfaction_rate if others.count and others.satisfaction_rate > k.satisfaction_rate else target
        goal_en = "the other services' satisfaction rate" if goal != target else "the target"
        goal_zh = "其他服务的满意率" if goal != target else "目标"
        points, impact_en, impact_zh = _impact_text(
            ctx,
            k.count * (goal - k.satisfaction_rate),
            f"{row.label_en} reached {goal_en} ({pct(goal)})",
            f"{row.label_zh}达到{goal_zh}（{pct(goal)}）",
        )
        ci = k.satisfaction_rate_ci
        out.append(
            Candidate(
                rule_code="service_below_target",
                scope_key=f"service:{row.key}",
                severity=round(points, 2),
                priority=_priority(points),
                category=Category.TRAINING,
                title_en=f"Raise {row.label_en} to the satisfaction target",
                title_zh=f"将{row.label_zh}满意率提升至目标",
                rationale_en=(
                    f"{row.label_en}: {pct(k.satisfaction_rate)} satisfied ({k.satisfied}/{k.count}, 95% CI "
                    f"{pct(ci.low)}–{pct(ci.high)}) over the last {LOOKBACK_DAYS} days, below the target of "
                    f"{pct(target)}; the other services are at {pct(others.satisfaction_rate)}."
                ),
                rationale_zh=(
                    f"{row.label_zh}近 {LOOKBACK_DAYS} 天满意率 {pct(k.satisfaction_rate)}（{k.satisfied}/{k.count}，"
                    f"95% 置信区间 {pct(ci.low)}–{pct(ci.high)}），低于目标 {pct(target)}；"
                    f"其他服务为 {pct(others.satisfaction_rate)}。"
                ),
                actions_en=(
                    "Review the dissatisfied responses with the team; run targeted training on the recurring "
                    "issues; pair weaker handlers with the best-rated ones for a month."
                ),
                actions_zh="与团队复盘不满意反馈；针对反复出现的问题开展专项培训；让评分较低的人员与评分最高的人员结对一个月。",
                expected_impact_en=impact_en,
                expected_impact_zh=impact_zh,
                impact_points=round(points, 2),
                evidence={
                    "count": k.count,
                    "satisfied": k.satisfied,
                    "rate": k.satisfaction_rate,
                    "ci": [ci.low, ci.high],
                    "target": target,
                    "others_rate": others.satisfaction_rate,
                },
                service_type_code=row.key,
            )
        )
    return out


# --- rule 2: low accuracy or completeness sub-scores ----------------------------------------------------------

SUB_SCORES = (("accuracy_score", "accuracy", "准确性"), ("completeness_score", "completeness", "完整性"))


def _window_records(ctx: Context):
    return metrics.raw_records(ctx.scope)


def rule_low_sub_score(ctx: Context) -> list[Candidate]:
    """A service type whose mean accuracy or completeness is low, where low sub-scores go with dissatisfaction."""
    sat = Q(score__gte=SATISFIED_MIN)
    aggregates = {}
    for fname, *_ in SUB_SCORES:
        low, good = Q(**{f"{fname}__lt": 4}), Q(**{f"{fname}__gte": 4})
        aggregates |= {
            f"{fname}_n": Count(fname),
            f"{fname}_mean": Avg(fname, output_field=FloatField()),
            f"{fname}_low_n": Count("id", filter=low),
            f"{fname}_low_sat": Count("id", filter=low & sat),
            f"{fname}_good_n": Count("id", filter=good),
            f"{fname}_good_sat": Count("id", filter=good & sat),
        }
    rows = _window_records(ctx).values("service_type__code").annotate(**aggregates)
    labels = {r.key: (r.label_en, r.label_zh) for r in ctx.services}
    out = []
    for row in rows:
        code = row["service_type__code"]
        for fname, en, zh in SUB_SCORES:
            n, mean = row[f"{fname}_n"], row[f"{fname}_mean"]
            low_n, good_n = row[f"{fname}_low_n"], row[f"{fname}_good_n"]
            if n < MIN_N or mean is None or mean >= LOW_SUB_SCORE:
                continue
            test = stats.two_proportion_z(row[f"{fname}_good_sat"], good_n, row[f"{fname}_low_sat"], low_n)
            if not (test.significant() and test.diff > 0):
                continue
            label_en, label_zh = labels.get(code, (code, code))
            points, impact_en, impact_zh = _impact_text(
                ctx,
                low_n * test.diff,
                f"responses with low {en} were as satisfied as those with good {en}",
                f"{zh}低的反馈与{zh}好的反馈一样满意",
            )
            out.append(
                Candidate(
                    rule_code="low_sub_score",
                    scope_key=f"service:{code}:{en}",
                    severity=round(LOW_SUB_SCORE - mean, 3),
                    priority=_priority(points),
                    category=Category.QUALITY_ASSURANCE,
                    title_en=f"Improve the {en} of {label_en}",
                    title_zh=f"提升{label_zh}的{zh}",
                    rationale_en=(
                        f"Mean {en} in {label_en} is {mean:.2f} of 5 (n = {n}). Responses rating {en} below 4 are "
                        f"{pct(test.p2)} satisfied ({row[f'{fname}_low_sat']}/{low_n}) against {pct(test.p1)} "
                        f"({row[f'{fname}_good_sat']}/{good_n}) for the rest ({stats.format_p(test.p_value)})."
                    ),
                    rationale_zh=(
                        f"{label_zh}的{zh}平均 {mean:.2f} 分（满分 5，n = {n}）。{zh}低于 4 分的反馈满意率为 "
                        f"{pct(test.p2)}（{row[f'{fname}_low_sat']}/{low_n}），其余为 {pct(test.p1)}"
                        f"（{row[f'{fname}_good_sat']}/{good_n}，{stats.format_p(test.p_value)}）。"
                    ),
                    actions_en=(
                        f"Add a second-reviewer check on {en} before delivery; build a checklist from the low-rated "
                        "cases; sample five deliverables a week for quality assurance."
                    ),
                    actions_zh=f"交付前增加{zh}复核；根据低分案例编制检查清单；每周抽检五份交付物。",
                    expected_impact_en=impact_en,
                    expected_impact_zh=impact_zh,
                    impact_points=round(points, 2),
                    evidence={"metric": en, "mean": mean, "n": n, "low_n": low_n, "test_p": test.p_value},
                    service_type_code=code,
                )
            )
    return out


# --- rule 3: slow response time -------------------------------------------------------------------------------


def rule_slow_response(ctx: Context) -> list[Candidate]:
    """A service type where responses slower than the SLA are significantly less satisfied."""
    sat = Q(score__gte=SATISFIED_MIN)
    slow, fast = Q(response_time_hours__gt=SLOW_RESPONSE_HOURS), Q(response_time_hours__lte=SLOW_RESPONSE_HOURS)
    rows = (
        _window_records(ctx)
        .values("service_type__code")
        .annotate(
            slow_n=Count("id", filter=slow),
            slow_sat=Count("id", filter=slow & sat),
            fast_n=Count("id", filter=fast),
            fast_sat=Count("id", filter=fast & sat),
            mean_hours=Avg("response_time_hours"),
        )
    )
    labels = {r.key: (r.label_en, r.label_zh) for r in ctx.services}
    out = []
    for row in rows:
        test = stats.two_proportion_z(row["fast_sat"], row["fast_n"], row["slow_sat"], row["slow_n"])
        if not (test.significant() and test.diff > 0):
            continue
        code = row["service_type__code"]
        label_en, label_zh = labels.get(code, (code, code))
        share = row["slow_n"] / (row["slow_n"] + row["fast_n"])
        points, impact_en, impact_zh = _impact_text(
            ctx,
            row["slow_n"] * test.diff,
            f"{label_en} answered within {SLOW_RESPONSE_HOURS:g} hours every time",
            f"{label_zh}全部在 {SLOW_RESPONSE_HOURS:g} 小时内响应",
        )
        out.append(
            Candidate(
                rule_code="slow_response",
                scope_key=f"service:{code}",
                severity=round(share, 3),
                priority=_priority(points),
                category=Category.PROCESS,
                title_en=f"Speed up responses in {label_en}",
                title_zh=f"加快{label_zh}的响应速度",
                rationale_en=(
                    f"{pct(share)} of {label_en} responses took over {SLOW_RESPONSE_HOURS:g} hours (mean "
                    f"{row['mean_hours']:.1f} h); those were {pct(test.p2)} satisfied against {pct(test.p1)} "
                    f"when faster ({stats.format_p(test.p_value)})."
                ),
                rationale_zh=(
                    f"{label_zh}有 {pct(share)} 的响应超过 {SLOW_RESPONSE_HOURS:g} 小时"
                    f"（平均 {row['mean_hours']:.1f} 小时）；"
                    f"这些反馈满意率为 {pct(test.p2)}，更快响应的为 {pct(test.p1)}（{stats.format_p(test.p_value)}）。"
                ),
                actions_en=(
                    f"Set a {SLOW_RESPONSE_HOURS:g}-hour first-response SLA with an automatic reminder at 75%; "
                    "add an on-call rota for peaks; acknowledge every request within 2 hours."
                ),
                actions_zh=(
                    f"设定 {SLOW_RESPONSE_HOURS:g} 小时首次响应 SLA，在 75% 时自动提醒；"
                    "高峰期设置值班；所有请求 2 小时内确认收到。"
                ),
                expected_impact_en=impact_en,
                expected_impact_zh=impact_zh,
                impact_points=round(points, 2),
                evidence={
                    "slow_n": row["slow_n"],
                    "fast_n": row["fast_n"],
                    "slow_rate": test.p2,
                    "fast_rate": test.p1,
                    "p": test.p_value,
                },
                service_type_code=code,
            )
        )
    return out


# --- rules 4 and 5: tickets and complaints by segment / service -----------------------------------------------


def _segment_counts(qs, customer_ref: str, **aggregates) -> dict[int, dict]:
    rows = (
        qs.order_by()
        .annotate(segment=Coalesce(segment_priority_subquery(customer_ref), NO_SEGMENT))
        .values("segment")
        .annotate(**aggregates)
    )
    return {row["segment"]: row for row in rows}


def _segment_name(p: int) -> tuple[str, str]:
    return metrics.segment_label(p)


def rule_follow_up_segment(ctx: Context) -> list[Candidate]:
    """A segment whose tickets need a second follow-up significantly more often than the other customers'."""
    qs = ServiceTicket.objects.filter(opened_at__gte=metrics.day_start(ctx.start), is_internal=False)
    rows = _segment_counts(qs, "contract__customer", n=Count("id"), follow=Count("id", filter=Q(follow_up=True)))
    total_n = sum(r["n"] for r in rows.values())
    total_f = sum(r["follow"] for r in rows.values())
    out = []
    for p, row in rows.items():
        if p == NO_SEGMENT:
            continue
        rest_n, rest_f = total_n - row["n"], total_f - row["follow"]
        test = stats.two_proportion_z(row["follow"], row["n"], rest_f, rest_n)
        if not (test.significant() and test.diff > 0):
            continue
        name_en, name_zh = _segment_name(p)
        avoided = row["n"] * test.diff
        fcr, fcr_goal = 1 - test.p1, 1 - test.p2
        points = (fcr_goal - fcr) * 100
        out.append(
            Candidate(
                rule_code="follow_up_segment",
                scope_key=f"segment:{p}",
                severity=round(test.diff, 3),
                priority=Level.HIGH if p == 1 else _priority(points, high=10, medium=3),
                category=Category.PROCESS,
                title_en=f"Resolve {name_en} customers' tickets at first contact",
                title_zh=f"提高{name_zh}客户工单的一次解决率",
                rationale_en=(
                    f"{pct(test.p1)} of {name_en} tickets needed a second follow-up ({row['follow']}/{row['n']}) "
                    f"against {pct(test.p2)} for the other customers ({rest_f}/{rest_n}); z = {test.z:.2f}, "
                    f"{stats.format_p(test.p_value)}."
                ),
                rationale_zh=(
                    f"{name_zh}客户工单有 {pct(test.p1)} 需要二次跟进（{row['follow']}/{row['n']}），其他客户为 "
                    f"{pct(test.p2)}（{rest_f}/{rest_n}）；z = {test.z:.2f}，{stats.format_p(test.p_value)}。"
                ),
                actions_en=(
                    "Route these customers' tickets to senior handlers; confirm the request and the expected answer "
                    "on the first call; review every follow-up weekly for its root cause."
                ),
                actions_zh="将这些客户的工单分派给资深人员；首次沟通时确认需求与预期答复；每周复盘所有二次跟进的根因。",
                expected_impact_en=(
                    f"At the other customers' follow-up rate, about {avoided:.0f} follow-ups would be avoided and "
                    f"first-contact resolution would rise by {points:.1f} points, from {pct(fcr)} to {pct(fcr_goal)}."
                ),
                expected_impact_zh=(
                    f"若达到其他客户的跟进率，约可减少 {avoided:.0f} 次二次跟进，一次解决率提高 {points:.1f} 个百分点，"
                    f"从 {pct(fcr)} 升至 {pct(fcr_goal)}。"
                ),
                impact_points=round(points, 2),
                evidence={
                    "segment": p,
                    "n": row["n"],
                    "follow_up": row["follow"],
                    "rest_n": rest_n,
                    "rest_follow_up": rest_f,
                    "z": test.z,
                    "p": test.p_value,
                },  # fmt: skip
                segment_priority=p,
            )
        )
    return out


def _complaints(ctx: Context):
    return Complaint.objects.filter(filed_at__gte=metrics.day_start(ctx.start))


def rule_escalation_policy(ctx: Context) -> list[Candidate]:
    """A service type that rarely escalates complaints while their satisfaction stays low: escalate sooner."""
    rows = (
        _complaints(ctx)
        .values("contract__service_type__code", "contract__service_type__name_en", "contract__service_type__name_zh")
        .annotate(
            n=Count("id"),
            escalated_n=Count("id", filter=Q(escalated=True)),
            rated=Count("satisfaction"),
            sat_sum=Sum("satisfaction"),
            escalated_rated=Count("satisfaction", filter=Q(escalated=True)),
            escalated_sat=Sum("satisfaction", filter=Q(escalated=True)),
        )
    )
    out = []
    for row in rows:
        if row["n"] < MIN_N or row["rated"] < MIN_N:
            continue
        rate, avg = row["escalated_n"] / row["n"], row["sat_sum"] / row["rated"]
        if rate > LOW_ESCALATION_RATE or avg >= LOW_COMPLAINT_SATISFACTION:
            continue
        # The rule says "escalate sooner": not when the escalated complaints themselves are rated worse.
        rest_rated = row["rated"] - row["escalated_rated"]
        if row["escalated_rated"] and rest_rated:
            escalated_avg = row["escalated_sat"] / row["escalated_rated"]
            if escalated_avg < (row["sat_sum"] - row["escalated_sat"]) / rest_rated:
                continue
        code = row["contract__service_type__code"]
        en, zh = row["contract__service_type__name_en"], row["contract__service_type__name_zh"]
        out.append(
            Candidate(
                rule_code="escalation_policy",
                scope_key=f"service:{code}",
                severity=round(LOW_COMPLAINT_SATISFACTION - avg, 3),
                priority=Level.HIGH if avg < 2.5 else Level.MEDIUM,
                category=Category.PROCESS,
                title_en=f"Review when {en} complaints are escalated",
                title_zh=f"重新审视{zh}投诉的升级机制",
                rationale_en=(
                    f"Only {pct(rate)} of {row['n']} {en} complaints were escalated, yet complainants rate the "
                    f"handling {avg:.2f} of 5 on average (n = {row['rated']}): few escalations, no better satisfaction."
                ),
                rationale_zh=(
                    f"{zh}的 {row['n']} 起投诉中仅 {pct(rate)} 被升级，但投诉人平均评分仅 {avg:.2f} 分（满分 5，"
                    f"n = {row['rated']}）：升级少，满意度却不高。"
                ),
                actions_en=(
                    "Escalate automatically when a complaint is not resolved within two days or the customer is "
                    "strategic; give team leads a weekly list of open complaints; call back after resolution."
                ),
                actions_zh="投诉两天内未解决或客户为战略客户时自动升级；每周向组长推送未结投诉清单；解决后回访客户。",
                expected_impact_en=(
                    f"Bringing complaint satisfaction from {avg:.2f} to {LOW_COMPLAINT_SATISFACTION:.1f} would mean "
                    f"{(LOW_COMPLAINT_SATISFACTION - avg):.2f} points more per complaint."
                ),
                expected_impact_zh=(
                    f"将投诉满意度从 {avg:.2f} 提升到 {LOW_COMPLAINT_SATISFACTION:.1f}，每起投诉提高 "
                    f"{(LOW_COMPLAINT_SATISFACTION - avg):.2f} 分。"
                ),
                impact_points=None,
                evidence={"n": row["n"], "escalated": row["escalated_n"], "avg_satisfaction": avg},
                service_type_code=code,
            )
        )
    return out


def rule_complaint_sla(ctx: Context) -> list[Candidate]:
    """A service type where too many complaints miss the response or resolution SLA."""
    breach = Q(response_hours__gt=SLA_RESPONSE_HOURS) | Q(resolution_hours__gt=SLA_RESOLUTION_HOURS)
    rows = (
        _complaints(ctx)
        .values("contract__service_type__code", "contract__service_type__name_en", "contract__service_type__name_zh")
        .annotate(
            n=Count("id"),
            breached=Count("id", filter=breach),
            breached_rated=Count("satisfaction", filter=breach),
            breached_sat=Sum("satisfaction", filter=breach),
            met_rated=Count("satisfaction", filter=~breach),
            met_sat=Sum("satisfaction", filter=~breach),
        )
    )
    out = []
    for row in rows:
        if row["n"] < MIN_N:
            continue
        share = row["breached"] / row["n"]
        if share < SLA_BREACH_SHARE:
            continue
        code = row["contract__service_type__code"]
        en, zh = row["contract__service_type__name_en"], row["contract__service_type__name_zh"]
        b_avg = row["breached_sat"] / row["breached_rated"] if row["breached_rated"] else None
        m_avg = row["met_sat"] / row["met_rated"] if row["met_rated"] else None
        rated_both = b_avg is not None and m_avg is not None
        # Where both sides are rated, the rule fires only when missing the SLA goes with lower ratings: complaints
        # past the SLA rated as well or better are no evidence that bringing them within it helps.
        if rated_both and b_avg >= m_avg:
            continue
        gap_en = gap_zh = ""
        if rated_both:
            gap_en = f" Complaints that missed the SLA are rated {b_avg:.2f} against {m_avg:.2f} for the rest."
            gap_zh = f"超出 SLA 的投诉评分 {b_avg:.2f}，其余为 {m_avg:.2f}。"
        out.append(
            Candidate(
                rule_code="complaint_sla",
                scope_key=f"service:{code}",
                severity=round(share, 3),
                priority=Level.HIGH if share >= 2 * SLA_BREACH_SHARE and rated_both else Level.MEDIUM,
                category=Category.PROCESS,
                title_en=f"Bring {en} complaints back within the SLA",
                title_zh=f"让{zh}投诉处理回到 SLA 之内",
                rationale_en=(
                    f"{row['breached']} of {row['n']} {en} complaints ({pct(share)}) missed the SLA "
                    f"(response ≤ {SLA_RESPONSE_HOURS:g} h, resolution ≤ {SLA_RESOLUTION_HOURS:g} h).{gap_en}"
                ),
                rationale_zh=(
                    f"{zh}的 {row['n']} 起投诉中有 {row['breached']} 起（{pct(share)}）超出 SLA（响应 ≤ "
                    f"{SLA_RESPONSE_HOURS:g} 小时，解决 ≤ {SLA_RESOLUTION_HOURS:g} 小时）。{gap_zh}"
                ),
                actions_en=(
                    "Track each open complaint against its SLA clock on the team board; reassign at 50% of the "
                    "clock; review every breach in the weekly meeting."
                ),
                actions_zh="在看板上跟踪每起投诉的 SLA 计时；计时过半时重新分派；每周例会复盘每一次超时。",
                expected_impact_en=(
                    f"Meeting the SLA would have covered {row['breached']} more complaints"
                    + (f", each rated about {m_avg - b_avg:.2f} higher." if rated_both else ".")
                ),
                expected_impact_zh=(
                    f"若全部满足 SLA，将多覆盖 {row['breached']} 起投诉"
                    + (f"，每起评分约提高 {m_avg - b_avg:.2f}。" if rated_both else "。")
                ),
                impact_points=None,
                evidence={"n": row["n"], "breached": row["breached"], "breached_avg": b_avg, "met_avg": m_avg},
                service_type_code=code,
            )
        )
    return out


# --- rule 6: customers with repeated low scores ---------------------------------------------------------------


def rule_account_recovery(ctx: Context) -> list[Candidate]:
    """A customer whose low scores in the window are both repeated and a large share: an account-recovery plan."""
    rows = list(
        _window_records(ctx)
        .values("customer_id")
        .annotate(
            n=Count("id"),
            low=Count("id", filter=Q(score__lt=LOW_SCORE_BELOW)),
            sat=Count("id", filter=Q(score__gte=SATISFIED_MIN)),
        )
        # A share as well as a count: a large account gives a few low scores among many good ones.
        .filter(Q(low__gte=REPEATED_LOW_SCORES), Q(low__gte=F("n") * LOW_SHARE_MIN))
        .order_by("-low", "customer_id")[:MAX_ACCOUNT_SUGGESTIONS]
    )
    customers = Customer.objects.in_bulk([r["customer_id"] for r in rows])
    out = []
    for row in rows:
        customer = customers[row["customer_id"]]
        important = customer.tier in (Customer.Tier.STRATEGIC, Customer.Tier.KEY)
        points, impact_en, impact_zh = _impact_text(
            ctx,
            row["n"] - row["sat"],
            f"every response from {customer.name} were satisfied",
            f"{customer.name}的每条反馈都满意",
        )
        out.append(
            Candidate(
                rule_code="account_recovery",
                scope_key=f"customer:{customer.pk}",
                severity=float(row["low"]),
                priority=Level.HIGH if important or row["low"] >= 2 * REPEATED_LOW_SCORES else Level.MEDIUM,
                category=Category.COMMUNICATION,
                title_en=f"Account recovery plan for {customer.name}",
                title_zh=f"{customer.name}客户挽回计划",
                rationale_en=(
                    f"{customer.name} ({customer.get_tier_display()}) gave {row['low']} scores below "
                    f"{LOW_SCORE_BELOW} out of {row['n']} in the last {LOOKBACK_DAYS} days."
                ),
                rationale_zh=(
                    f"{customer.name}近 {LOOKBACK_DAYS} 天的 {row['n']} 条反馈中"
                    f"有 {row['low']} 条低于 {LOW_SCORE_BELOW} 分。"
                ),
                actions_en=(
                    "Have the account owner call the customer within a week; agree a recovery plan with named "
                    "contacts on both sides; review the account monthly until two good scores in a row."
                ),
                actions_zh="客户负责人一周内致电客户；与双方指定联系人商定挽回计划；每月复盘，直到连续两次获得好评。",
                expected_impact_en=impact_en,
                expected_impact_zh=impact_zh,
                impact_points=round(points, 2),
                evidence={"n": row["n"], "low": row["low"], "satisfied": row["sat"], "tier": customer.tier},
                customer_id=customer.pk,
            )
        )
    return out


# --- rule 7: a recent significant drop ------------------------------------------------------------------------


def rule_recent_drop(ctx: Context) -> list[Candidate]:
    """The last `RECENT_DAYS` days significantly below the `RECENT_DAYS` before, overall or for a service type."""
    recent = Scope.last_days(RECENT_DAYS, today=ctx.today)
    scopes = [("", "all services", "全部服务", recent)] + [
        (r.key, r.label_en, r.label_zh, Scope(start=recent.start, end=recent.end, service_types=(r.key,)))
        for r in ctx.services
    ]
    out = []
    for code, en, zh, scope in scopes:
        cmp = metrics.compare_to_previous(scope, source=SOURCE)
        test = cmp.satisfaction_rate_test
        if not (test.significant() and test.diff < 0):
            continue
        drop = -test.diff
        lost = cmp.current.count * drop
        points, impact_en, impact_zh = _impact_text(
            ctx,
            lost,
            f"{en} returned to the previous period's rate ({pct(test.p2)})",
            f"{zh}恢复到上期满意率（{pct(test.p2)}）",
        )
        out.append(
            Candidate(
                rule_code="recent_drop",
                scope_key=f"service:{code}" if code else "overall",
                severity=round(drop * 100, 2),
                priority=Level.HIGH if drop >= 0.10 else Level.MEDIUM,
                category=Category.QUALITY_ASSURANCE,
                title_en=f"Investigate the recent drop in {en}",
                title_zh=f"排查{zh}近期满意率下降",
                rationale_en=(
                    f"In the last {RECENT_DAYS} days {en} fell to {pct(test.p1)} satisfied ({test.x1}/{test.n1}) "
                    f"from {pct(test.p2)} ({test.x2}/{test.n2}) in the {RECENT_DAYS} days before: "
                    f"{drop * 100:.1f} points, z = {test.z:.2f}, {stats.format_p(test.p_value)}."
                ),
                rationale_zh=(
                    f"近 {RECENT_DAYS} 天{zh}满意率降至 {pct(test.p1)}（{test.x1}/{test.n1}），此前 {RECENT_DAYS} 天为 "
                    f"{pct(test.p2)}（{test.x2}/{test.n2}）：下降 {drop * 100:.1f} 个百分点，z = {test.z:.2f}，"
                    f"{stats.format_p(test.p_value)}。"
                ),
                actions_en=(
                    "Read every dissatisfied response of the period; check staffing, releases and process changes "
                    "around the start of the drop; call the customers who scored lowest."
                ),
                actions_zh="逐条阅读本期不满意反馈；排查下降开始前后的人员、版本与流程变化；回访评分最低的客户。",
                expected_impact_en=impact_en,
                expected_impact_zh=impact_zh,
                impact_points=round(points, 2),
                evidence={
                    "current": [test.x1, test.n1],
                    "previous": [test.x2, test.n2],
                    "z": test.z,
                    "p": test.p_value,
                },  # fmt: skip
                service_type_code=code or None,
            )
        )
    return out


# --- rule 9: a negative topic that is frequent or rising -------------------------------------------------------

TOPIC_MIN_MENTIONS = 10
TOPIC_NEGATIVE_SHARE = 0.5
TOPIC_FREQUENT_SHARE = 0.10
TOPIC_RISING_POINTS = 0.05
TOPIC_CATEGORY = {
    "communication": Category.COMMUNICATION,
    "staff_attitude": Category.TRAINING,
    "expertise": Category.TRAINING,
    "accuracy": Category.QUALITY_ASSURANCE,
    "completeness": Category.QUALITY_ASSURANCE,
    "product_quality": Category.QUALITY_ASSURANCE,
}


def rule_negative_topic(ctx: Context) -> list[Candidate]:
    """A topic customers mostly write about negatively, frequent or rising, whose comments score significantly lower.

    Impact: the topic's records satisfied as often as the window's other records.
    """
    out = []
    for row in topic_rows(ctx.scope):
        test = row.difference
        frequent = row.share is not None and row.share >= TOPIC_FREQUENT_SHARE
        rising = row.share_change is not None and row.share_change >= TOPIC_RISING_POINTS
        if (
            row.count < TOPIC_MIN_MENTIONS
            or (row.negative_share or 0) < TOPIC_NEGATIVE_SHARE
            or not (frequent or rising)
            or not (test.significant() and test.diff < 0)
        ):
            continue
        sat = Q(score__gte=SATISFIED_MIN)
        mentioning = Q(text_topics__topic__code=row.code)
        counts = _window_records(ctx).aggregate(
            n=Count("id", filter=mentioning, distinct=True),
            sat=Count("id", filter=mentioning & sat, distinct=True),
        )
        rest_n, rest_sat = ctx.overall.count - counts["n"], ctx.overall.satisfied - counts["sat"]
        if not counts["n"] or not rest_n:
            continue
        rate, rest_rate = counts["sat"] / counts["n"], rest_sat / rest_n
        if rate >= rest_rate:  # lower scores but satisfied as often: the impact it would quote is not there
            continue
        points, impact_en, impact_zh = _impact_text(
            ctx,
            max(counts["n"] * (rest_rate - rate), 0.0),
            f"comments about {row.label_en.lower()} were as satisfied as the rest",
            f"提及{row.label_zh}的反馈与其余反馈同样满意",
        )
        why_en = "frequent" if frequent else "rising"
        why_zh = "常见" if frequent else "上升"
        out.append(
            Candidate(
                rule_code="negative_topic",
                scope_key=f"topic:{row.code}",
                severity=round(row.negative_share * (row.share or 0), 3),
                priority=_priority(points),
                category=TOPIC_CATEGORY.get(row.code, Category.PROCESS),
                title_en=f"Address what customers write about {row.label_en.lower()}",
                title_zh=f"改进客户反映的{row.label_zh}问题",
                rationale_en=(
                    f"{row.count} comments ({pct(row.share)} of analysed texts, {why_en}) mention "
                    f"{row.label_en.lower()}, {pct(row.negative_share)} of them negative; their mean score is "
                    f"{row.avg_score:.2f} against {row.avg_score_without:.2f} for the rest "
                    f"({stats.format_p(test.p_value)}); satisfied {pct(rate)} against {pct(rest_rate)}."
                ),
                rationale_zh=(
                    f"{row.count} 条反馈（占已分析文本的 {pct(row.share)}，{why_zh}）提及{row.label_zh}，"
                    f"其中 {pct(row.negative_share)} 为负面；平均分 {row.avg_score:.2f}，其余为 "
                    f"{row.avg_score_without:.2f}（{stats.format_p(test.p_value)}）；"
                    f"满意率 {pct(rate)}，其余为 {pct(rest_rate)}。"
                ),
                actions_en=(
                    "Read the comments behind the topic on the dashboard, name the two most common causes, "
                    "assign an owner for each and follow up with the customers who wrote them."
                ),
                actions_zh=(
                    "在仪表板查看该主题背后的反馈，找出两个最常见的原因，"
                    "为每个原因指定负责人，并回访写下这些反馈的客户。"
                ),
                expected_impact_en=impact_en,
                expected_impact_zh=impact_zh,
                impact_points=round(points, 2),
                evidence={
                    "topic": row.code,
                    "count": row.count,
                    "share": row.share,
                    "share_change": row.share_change,
                    "negative_share": row.negative_share,
                    "avg_score": row.avg_score,
                    "avg_score_without": row.avg_score_without,
                    "p": test.p_value,
                    "satisfied_rate": rate,
                    "rest_satisfied_rate": rest_rate,
                },
            )
        )
    return out


RULES: dict[str, Callable[[Context], list[Candidate]]] = {
    "service_below_target": rule_service_below_target,
    "low_sub_score": rule_low_sub_score,
    "slow_response": rule_slow_response,
    "follow_up_segment": rule_follow_up_segment,
    "escalation_policy": rule_escalation_policy,
    "account_recovery": rule_account_recovery,
    "complaint_sla": rule_complaint_sla,
    "recent_drop": rule_recent_drop,
    "negative_topic": rule_negative_topic,
}


# What each rule counts (the `BASIS_DATA` keys of the suggestion model); every rule reads the look-back window
# except the recent drop, which reads its two `RECENT_DAYS` windows.
RULE_DATA = {
    "service_below_target": "records",
    "low_sub_score": "records",
    "slow_response": "records",
    "follow_up_segment": "tickets",
    "escalation_policy": "complaints",
    "account_recovery": "records",
    "complaint_sla": "complaints",
    "recent_drop": "records",
    "negative_topic": "records",
}


def with_basis(candidate: Candidate, ctx: Context) -> Candidate:
    """The candidate with its evidence's data and dates (`evidence["basis"]`), so that the numbers it quotes say
    what they count and over which days."""
    start = ctx.start
    if candidate.rule_code == "recent_drop":
        start = ctx.today - dt.timedelta(days=2 * RECENT_DAYS - 1)
    basis = {"data": RULE_DATA.get(candidate.rule_code, "records"), "start": start.isoformat(),
             "end": ctx.today.isoformat()}  # fmt: skip
    return dataclasses.replace(candidate, evidence={**candidate.evidence, "basis": basis})


def build_context(*, today: dt.date | None = None) -> Context:
    """The look-back window's KPIs, overall and per service type (raw records)."""
    today = today or metrics.local_today()
    scope = Scope.last_days(LOOKBACK_DAYS, today=today)
    target, _ = _active_target()
    return Context(
        today=today,
        scope=scope,
        target=target,
        overall=metrics.kpis(scope, source=SOURCE),
        services=metrics.by_service_type(scope, source=SOURCE),
    )


def find_candidates(*, today: dt.date | None = None, rules: list[str] | None = None) -> list[Candidate]:
    """Run the rules (all by default) and return what they found, largest expected impact first; no writes."""
    ctx = build_context(today=today)
    if not ctx.overall.count:
        return []
    found = [with_basis(c, ctx) for code in rules or RULES for c in RULES[code](ctx)]
    return sorted(found, key=lambda c: -(c.impact_points or 0))


@dataclass(frozen=True)
class GenerationResult:
    """What a generation run did."""

    found: int
    created: int
    existing: int
    suggestion_ids: list[int]


def generate_suggestions(*, today: dt.date | None = None) -> GenerationResult:
    """Run every rule and store the results, deduplicated by rule and scope (see `suggestion_record`)."""
    candidates = find_candidates(today=today)
    services = {st.code: st for st in ServiceType.objects.all()}
    customers = Customer.objects.in_bulk([c.customer_id for c in candidates if c.customer_id])
    created = existing = 0
    ids = []
    for c in candidates:
        suggestion, is_new = suggestion_record(
            rule_code=c.rule_code,
            scope_key=c.scope_key,
            severity=c.severity,
            content=c.content(),
            service_type=services.get(c.service_type_code) if c.service_type_code else None,
            customer=customers.get(c.customer_id) if c.customer_id else None,
            segment_priority=c.segment_priority,
        )
        created += is_new
        existing += not is_new
        ids.append(suggestion.pk)
    return GenerationResult(found=len(candidates), created=created, existing=existing, suggestion_ids=ids)


__all__ = [
    "RULES",
    "Candidate",
    "GenerationResult",
    "find_candidates",
    "generate_suggestions",
]
