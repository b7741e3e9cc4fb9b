"""The read-only analytics operations of the API: KPIs for a scope, a customer's trend, the dashboard in one response.

They live in `analytics` (they read its metrics) and reuse the API plumbing of `satisfaction.api`; the project's
API URLconf (satisfaction_site/api_urls.py) puts them under /api/v1/enterprise-satisfaction/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from analytics import dashboard
from analytics.agents import agents_json
from analytics.continuity import handler_continuity
from analytics.lib import metrics, stats
from analytics.lib.nonresponse import AdjustedRate, CellCounts, adjusted_from_cells, adjusted_rate
from analytics.lib.topics import topic_rows
from analytics.rules.path_to_target import MonthPoint, PathToTarget, backtest, forecast, path_to_target, project
from core.api.schema import dataclass_schema
from core.api.views import ApiView
from core.localtime import EARLIEST_DAY
from core.roles import MANAGER, STAFF
from satisfaction.alerts.api.serializers import SatisfactionAlertSerializer, WatchlistEntrySerializer
from satisfaction.alerts.selectors import watchlist_list
from satisfaction.crm.api.serializers import ServiceTypeField
from satisfaction.crm.models import Customer
from satisfaction.feedback.kpis import Kpis, TargetStatus
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.improvements.api.serializers import ImprovementMeasureSerializer, ImprovementSuggestionSerializer
from satisfaction.improvements.selectors import measure_list

DEFAULT_DAYS = 30
DEFAULT_TARGET = 0.95  # DESIGN §3: the satisfaction-rate target when none is configured
# Bounds that keep every derived period (the previous one, trend buckets) inside the calendar and small.
EARLIEST, LATEST = EARLIEST_DAY, dt.date(2100, 12, 31)
MAX_SPAN_DAYS = 3660


def to_json(value):
    """Plain JSON values: dataclasses as dicts, decimals as floats, dates as ISO text, NaN/inf as null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


class ScopeSerializer(serializers.Serializer):
    """The scope filters shared by the analytics operations; dates are local days, inclusive."""

    start = serializers.DateField(required=False, help_text="First day (default: `days` before `end`).")
    end = serializers.DateField(required=False, help_text="Last day (default: today).")
    days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=3660,
        help_text=f"Length when `start` is not given (default {DEFAULT_DAYS}).",
    )
    service_type = ServiceTypeField(required=False, help_text="Service type code.")
    segment_priority = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=5,
        help_text="Segment 1–5 (1 = has a priority-1 contact); 0 = no contacts.",
    )
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False)
    include_self_rated = serializers.BooleanField(
        required=False, default=False, help_text="Count ratings entered by the person who handled the case."
    )

    def validate(self, attrs):
        end = attrs.get("end") or metrics.local_today()
        start = attrs.get("start") or end - dt.timedelta(days=attrs.get("days", DEFAULT_DAYS) - 1)
        if start > end:
            raise serializers.ValidationError({"end": [_("Must not be before start.")]})
        for field, day in (("start", start), ("end", end)):
            if not EARLIEST <= day <= LATEST:
                raise serializers.ValidationError(
                    {field: [_("Must be between %(low)s and %(high)s.") % {"low": EARLIEST, "high": LATEST}]}
                )
        if (end - start).days >= MAX_SPAN_DAYS:
            raise serializers.ValidationError(
                {"start": [_("A scope spans at most %(n)s days.") % {"n": MAX_SPAN_DAYS}]}
            )
        attrs["scope"] = metrics.Scope(
            start=start,
            end=end,
            service_types=(attrs["service_type"].code,) if attrs.get("service_type") else (),
            segment_priority=attrs.get("segment_priority"),
            customer_id=attrs["customer"].pk if attrs.get("customer") else None,
            include_self_rated=attrs["include_self_rated"],
        )
        return attrs


def parse_scope(request, serializer_class=ScopeSerializer) -> dict:
    incoming = serializer_class(data=request.query_params)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def scope_json(scope: metrics.Scope) -> dict:
    return {
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "service_type": scope.service_types[0] if scope.service_types else None,
        "segment_priority": scope.segment_priority,
        "customer": scope.customer_id,
        "include_self_rated": scope.include_self_rated,
    }


def target_for(scope: metrics.Scope) -> SatisfactionTarget:
    """The active satisfaction-rate target of the scope's service type, else the overall one, else 95 %."""
    targets = SatisfactionTarget.objects.filter(is_active=True, metric=SatisfactionTarget.Metric.SATISFACTION_RATE)
    found = None
    if len(scope.service_types) == 1:
        found = targets.filter(service_type__code=scope.service_types[0]).order_by("pk").first()
    found = found or targets.filter(service_type=None).order_by("pk").first()
    return found or SatisfactionTarget(metric=SatisfactionTarget.Metric.SATISFACTION_RATE, target_value=DEFAULT_TARGET)


def analytics_json(
    scope: metrics.Scope,
    *,
    comparison: metrics.PeriodComparison | None = None,
    target: metrics.TargetStatus | None = None,
    service_rows: list[metrics.BreakdownRow] | None = None,
    adjusted: AdjustedRate | None = None,
) -> dict:
    """KPIs of a scope with the change against the period before, the target and the breakdowns.

    A caller that already computed the comparison, the status of `target_for(scope)` or the service-type rows
    for the same scope passes them in, so they are neither read twice nor able to differ.
    """
    comparison = comparison or metrics.compare_to_previous(scope)
    target = target or metrics.target_status(target_for(scope), scope=scope)
    service_rows = metrics.by_service_type(scope) if service_rows is None else service_rows
    adjusted = adjusted or adjusted_rate(scope)
    return {
        "scope": scope_json(scope),
        "kpis": {**to_json(comparison.current), "adjusted": to_json(adjusted)},
        "previous": {
            "start": comparison.previous_scope.start.isoformat(),
            "end": comparison.previous_scope.end.isoformat(),
            "kpis": to_json(comparison.previous),
        },
        "change": to_json(comparison.change),
        "tests": {
            "satisfaction_rate": to_json(comparison.satisfaction_rate_test),
            "avg_score": to_json(comparison.avg_score_test),
        },
        "target": {k: v for k, v in to_json(target).items() if k != "kpis"},
        "by_service_type": to_json([row.as_dict() for row in service_rows]),
        "by_segment": to_json([row.as_dict() for row in metrics.by_segment(scope)]),
        "topics": to_json(topic_rows(scope)),
    }


def trend_json(scope: metrics.Scope, period: str) -> list[dict]:
    return [to_json(point) for point in metrics.trend(scope, period)]


# --- response schemas (documentation and the schema check) ----------------------------------------------------

NUMBER_OR_NULL = {"type": "number", "nullable": True}
INTERVAL = {**dataclass_schema(stats.Interval), "nullable": True}
KPIS = dataclass_schema(Kpis, description="DESIGN §3 metrics; rates are fractions 0–1 and null without records.")
CHANGE = dataclass_schema(metrics.KpiChange)
PROPORTION_TEST = dataclass_schema(
    stats.ProportionTest,
    description="Pooled two-proportion z-test (p1 − p2): n, effect, interval, p and a plain reading; `enough_data` "
    "false below the minimum n.",
)
MEAN_TEST = dataclass_schema(
    stats.MeanTest,
    description="Welch's t-test (mean1 − mean2) with Cohen's d and Hedges' g: n, effect, interval, p and a plain "
    "reading; `enough_data` false below the minimum n.",
)
SCOPE = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "service_type": {"type": "string", "nullable": True},
        "segment_priority": {"type": "integer", "nullable": True},
        "customer": {"type": "integer", "nullable": True},
        "include_self_rated": {"type": "boolean"},
    },
}
BREAKDOWN_ROW = {
    "type": "object",
    "description": "One group (`key`: service type code or segment priority) with its KPIs inline.",
    "properties": {
        "key": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "label_en": {"type": "string"},
        "label_zh": {"type": "string"},
        **KPIS["properties"],
    },
    "required": ["key", "label_en", "label_zh", *KPIS["required"]],
}
BREAKDOWN = {"type": "array", "items": BREAKDOWN_ROW}
TARGET = dataclass_schema(TargetStatus, exclude=("kpis",))
ADJUSTED = dataclass_schema(
    AdjustedRate,
    description="The satisfaction rate of the survey answers (`raw_rate`) and of everyone invited (`adjusted_rate`): "
    "answers weighted by the inverse response rate of their service type × segment × urgency cell, with Wilson "
    "95% intervals (the adjusted one at Kish's effective n); `low_response` below 20% answered (docs/analytics.md).",
)
KPIS_WITH_ADJUSTED = {
    **KPIS,
    "properties": {**KPIS["properties"], "adjusted": ADJUSTED},
    "required": [*KPIS["required"], "adjusted"],
}
TREND_POINT = dataclass_schema(metrics.TrendPoint)
TOPICS = {
    "type": "array",
    "description": "Each active text topic over the scope, by volume: records mentioning it, share of the analysed "
    "texts, share of them negative, mean score with and without it, the difference's Welch test and the change "
    "in share against the period before (null when either period has no analysed text).",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "label_en": {"type": "string"},
            "label_zh": {"type": "string"},
            "count": {"type": "integer"},
            "share": NUMBER_OR_NULL,
            "negative_share": NUMBER_OR_NULL,
            "avg_score": NUMBER_OR_NULL,
            "avg_score_without": NUMBER_OR_NULL,
            "difference": MEAN_TEST,
            "previous_count": {"type": "integer", "nullable": True},
            "previous_share": NUMBER_OR_NULL,
            "share_change": NUMBER_OR_NULL,
        },
    },
}
ANALYTICS = {
    "type": "object",
    "properties": {
        "scope": SCOPE,
        "kpis": KPIS_WITH_ADJUSTED,
        "previous": {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "kpis": KPIS,
            },
        },
        "change": CHANGE,
        "tests": {
            "type": "object",
            "properties": {"satisfaction_rate": PROPORTION_TEST, "avg_score": MEAN_TEST},
            "required": ["satisfaction_rate", "avg_score"],
        },
        "target": TARGET,
        "by_service_type": BREAKDOWN,
        "by_segment": BREAKDOWN,
        "topics": TOPICS,
    },
    "required": ["scope", "kpis", "previous", "change", "tests", "target", "by_service_type", "by_segment", "topics"],
}
TRENDS = {
    "type": "object",
    "properties": {
        "customer": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "period": {"type": "string", "enum": list(metrics.PERIODS)},
        "scope": SCOPE,
        "points": {"type": "array", "items": TREND_POINT},
    },
    "required": ["customer", "period", "scope", "points"],
}


def _ref(name: str):
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}


RESPONSE_RATE = {
    "type": "object",
    "description": "Survey invitations first sent in the scope and how many were answered; `rate` is answered / "
    "sent (null when none were sent) with its Wilson 95% interval (0–1 when none were sent); `enough_data` false "
    "below the minimum n.",
    "properties": {
        "key": {"type": "string", "description": "`all`, a service type code, a segment priority, or a channel."},
        "label_en": {"type": "string"},
        "label_zh": {"type": "string"},
        "sent": {"type": "integer"},
        "answered": {"type": "integer"},
        "rate": NUMBER_OR_NULL,
        "non_response_rate": NUMBER_OR_NULL,
        "ci": INTERVAL,
        "enough_data": {"type": "boolean"},
    },
    "required": ["key", "sent", "answered", "rate", "non_response_rate", "ci", "enough_data"],
}
RESPONSE_RATES = {"type": "array", "items": RESPONSE_RATE}
RESPONSES = {
    "type": "object",
    "description": "Survey response rates over the scope: overall (one row, key `all`), by service type, by "
    "segment priority of the customer (keys `1`–`5`, `0` = no contacts) and by channel (`ticket`, `complaint`, "
    "`campaign`); groups without invitations are left out. `self_rated_excluded`: self-rated records the KPIs "
    "leave out (0 with `include_self_rated`).",
    "properties": {
        "overall": RESPONSE_RATES,
        "by_service_type": RESPONSE_RATES,
        "by_segment": RESPONSE_RATES,
        "by_channel": RESPONSE_RATES,
        "self_rated_excluded": {"type": "integer"},
    },
    "required": ["overall", "by_service_type", "by_segment", "by_channel", "self_rated_excluded"],
}

DASHBOARD = {
    "type": "object",
    "properties": {
        **ANALYTICS["properties"],
        "trend": {
            "type": "object",
            "properties": {
                "period": {"type": "string"},
                "points": {"type": "array", "items": TREND_POINT},
                "follows_scope": {
                    "type": "boolean",
                    "description": "True when the trend covers the scope's dates; false when the scope holds fewer "
                    "than three periods and the trend shows the 12 months / 26 weeks up to its end instead.",
                },
                "partial": {
                    "type": "array",
                    "items": {"type": "string", "format": "date"},
                    "description": "Starts of the periods the trend's window cuts (the current month after a day).",
                },
            },
        },
        "segment_split": dataclass_schema(
            metrics.SegmentSplit,
            description="The scope's segment (priority 1 when the scope has none) against all other customers, over "
            "the scope's dates and service type, with the tests of the difference.",
        ),
        "scope_words": {
            "type": "string",
            "description": "The scope in words, in the request's language, as the page states it.",
        },
        "distribution": {
            "type": "object",
            "description": "Responses per score band: < 3, 3–3.9, 4–4.4, ≥ 4.5.",
            "properties": {band: {"type": "integer"} for band in ("dissatisfied", "neutral", "satisfied_low", "high")},
        },
        "alert_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "open_alerts": _ref("SatisfactionAlert"),
        "watchlist": _ref("WatchlistEntry"),
        "open_measures": _ref("ImprovementMeasure"),
        "new_suggestions": _ref("ImprovementSuggestion"),
        "responses": RESPONSES,
    },
    "required": [
        *ANALYTICS["required"],
        "trend",
        "segment_split",
        "distribution",
        "alert_counts",
        "open_alerts",
        "watchlist",
        "open_measures",
        "new_suggestions",
        "responses",
    ],
}

# Examples computed by the same code as the answers, so every field is there with a consistent value.
_KPIS_NOW = Kpis.from_sums(
    count=120, score_sum=497, score_sq_sum=2122.5, satisfied=98, high_satisfied=61, dissatisfied=6
)
_KPIS_BEFORE = Kpis.from_sums(
    count=110, score_sum=450, score_sq_sum=1900, satisfied=88, high_satisfied=52, dissatisfied=7
)
_PERIODS = {"labels": ("this period", "previous period"), "labels_zh": ("本期", "上期")}
EXAMPLE_KPIS = to_json(_KPIS_NOW.as_dict())
EXAMPLE_TESTS = {
    "satisfaction_rate": to_json(stats.two_proportion_z(98, 120, 88, 110, **_PERIODS)),
    "avg_score": to_json(metrics.mean_test(_KPIS_NOW, _KPIS_BEFORE, **_PERIODS)),
}
_SEGMENT = Kpis.from_sums(count=24, score_sum=96, score_sq_sum=396, satisfied=18, high_satisfied=11, dissatisfied=2)
_REST = Kpis.from_sums(count=96, score_sum=401, score_sq_sum=1726.5, satisfied=80, high_satisfied=50, dissatisfied=4)
EXAMPLE_SEGMENT_SPLIT = to_json(
    metrics.SegmentSplit(
        priority=1,
        segment=_SEGMENT,
        rest=_REST,
        satisfaction_rate_test=stats.two_proportion_z(18, 24, 80, 96),
        avg_score_test=metrics.mean_test(_SEGMENT, _REST),
    )
)
EXAMPLE_SCOPE = {
    "start": "2026-10-25",
    "end": "2026-11-23",
    "service_type": None,
    "segment_priority": None,
    "customer": None,
    "include_self_rated": False,
}
EXAMPLE_TARGET = {
    "target_id": 1,
    "metric": "satisfaction_rate",
    "target_value": 0.95,
    "service_type": None,
    "start": "2026-10-25",
    "end": "2026-11-23",
    "current": 0.8167,
    "met": False,
    "interval": {"low": 0.7373, "high": 0.8755, "confidence": 0.95},
    "needed": 320,
    "probability_met": 6.0e-08,
    "reading_en": "Satisfaction rate is 81.7% (n = 120), below the target of 95.0%: 320 more ratings of 4.0 or "
    "above would reach it. There is less than a 1% chance that the true rate is at or above 95.0%.",
    "reading_zh": "当前 81.7%（n = 120），低于目标 95.0%：还需 320 个 4.0 分及以上的评价才能达到。"
    "真实比率达到或超过 95.0% 的概率不到 1%。",
    "standing_en": "Satisfaction rate is 81.7% (n = 120), below the target of 95.0%: 320 more ratings of 4.0 or "
    "above would reach it.",
    "standing_zh": "当前 81.7%（n = 120），低于目标 95.0%：还需 320 个 4.0 分及以上的评价才能达到。",
}
EXAMPLE_ADJUSTED = adjusted_from_cells(
    [CellCounts(("data_analysis", 1, "high"), 120, 60, 54), CellCounts(("legal_consultation", 2, ""), 200, 50, 38)]
)
EXAMPLE_ANALYTICS = {
    "scope": EXAMPLE_SCOPE,
    "kpis": {**EXAMPLE_KPIS, "adjusted": to_json(EXAMPLE_ADJUSTED)},
    "previous": {"start": "2026-09-25", "end": "2026-10-24", "kpis": to_json(_KPIS_BEFORE.as_dict())},
    "change": {
        "count": 10,
        "avg_score": 0.05,
        "satisfaction_rate": 0.02,
        "high_satisfaction_rate": 0.01,
        "dissatisfaction_rate": -0.01,
    },
    "tests": EXAMPLE_TESTS,
    "target": EXAMPLE_TARGET,
    "by_service_type": [
        {"key": "data_analysis", "label_en": "Data analysis", "label_zh": "数据分析", **EXAMPLE_KPIS},
    ],
    "by_segment": [{"key": 1, "label_en": "Priority 1", "label_zh": "优先级 1", **EXAMPLE_KPIS}],
    "topics": [
        {
            "code": "response_speed",
            "label_en": "Response speed",
            "label_zh": "响应速度",
            "count": 18,
            "share": 0.2,
            "negative_share": 0.61,
            "avg_score": 3.4,
            "avg_score_without": 4.3,
            "difference": EXAMPLE_TESTS["avg_score"],
            "previous_count": 12,
            "previous_share": 0.14,
            "share_change": 0.06,
        },
    ],
}

EXAMPLE_RESPONSE_RATE = {
    "key": "all",
    "label_en": "All",
    "label_zh": "全部",
    "sent": 200,
    "answered": 120,
    "rate": 0.6,
    "non_response_rate": 0.4,
    "ci": {"low": 0.5308, "high": 0.6654, "confidence": 0.95},
    "enough_data": True,
}
EXAMPLE_RESPONSES = {
    "overall": [EXAMPLE_RESPONSE_RATE],
    "by_service_type": [
        {**EXAMPLE_RESPONSE_RATE, "key": "data_analysis", "label_en": "Data analysis", "label_zh": "数据分析"}
    ],
    "by_segment": [{**EXAMPLE_RESPONSE_RATE, "key": "1", "label_en": "Priority 1", "label_zh": "优先级 1"}],
    "by_channel": [{**EXAMPLE_RESPONSE_RATE, "key": "ticket", "label_en": "Ticket closed", "label_zh": "工单关闭"}],
    "self_rated_excluded": 0,
}


def _bounded(field: serializers.IntegerField) -> dict:
    """The schema of an integer parameter with the bounds its serializer field enforces (one place owns them)."""
    return {"type": "integer", "minimum": field.min_value, "maximum": field.max_value}


_SCOPE_FIELDS = ScopeSerializer().fields
_DAY_RANGE = f"From {EARLIEST.isoformat()} to {LATEST.isoformat()}."
_DAY = {"type": "string", "format": "date", "description": _DAY_RANGE}

SCOPE_PARAMETERS = [
    OpenApiParameter("start", _DAY, description=f"First local day (inclusive). {_DAY_RANGE}"),
    OpenApiParameter("end", _DAY, description=f"Last local day (inclusive); default today. {_DAY_RANGE}"),
    OpenApiParameter(
        "days",
        _bounded(_SCOPE_FIELDS["days"]),
        description=f"Length when start is absent; default {DEFAULT_DAYS}.",
    ),
    OpenApiParameter("service_type", OpenApiTypes.STR, description="Service type code."),
    OpenApiParameter(
        "segment_priority",
        _bounded(_SCOPE_FIELDS["segment_priority"]),
        description="1–5, or 0 for customers without contacts.",
    ),
    OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id."),
    OpenApiParameter("include_self_rated", OpenApiTypes.BOOL, description="Count self-rated records too."),
]


class AnalyticsView(ApiView):
    """`GET enterprise-satisfaction/satisfaction/analytics`."""

    read_role = MANAGER

    @extend_schema(
        operation_id="enterprise_satisfaction_analytics",
        tags=["enterprise-satisfaction"],
        summary="Satisfaction KPIs for a scope (enterprise operation)",
        description=(
            "Count, mean score, satisfaction / high-satisfaction / dissatisfaction rates (fractions 0–1) over the "
            "scope, the equal-length period before it with the change and its significance tests, the target with "
            "its Wilson 95% interval and the satisfied responses still needed, and breakdowns by service type and "
            "segment (managers). Without dates: the last 30 days. Bad parameters answer 400 naming each one."
        ),
        parameters=SCOPE_PARAMETERS,
        responses={200: ANALYTICS},
        examples=[OpenApiExample("Last 30 days", value=EXAMPLE_ANALYTICS, response_only=True)],
    )
    def get(self, request):
        return Response(analytics_json(parse_scope(request)["scope"]))


class TrendSerializer(ScopeSerializer):
    period = serializers.ChoiceField(choices=metrics.PERIODS, default="month", required=False)
    days = serializers.IntegerField(required=False, min_value=1, max_value=3660, default=365)
    customer = None  # from the path

    def validate(self, attrs):
        if attrs.get("period") == "day" and "start" not in attrs and attrs["days"] > 400:
            raise serializers.ValidationError({"days": [_("At most 400 daily points; use week or month.")]})
        return super().validate(attrs)


class CustomerTrendView(ApiView):
    """`GET enterprise-satisfaction/satisfaction/trends/{customer_id}`."""

    read_role = STAFF

    @extend_schema(
        operation_id="enterprise_satisfaction_trends",
        tags=["enterprise-satisfaction"],
        summary="A customer's satisfaction trend (enterprise operation)",
        description=(
            "KPIs of one customer per month, ISO week or day (local time), oldest first, each with its change "
            "against the period before; periods without feedback are included with empty KPIs. Default: the "
            "last 365 days by month. Staff and managers; 404 for an unknown customer."
        ),
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(metrics.PERIODS), description="Default month."),
            *[p for p in SCOPE_PARAMETERS if p.name not in ("customer", "days")],
            OpenApiParameter(
                "days",
                _bounded(TrendSerializer().fields["days"]),
                description="Length when start is absent; default 365.",
            ),
        ],
        responses={200: TRENDS},
        examples=[
            OpenApiExample(
                "By month",
                value={
                    "customer": {"id": 42, "name": "Huaxin Securities"},
                    "period": "month",
                    "scope": {**EXAMPLE_SCOPE, "start": "2026-10-01", "customer": 42},
                    "points": [
                        {"start": "2026-10-01", "end": "2026-10-31", "kpis": EXAMPLE_KPIS, "change": None},
                        {
                            "start": "2026-11-01",
                            "end": "2026-11-30",
                            "kpis": {**EXAMPLE_KPIS, "count": 9},
                            "change": EXAMPLE_ANALYTICS["change"],
                        },
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, customer_id: int):
        customer = get_object_or_404(Customer, pk=customer_id)
        data = parse_scope(request, TrendSerializer)
        scope = dataclasses.replace(data["scope"], customer_id=customer.pk)
        return Response(
            {
                "customer": {"id": customer.pk, "name": customer.name},
                "period": data["period"],
                "scope": scope_json(scope),
                "points": trend_json(scope, data["period"]),
            }
        )


def _as_listed(queryset, listed: list) -> list:
    """The rows of `listed` read again through `queryset` (the annotations its API serializer expects), in the
    dashboard's order."""
    by_pk = queryset.in_bulk([row.pk for row in listed]) if listed else {}
    return [by_pk[row.pk] for row in listed if row.pk in by_pk]


def dashboard_json(scope: metrics.Scope, *, user) -> dict:
    """What the manager dashboard shows for a scope (`analytics.dashboard.dashboard`), as JSON, with the analytics
    of the same scope (`analytics_json`) around it."""
    page = dashboard.dashboard(scope, user=user, response_breakdowns=True)
    target = target_for(scope)
    shown = page["target"]
    same_target = shown is not None and target.pk is not None and shown["status"].target_id == target.pk
    responses = page["responses"]
    return {
        **analytics_json(
            scope,
            comparison=page["kpis"]["comparison"],
            target=shown["status"] if same_target else None,
            service_rows=page["services"]["rows"],
            adjusted=responses["adjusted"],
        ),
        "trend": {
            "period": page["trend"]["period"],
            "points": to_json(page["trend"]["points"]),
            "follows_scope": page["trend"]["follows_scope"],
            "partial": page["trend"]["partial_starts"],
        },
        "scope_words": page["scope_words"],
        "segment_split": to_json(page["segment"]["split"]),
        "distribution": {key: n for key, _label, n in page["distribution"]["bands"]},
        "alert_counts": page["alert_counts"],
        "open_alerts": SatisfactionAlertSerializer(page["alerts"], many=True).data,
        "watchlist": WatchlistEntrySerializer(_as_listed(watchlist_list(), page["watchlist"]), many=True).data,
        "open_measures": ImprovementMeasureSerializer(_as_listed(measure_list(), page["measures"]), many=True).data,
        "new_suggestions": ImprovementSuggestionSerializer(page["suggestions"], many=True).data,
        "responses": {**to_json(responses["breakdowns"]), "self_rated_excluded": responses["self_rated_excluded"]},
    }


class DashboardView(ApiView):
    """`GET enterprise-satisfaction/satisfaction/dashboard`."""

    read_role = MANAGER

    @extend_schema(
        operation_id="enterprise_satisfaction_dashboard",
        tags=["enterprise-satisfaction"],
        summary="The dashboard in one response (enterprise operation)",
        description=(
            "Everything the manager dashboard shows for a scope, computed as for the page: the analytics of "
            "`satisfaction/analytics`, the trend over the scope (the 12 months up to its end when the scope is too "
            "short for a trend), the scope's segment (1 when none) against the rest with tests, the score "
            "distribution, survey response rates (overall and by service type, segment and "
            "channel, with Wilson intervals), unresolved alerts by severity with the five most severe, the five "
            "watched customers at highest risk, the five open measures due first and the three top new "
            "suggestions (managers)."
        ),
        parameters=SCOPE_PARAMETERS,
        responses={200: DASHBOARD},
        examples=[
            OpenApiExample(
                "Dashboard",
                value={
                    **EXAMPLE_ANALYTICS,
                    "trend": {"period": "month", "points": []},
                    "segment_split": EXAMPLE_SEGMENT_SPLIT,
                    "distribution": {"dissatisfied": 6, "neutral": 16, "satisfied_low": 37, "high": 61},
                    "alert_counts": {"total": 3, "medium": 1, "high": 1, "critical": 1, "open": 2},
                    "open_alerts": [],
                    "watchlist": [],
                    "open_measures": [],
                    "new_suggestions": [],
                    "responses": EXAMPLE_RESPONSES,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        return Response(dashboard_json(parse_scope(request)["scope"], user=request.user))


EXAMPLE_AGENTS = {
    "scope": {"start": "2026-11-01", "end": "2026-11-30", "service_type": None, "segment_priority": None},
    "min_n": 10,
    "pooled_rate": 0.62,
    "kappa": 41.3,
    "agents": [
        {
            "agent": "Li Wei",
            "user": None,
            "n": 120,
            "satisfied": 86,
            "rate": 0.7167,
            "rate_interval": [0.6303, 0.7892],
            "shrunk_rate": 0.6925,
            "expected_satisfied": 75.2,
            "adjusted_rate": 0.7091,
            "adjusted_interval": [0.6239, 0.7807],
            "tickets": 133,
            "follow_up_rate": 0.48,
            "avg_handling_hours": 31.4,
            "complaints": 9,
            "escalation_rate": 0.1111,
            "rank": 1,
        }
    ],
}


_INT = {"type": "integer"}
_INT_OR_NULL = {"type": "integer", "nullable": True}
_PAIR_OR_NULL = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "nullable": True}
AGENT_ROW = {
    "type": "object",
    "properties": {
        "agent": {"type": "string"}, "user": _INT_OR_NULL, "n": _INT, "satisfied": _INT, "rate": NUMBER_OR_NULL,
        "rate_interval": _PAIR_OR_NULL, "shrunk_rate": NUMBER_OR_NULL, "expected_satisfied": NUMBER_OR_NULL,
        "adjusted_rate": NUMBER_OR_NULL, "adjusted_interval": _PAIR_OR_NULL, "tickets": _INT,
        "follow_up_rate": NUMBER_OR_NULL, "avg_handling_hours": NUMBER_OR_NULL, "complaints": _INT,
        "escalation_rate": NUMBER_OR_NULL, "rank": _INT_OR_NULL,
    },
}  # fmt: skip
AGENTS = {
    "type": "object",
    "properties": {
        "scope": SCOPE, "min_n": _INT, "pooled_rate": NUMBER_OR_NULL, "kappa": NUMBER_OR_NULL,
        "agents": {"type": "array", "items": AGENT_ROW},
    },
}  # fmt: skip
_RATED = {"type": "object", "properties": {"rated": _INT, "satisfied": _INT, "rate": NUMBER_OR_NULL}}
CONTINUITY_GROUP = {
    "type": "object",
    "properties": {
        "customers": _INT, "avg_handlers_per_customer": NUMBER_OR_NULL, "later_tickets": _INT,
        "changed_handler_share": NUMBER_OR_NULL, "kept": _RATED, "changed": _RATED,
        "test": {"type": "object", "properties": {
            "z": NUMBER_OR_NULL, "p_value": NUMBER_OR_NULL, "diff": NUMBER_OR_NULL, "enough_data": {"type": "boolean"},
            "reading_en": {"type": "string"}, "reading_zh": {"type": "string"}}},
    },
}  # fmt: skip
CONTINUITY = {
    "type": "object",
    "properties": {
        "overall": CONTINUITY_GROUP,
        "segments": {"type": "object", "additionalProperties": CONTINUITY_GROUP},
        "customers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "customer": _INT,
                    "name": {"type": "string"},
                    "segment": {"type": "string"},
                    "handlers": _INT,
                    "later_tickets": _INT,
                    "changed": _INT,
                },
            },  # fmt: skip
        },
    },
}


class AgentsView(ApiView):
    """`GET enterprise-satisfaction/satisfaction/agents`."""

    read_role = MANAGER

    @extend_schema(
        operation_id="enterprise_satisfaction_agents",
        tags=["enterprise-satisfaction"],
        summary="Per-agent satisfaction with fair ranking (enterprise operation)",
        description=(
            "Per handler over the rated tickets they handled in scope (dates, service type, segment): `n`, "
            "`satisfied` (ratings ≥ 4), `rate` with its Wilson 95% interval, the empirical-Bayes `shrunk_rate` "
            "(beta-binomial prior fitted by the method of moments; see docs/agents.md), the case-mix "
            "`adjusted_rate` (observed / expected from a logistic regression on service type, urgency, ticket "
            "priority and segment, × the pooled rate), follow-up rate, average handling hours, complaints and "
            "their escalation rate, and `rank` (1 = best shrunk rate; null below `min_n` ratings). Managers. "
            "Without dates: the last 30 days. Bad parameters answer 400 naming each one."
        ),
        parameters=SCOPE_PARAMETERS,
        responses={200: AGENTS},
        examples=[OpenApiExample("Agents", value=EXAMPLE_AGENTS, response_only=True)],
    )
    def get(self, request):
        return Response(agents_json(parse_scope(request)["scope"]))


_GROUP_EXAMPLE = {
    "customers": 105,
    "avg_handlers_per_customer": 3.4,
    "later_tickets": 310,
    "changed_handler_share": 0.71,
    "kept": {"rated": 80, "satisfied": 41, "rate": 0.5125},
    "changed": {"rated": 196, "satisfied": 79, "rate": 0.4031},
    "test": {"z": 1.69, "p_value": 0.091, "diff": 0.109, "enough_data": True, "reading_en": "…", "reading_zh": "…"},
}
EXAMPLE_CONTINUITY = {
    "overall": _GROUP_EXAMPLE,
    "segments": {"1": _GROUP_EXAMPLE},
    "customers": [{"customer": 42, "name": "Huaxin Securities", "segment": "1", "handlers": 6, "later_tickets": 9,
                   "changed": 7}],
}  # fmt: skip


class ContinuityView(ApiView):
    """`GET enterprise-satisfaction/satisfaction/continuity`."""

    read_role = MANAGER

    @extend_schema(
        operation_id="enterprise_satisfaction_continuity",
        tags=["enterprise-satisfaction"],
        summary="Handler continuity per customer and segment (enterprise operation)",
        description=(
            "Over the tickets opened in scope: per customer the number of different handlers of its tickets and "
            "complaints, and how many of its later tickets went to someone other than the first handler; per "
            "segment and overall the average handlers per customer, that share, and the satisfaction (ratings "
            "≥ 4) of later tickets that kept the handler against those that changed, with the two-proportion z "
            "test (managers). Without dates: the last 30 days."
        ),
        parameters=SCOPE_PARAMETERS,
        responses={200: CONTINUITY},
        examples=[OpenApiExample("Continuity", value=EXAMPLE_CONTINUITY, response_only=True)],
    )
    def get(self, request):
        return Response(handler_continuity(parse_scope(request)["scope"]))


PATH = dataclass_schema(
    PathToTarget,
    description="The path to the target: the rate over the last 90 days with its interval and gap, each service "
    "type's and segment's part, the monthly trend and projection, `forecast` (the chance of reaching the target "
    "in the month of `by`) and `calibration` (that forecast backtested 3 months ahead on the site's own history).",
)


def _example_path() -> dict:
    """A path answer built by the real functions from a small made-up history (so it cannot drift from the type)."""
    months = [dt.date(2026, m, 1) for m in range(1, 12)]
    rates = [0.80, 0.82, 0.81, 0.84, 0.83, 0.85, 0.86, 0.85, 0.88, 0.87, 0.89]
    history = [MonthPoint(m, r, 120) for m, r in zip(months, rates, strict=True)]
    path = PathToTarget(
        target=0.95, start=dt.date(2026, 9, 3), end=dt.date(2026, 11, 30), count=360, satisfied=316, rate=316 / 360,
        interval=stats.wilson_interval(316, 360), met=False, gap_points=7.22, conversions_needed=26,
        additional_satisfied_needed=520, probability_met=stats.jeffreys_probability_at_least(316, 360, 0.95),
        by_service_type=[], by_segment=[], projection=project(history, 0.95), measures=[],
        reading_en="87.8% satisfied (n = 360, 95% CI 84.0%–90.8%), 7.2 points below the target of 95.0%: …",
        reading_zh="满意率 87.8%（n = 360，95% 置信区间 84.0%–90.8%），低于目标 95.0% 7.2 个百分点：…",
        forecast=forecast(history, 0.95, dt.date(2026, 12, 31)), calibration=backtest(history, 0.9)[1],
    )  # fmt: skip
    return to_json(path.as_dict())


class PathSerializer(serializers.Serializer):
    by = serializers.DateField(required=False, help_text="Target date; default the end of the target's period.")

    def validate_by(self, value):
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(
                _("Must be between %(low)s and %(high)s.") % {"low": EARLIEST, "high": LATEST}
            )
        return value


class PathView(ApiView):
    """`GET enterprise-satisfaction/satisfaction/path`."""

    read_role = MANAGER

    @extend_schema(
        operation_id="enterprise_satisfaction_path",
        tags=["enterprise-satisfaction"],
        summary="Path to the target, with the chance of getting there (enterprise operation)",
        description=(
            "What the path page shows (managers): the current rate, the gap and its parts, the trend, "
            "`forecast.probability` (Student-t predictive of the weighted trend; docs/analytics.md) and its "
            "backtest `calibration` (Brier score and the table by probability bin). Bad `by` answers 400."
        ),
        parameters=[OpenApiParameter("by", OpenApiTypes.DATE, description="Target date (default: end of period).")],
        responses={200: PATH},
        examples=[OpenApiExample("Path to 95%", value=_example_path(), response_only=True)],
    )
    def get(self, request):
        params = PathSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(to_json(path_to_target(by=params.validated_data.get("by")).as_dict()))
