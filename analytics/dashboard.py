"""What the manager dashboard shows, widget by widget, as plain data (views and the API render it).

Every number comes from `analytics.metrics` (snapshots when the scope allows), so the dashboard, the API
and exports agree. Widgets that must read raw rows (sub-metric drivers) are cached briefly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from analytics.forms import scope_query
from analytics.lib import metrics, stats
from analytics.lib.describe import RECORDS_DATA, period_words, scope_words, segment_words, service_words
from analytics.lib.drivers import drivers as sub_metric_drivers
from analytics.lib.metrics import Kpis, Scope
from analytics.lib.topics import topic_rows
from analytics.rules.suggestions import LOOKBACK_DAYS
from core.chartjs import chart, dataset, score_and_rate_scales
from core.describe import one_line
from satisfaction.alerts.selectors import alert_counts, open_alerts, watchlist_list
from satisfaction.feedback.models import SatisfactionTarget
from satisfaction.improvements.models import ImprovementSuggestion
from satisfaction.improvements.selectors import measure_list, suggestion_list

DRIVERS_CACHE_SECONDS = 600
TREND_PERIODS = {"month": 12, "week": 26}


def _zh() -> bool:
    return (translation.get_language() or "").startswith("zh")


def _label(row) -> str:
    return row.label_zh if _zh() else row.label_en


def _pct(x: float | None) -> float | None:
    return None if x is None else round(x * 100, 1)


def records_url(scope: Scope, **extra) -> str:
    """The drill-down list of the records behind a number, filtered like the number."""
    return f"{reverse('analytics:records')}?{scope_query(scope, **extra)}"


def kpi_cards(scope: Scope) -> dict:
    """The five KPIs with their change against the previous period of equal length."""
    comparison = metrics.compare_to_previous(scope)
    cur, change = comparison.current, comparison.change
    cards = [
        {"key": "count", "label": _("Responses"), "value": cur.count, "fmt": "int",
         "delta": change.count, "good_up": True, "url": records_url(scope)},
        {"key": "avg_score", "label": _("Average score"), "value": cur.avg_score, "fmt": "score",
         "delta": change.avg_score, "good_up": True, "url": records_url(scope)},
        {"key": "satisfaction_rate", "label": _("Satisfied (≥ 4)"), "value": _pct(cur.satisfaction_rate),
         "fmt": "pct", "delta": _pct(change.satisfaction_rate), "good_up": True,
         "url": records_url(scope, band="satisfied")},
        {"key": "high_satisfaction_rate", "label": _("Highly satisfied (≥ 4.5)"),
         "value": _pct(cur.high_satisfaction_rate), "fmt": "pct", "delta": _pct(change.high_satisfaction_rate),
         "good_up": True, "url": records_url(scope, band="high")},
        {"key": "dissatisfaction_rate", "label": _("Dissatisfied (< 3)"), "value": _pct(cur.dissatisfaction_rate),
         "fmt": "pct", "delta": _pct(change.dissatisfaction_rate), "good_up": False,
         "url": records_url(scope, band="dissatisfied")},
    ]  # fmt: skip
    for card in cards:  # the unrounded value, as the API gives it, for the page's data-value attributes
        card["raw"] = getattr(cur, card["key"])
        card.update(tile_evidence(cur, card["key"]))
    reading = comparison.satisfaction_rate_test.reading_zh if _zh() else comparison.satisfaction_rate_test.reading_en
    return {"cards": cards, "comparison": comparison, "change_reading": reading}


# Below this many responses a tile is greyed: a rate or a mean of a handful of answers is not a reading.
MIN_N_TILE = stats.MIN_N_PROPORTION
_TILE_HITS = {"satisfaction_rate": "satisfied", "high_satisfaction_rate": "high_satisfied",
              "dissatisfaction_rate": "dissatisfied"}  # fmt: skip


def tile_evidence(k: Kpis, key: str) -> dict:
    """A KPI tile's n, its 95% interval (Wilson for rates, Student t for the mean; in display units) and whether
    there is enough data to read it at all."""
    interval = None
    if key in _TILE_HITS:
        interval = stats.wilson_interval(getattr(k, _TILE_HITS[key]), k.count) if k.count else None
        low, high = (_pct(interval.low), _pct(interval.high)) if interval else (None, None)
    elif key == "avg_score":
        interval = stats.mean_interval(k.avg_score, k.score_sd, k.count)
        low, high = (round(interval.low, 2), round(interval.high, 2)) if interval else (None, None)
    else:
        low = high = None
    return {"n": k.count, "enough": k.count >= MIN_N_TILE, "min_n": MIN_N_TILE, "interval": interval,
            "low": low, "high": high}  # fmt: skip


def target_card(scope: Scope) -> dict | None:
    """The overall satisfaction-rate target over the selected scope: rate, Wilson interval, responses needed."""
    target = (
        SatisfactionTarget.objects.filter(is_active=True, service_type=None, metric="satisfaction_rate")
        .order_by("pk")
        .first()
    )
    if target is None:
        return None
    status = metrics.target_status(target, scope=scope)
    return {
        "status": status,
        "target_pct": _pct(status.target_value),
        "current_pct": _pct(status.current),
        "low_pct": _pct(status.interval.low) if status.interval else None,
        "high_pct": _pct(status.interval.high) if status.interval else None,
        "probability_pct": _pct(status.probability_met),
        "enough": status.kpis.count >= MIN_N_TILE,
        "min_n": MIN_N_TILE,
        # The chance has its own line on the tile (target_chance.html), so the sentence stops before it.
        "reading": status.standing_zh if _zh() else status.standing_en,
    }


def response_card(scope: Scope, current: Kpis, *, breakdowns: bool = False) -> dict:
    """Answered / sent survey invitations with a Wilson interval, shown beside the satisfaction rate, and how
    many self-rated records the KPIs leave out (a 95% rate on 10% response is not a 95% rate).

    With `breakdowns`, also the response rate by service type, segment and channel (`response_breakdowns`).
    """
    from analytics.lib.nonresponse import adjusted_rate
    from analytics.lib.responses import response_breakdowns, response_rate

    result = response_rate(scope)
    adjusted = adjusted_rate(scope)
    excluded = 0
    if not scope.include_self_rated:
        excluded = metrics.kpis(dataclasses.replace(scope, include_self_rated=True)).count - current.count
    return {
        "result": result,
        "rate_pct": _pct(result.rate),
        "low_pct": _pct(result.ci.low) if result.sent else None,
        "high_pct": _pct(result.ci.high) if result.sent else None,
        "self_rated_excluded": excluded,
        "breakdowns": response_breakdowns(scope, overall=result) if breakdowns else None,
        "adjusted": adjusted,
        "adjusted_reading": adjusted.reading_zh if _zh() else adjusted.reading_en,
    }


# A trend follows the page's period when the period holds at least this many periods of the chosen length;
# a shorter one (the last 7 days by month) would be one or two points, so the chart shows its own window instead
# and says so in its header.
MIN_TREND_POINTS = 3


def trend_window(scope: Scope, period: str) -> tuple[dt.date, dt.date, bool]:
    """The first and last day the trend plots, and whether that is the page's period (else the last 12 months /
    26 weeks up to the period's end)."""
    end = scope.end or metrics.local_today()
    if scope.start is not None:
        first, day, buckets = scope.start, metrics.period_bounds(scope.start, period)[0], 0
        while day <= end:
            buckets += 1
            day = metrics.period_bounds(day, period)[1] + dt.timedelta(days=1)
        if buckets >= MIN_TREND_POINTS:
            return first, end, True
    first, _last = metrics.period_bounds(end, period)
    for _i in range(TREND_PERIODS[period] - 1):
        first, _end = metrics.period_bounds(first - dt.timedelta(days=1), period)
    return first, end, False


def trend_chart(scope: Scope, period: str = "month") -> dict:
    """Satisfaction rate and mean score per month or ISO week over the page's period (or, when that is too short
    for a trend, the 12 months / 26 weeks up to its end), same filters. A month or week the window cuts (the
    current one after a day, the first one of "last 90 days") is marked partial: its label says so."""
    period = period if period in TREND_PERIODS else "month"
    first, end, follows = trend_window(scope, period)
    trend_scope = scope.with_dates(first, end)
    points = metrics.trend(trend_scope, period)
    partial = [p.start < first or p.end > end for p in points]
    labels = [
        partial_label(_bucket_label(p, period)) if cut else _bucket_label(p, period)
        for p, cut in zip(points, partial, strict=True)
    ]
    links = [records_url(trend_scope.with_dates(max(p.start, first), min(p.end, end))) for p in points]
    config = chart(
        "line",
        labels,
        [
            marked_partial(dataset(_("Satisfied %"), [_pct(p.kpis.satisfaction_rate) for p in points]), partial),
            marked_partial(
                dataset(
                    _("Average score"),
                    [p.kpis.avg_score and round(p.kpis.avg_score, 2) for p in points],
                    color_index=1,
                    axis="y2",
                ),
                partial,
            ),
        ],  # fmt: skip
        links=links,
        scales=score_and_rate_scales(_("Satisfied %"), _("Average score")),
    )
    window_words = None
    if not follows:
        by = _("by month") if period == "month" else _("by week")
        window_words = scope_words(trend_scope, data=by)
    cut = [
        {
            "label": _bucket_label(p, period),
            "days": period_words(trend_scope.with_dates(max(p.start, first), min(p.end, end))),
        }
        for p, is_cut in zip(points, partial, strict=True)
        if is_cut
    ]
    return {
        "period": period,
        "chart": config,
        "points": points,
        "follows_scope": follows,
        "window_words": window_words,
        "partial": cut,
        "partial_starts": [p.start.isoformat() for p, is_cut in zip(points, partial, strict=True) if is_cut],
    }


def partial_label(label: str) -> str:
    """A trend label of a period the chart shows only part of: "2026-12 (partial)"."""
    return _("%(period)s (partial)") % {"period": label}


def _bucket_label(point, period: str) -> str:
    return point.start.strftime("%Y-%m") if period == "month" else f"{point.start:%G-W%V}"


def marked_partial(ds: dict, partial: list[bool]) -> dict:
    """A dataset whose partial points are drawn hollow, so a cut period does not read as a full one."""
    return {**ds, "pointBackgroundColor": ["#ffffff" if cut else ds["borderColor"] for cut in partial],
            "pointStyle": ["triangle" if cut else "circle" for cut in partial]}  # fmt: skip


def service_breakdown(scope: Scope) -> dict:
    rows = metrics.by_service_type(scope)
    config = chart(
        "bar",
        [_label(r) for r in rows],
        [dataset(_("Satisfied %"), [_pct(r.kpis.satisfaction_rate) for r in rows])],
        links=[records_url(dataclasses.replace(scope, service_types=(r.key,))) for r in rows],
        scales={"y": {"min": 0, "max": 100}},
        legend=False,
    )
    return {"rows": rows, "chart": config}


def score_distribution(kpis: Kpis, scope: Scope) -> dict:
    """Four bands from the snapshot counts: < 3, 3–3.9, 4–4.4, ≥ 4.5."""
    bands = [
        ("dissatisfied", _("below 3"), kpis.dissatisfied),
        ("neutral", _("3 – 3.9"), kpis.count - kpis.satisfied - kpis.dissatisfied),
        ("satisfied_low", _("4 – 4.4"), kpis.satisfied - kpis.high_satisfied),
        ("high", _("4.5 – 5"), kpis.high_satisfied),
    ]
    config = chart(
        "bar",
        [label for _key, label, _n in bands],
        [dataset(_("Responses"), [n for *_rest, n in bands], color_index=4)],
        links=[records_url(scope, band=key) for key, *_rest in bands],
        legend=False,
    )
    return {"bands": bands, "chart": config}


def drivers(scope: Scope) -> list:
    """Sub-metric drivers; cached because ranks need the raw values (or, on large scopes, the sample)."""
    key = "dashboard:drivers:" + hashlib.sha1(repr(scope).encode()).hexdigest()
    groups = cache.get(key)
    if groups is None:
        groups = sub_metric_drivers(scope)
        cache.set(key, groups, DRIVERS_CACHE_SECONDS)
    return groups


def segment_summary(scope: Scope, priority: int | None = None) -> dict:
    """The page's segment (priority 1 when the page shows every segment) against every other customer, over the
    page's period and service type."""
    if priority is None:
        priority = scope.segment_priority if scope.segment_priority in range(1, 6) else 1
    compared = dataclasses.replace(scope, segment_priority=None)
    split = metrics.segment_split(compared, priority)
    test = split.satisfaction_rate_test
    return {
        "split": split,
        "priority": priority,
        "segment_pct": _pct(split.segment.satisfaction_rate),
        "rest_pct": _pct(split.rest.satisfaction_rate),
        "reading": test.reading_zh if _zh() else test.reading_en,
        "significant": test.significant(),
        "scope_words": scope_words(compared, data=str(RECORDS_DATA)),
    }


def operations_summary(user, scope: Scope | None = None) -> dict:
    """Open alerts, the watch list, measures in progress and the top new suggestions, of the page's service type
    and segment. They are about now (open, watched, new), not about the page's period: `scope_words` says so."""
    scope = scope or Scope()
    about = {
        "service_type_code": scope.service_types[0] if scope.service_types else None,
        "segment_priority": scope.segment_priority,
    }
    measures = measure_list(open_only=True, **about).order_by("target_date", "pk")
    filters = [service_words(scope.service_types) or _("all service types"), segment_words(scope.segment_priority)]
    return {
        "alert_counts": alert_counts(**about),
        "alerts": list(open_alerts(**about)[:5]),
        "watchlist": list(watchlist_list(**about)[:5]),
        "measures": list(measures[:5]),
        "suggestions": list(suggestion_list(status=ImprovementSuggestion.Status.NEW, **about)[:3]),
        "operations_words": {
            "alerts": one_line([_("unresolved now"), *filters]),
            "watchlist": one_line([_("on the list now"), *filters]),
            "measures": one_line([_("open now"), *filters]),
            "suggestions": one_line(
                [_("new, from the %(days)s days before each nightly run") % {"days": LOOKBACK_DAYS}, *filters]
            ),
        },
    }


def dashboard(scope: Scope, *, user, trend_period: str = "month", response_breakdowns: bool = False) -> dict:
    """Everything the dashboard shows for one scope; the page and the API's `satisfaction/dashboard` both render
    this. `response_breakdowns` adds the response rate by service type, segment and channel to `responses`."""
    cards = kpi_cards(scope)
    segment = segment_summary(scope)
    # The page reads two tests side by side (the change against the period before, segment 1 against the rest):
    # one family, so each sentence carries its Benjamini–Hochberg q and the verdict goes by it.
    change_test, segment_test = stats.with_q_values(
        [cards["comparison"].satisfaction_rate_test, segment["split"].satisfaction_rate_test]
    )
    cards["change_reading"] = change_test.reading_zh if _zh() else change_test.reading_en
    segment.update(
        reading=segment_test.reading_zh if _zh() else segment_test.reading_en, significant=segment_test.significant()
    )
    return {
        "scope": scope,
        "kpis": cards,
        "target": target_card(scope),
        "responses": response_card(scope, cards["comparison"].current, breakdowns=response_breakdowns),
        "trend": trend_chart(scope, trend_period),
        "services": service_breakdown(scope),
        "distribution": score_distribution(cards["comparison"].current, scope),
        "segment": segment,
        "scope_words": scope_words(scope, data=str(RECORDS_DATA)),
        **operations_summary(user, scope),
    }


def topics_widget(scope: Scope) -> dict:
    """ "What customers say": topics by volume, by impact on the score (significant differences first) and rising."""
    rows = [r for r in topic_rows(scope) if r.count]
    zh = _zh()
    items = [
        {
            "row": r,
            "label": r.label_zh if zh else r.label_en,
            "share_pct": _pct(r.share),
            "negative_pct": _pct(r.negative_share),
            "impact": r.difference.diff,
            "reading": r.difference.reading_zh if zh else r.difference.reading_en,
            "change_pts": _pct(r.share_change),
            "url": reverse("analytics:topic-comments", args=[r.code]) + "?" + scope_query(scope),
        }
        for r in rows
    ]
    by_impact = sorted(
        (i for i in items if i["impact"] is not None and i["row"].difference.significant()), key=lambda i: i["impact"]
    )
    rising = sorted((i for i in items if (i["row"].share_change or 0) > 0), key=lambda i: -i["row"].share_change)
    return {"by_volume": items, "by_impact": by_impact[:5], "rising": rising[:5]}
