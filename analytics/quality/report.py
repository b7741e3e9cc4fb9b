"""The service-quality report (DESIGN §5) and its export bundle: CSVs, charts, report.md and report.json.

`build_report()` gathers the numbers; `write_bundle()` writes the bundle's files (`BUNDLE_FILES`) into a directory;
`bundle_zip()` returns the same files as one zip for the web page, `pdf_download()` the PDF alone.
Raw CSVs are streamed row by row. The PDF is report.md laid out with the bundle's charts, so the two
never say different things.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import connection
from django.db.models import BooleanField, Case, F, Q, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.continuity import continuity_markdown, continuity_rows, handler_continuity
from analytics.lib import metrics
from analytics.lib.describe import period_words, service_words
from analytics.lib.drivers import DriverGroup
from analytics.lib.drivers import drivers as sub_metric_drivers
from analytics.lib.stats import MIN_N_MEAN, MIN_N_PROPORTION
from analytics.quality import charts
from analytics.quality.comparison import SegmentComparison, complaints_in_scope, segment_comparison, tickets_in_scope
from analytics.quality.insights import Insight, generate_insights
from analytics.quality.topics import TopicComparisonRow, topic_comparison, topics_markdown
from core.describe import one_line
from core.overlap import start_beside
from core.pdf import markdown_html, render_pdf
from core.spreadsheets import Echo, neutralise
from satisfaction.crm.models import segment_customer_ids

LANGS = ("en", "zh-hans")
BUNDLE_FILES = (
    "tickets_metrics.csv",
    "complaints_metrics.csv",
    "tickets_raw.csv",
    "complaints_raw.csv",
    "continuity.csv",
    "tickets_metrics.png",
    "complaints_metrics.png",
    "sat_distribution.png",
    "service_drivers.png",
    "report.md",
    "report.pdf",
    "report.json",
)

TEXT = {
    "en": {
        "group": "Group", "customers": "Customers", "customers_with_tickets": "Customers with tickets",
        "tickets": "Tickets", "avg_handling_hours": "Avg handling hours", "avg_satisfaction": "Avg satisfaction",
        "follow_up_rate": "Follow-up rate", "first_contact_resolution_rate": "First-contact resolution rate",
        "complaints": "Complaints", "customers_with_complaints": "Customers with complaints",
        "escalation_rate": "Escalation rate", "avg_response_hours": "Avg response hours",
        "median_response_hours": "Median response hours", "p90_response_hours": "P90 response hours",
        "avg_resolution_hours": "Avg resolution hours", "median_resolution_hours": "Median resolution hours",
        "p90_resolution_hours": "P90 resolution hours", "rest": "Other customers",
        "id": "Id", "external_id": "External id", "customer": "Customer", "service_type": "Service type",
        "opened_at": "Opened at", "closed_at": "Closed at", "handling_hours": "Handling hours",
        "urgency": "Urgency", "ticket_priority": "Ticket priority", "satisfaction": "Satisfaction",
        "follow_up": "Follow-up", "agent": "Agent", "filed_at": "Filed at", "responded_at": "Responded at",
        "resolved_at": "Resolved at", "response_hours": "Response hours", "resolution_hours": "Resolution hours",
        "escalated": "Escalated", "handling_speed": "Handling speed", "yes": "yes", "no": "no",
        "title": "Service quality: {segment} vs other customers",
        "tickets_chart": "Tickets", "complaints_chart": "Complaints", "score": "Score", "share": "Share",
        "distribution_chart": "Satisfaction scores (share of rated)", "drivers_chart":
        "What moves the score: Spearman correlation with the overall score", "rho": "Spearman rho",
        "hours": "hours", "median": "median", "p90": "P90",
        "pdf_footer": "Service-quality report · {scope} · generated {generated}",
    },
    "zh-hans": {
        "group": "分组", "customers": "客户数", "customers_with_tickets": "有工单客户数",
        "tickets": "工单数", "avg_handling_hours": "工单平均耗时", "avg_satisfaction": "工单平均满意度",
        "follow_up_rate": "二次跟进率", "first_contact_resolution_rate": "首次解决率",
        "complaints": "投诉数", "customers_with_complaints": "有投诉客户数",
        "escalation_rate": "升级率", "avg_response_hours": "平均响应时长",
        "median_response_hours": "响应时长中位数", "p90_response_hours": "响应时长P90",
        "avg_resolution_hours": "平均解决时长", "median_resolution_hours": "解决时长中位数",
        "p90_resolution_hours": "解决时长P90", "rest": "其他客户",
        "id": "编号", "external_id": "外部编号", "customer": "客户", "service_type": "服务类型",
        "opened_at": "创建时间", "closed_at": "关闭时间", "handling_hours": "耗时（小时）",
        "urgency": "紧急程度", "ticket_priority": "工单优先级", "satisfaction": "满意度",
        "follow_up": "二次跟进", "agent": "客服", "filed_at": "投诉时间", "responded_at": "响应时间",
        "resolved_at": "解决时间", "response_hours": "响应时长（小时）", "resolution_hours": "解决时长（小时）",
        "escalated": "已升级", "handling_speed": "处理速度", "yes": "是", "no": "否",
        "title": "服务质量：{segment}客户 对比 其他客户",
        "tickets_chart": "工单", "complaints_chart": "投诉", "score": "评分", "share": "占比",
        "distribution_chart": "满意度评分分布（占已评分比例）",
        "drivers_chart": "评分驱动因素：与总体评分的 Spearman 相关",
        "rho": "Spearman 相关系数", "hours": "小时", "median": "中位数", "p90": "P90",
        "pdf_footer": "服务质量报告 · {scope} · 生成于 {generated}",
    },
}  # fmt: skip
# Complaint satisfaction has its own header in Chinese (工单平均满意度 is the ticket one).
COMPLAINT_SAT = {"en": "Avg satisfaction", "zh-hans": "投诉平均满意度"}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


@dataclass(frozen=True)
class ServiceQualityReport:
    """Everything the report page and the bundle show."""

    comparison: SegmentComparison
    insights: tuple[Insight, ...]
    drivers: tuple[DriverGroup, ...]
    generated_at: dt.datetime
    topics: tuple[TopicComparisonRow, ...] = ()
    service_types: tuple[str, ...] = ()

    def scope_words(self) -> str:
        """What the report covers, in the active language (`comparison_scope_words`)."""
        return comparison_scope_words(self.comparison, self.service_types)

    def as_dict(self) -> dict:
        """Every number, JSON-ready, with the scope they cover (`scope`, its words in the active language)."""
        c = self.comparison
        return {
            "scope": {
                "start": c.start.isoformat() if c.start else None,
                "end": c.end.isoformat() if c.end else None,
                "service_types": list(self.service_types),
                "segment_priority": c.priority,
                "data": "tickets and complaints (ratings 1-5)",
                "words": self.scope_words(),
            },
            "generated_at": self.generated_at.isoformat(),
            "comparison": self.comparison.as_dict(),
            "insights": [asdict(i) for i in self.insights],
            "drivers": [d.as_dict() for d in self.drivers],
            "topics": [t.as_dict() for t in self.topics],
            "definitions": {
                "follow_up_rate": "share of tickets that needed a second follow-up",
                "first_contact_resolution_rate": "1 - follow_up_rate",
                "escalation_rate": "share of complaints escalated",
                "percentiles": "linear interpolation (as PostgreSQL percentile_cont)",
                "min_n_proportion": MIN_N_PROPORTION,
                "min_n_mean": MIN_N_MEAN,
            },
        }


def comparison_scope_words(c: SegmentComparison, service_types=()) -> str:
    """What a segment comparison covers, in the active language (`report_scope_words`)."""
    return report_scope_words(priority=c.priority, start=c.start, end=c.end, service_types=service_types)


def report_scope_words(*, priority: int, start=None, end=None, service_types=()) -> str:
    """What the report covers, in the active language: period · service types · the two groups · the data it
    counts (ticket and complaint ratings, not the dashboard's satisfaction records)."""
    label_en, label_zh = metrics.segment_label(priority)
    zh = (translation.get_language() or "").startswith("zh")
    return one_line([
        period_words(metrics.Scope(start=start, end=end)),
        service_words(service_types) or _("all service types"),
        _("%(segment)s vs other customers") % {"segment": label_zh if zh else label_en},
        _("tickets and complaints, ratings 1–5"),
    ])  # fmt: skip


def build_report(
    *,
    priority: int = 1,
    start: dt.date | None = None,
    end: dt.date | None = None,
    service_types=(),
    include_drivers: bool = True,
) -> ServiceQualityReport:
    """Compare segment `priority` with the rest, derive insights, and relate sub-metrics to scores.

    The drivers read every record's score and sub-metrics (seconds at a million records): a page that
    does not show them passes `include_drivers=False`.
    """
    # The topic quotes are a few queries that scan and sort inside the database (the GIL released): beside the
    # comparison's own queries they use the second core.
    topics = start_beside(
        lambda: topic_comparison(priority=priority, start=start, end=end, service_types=service_types),
        name="report-topics",
    )
    try:
        comparison = segment_comparison(priority=priority, start=start, end=end, service_types=service_types)
        drivers = ()
        if include_drivers:
            drivers = sub_metric_drivers(metrics.Scope(start=start, end=end, service_types=tuple(service_types)))
    finally:
        topics.join()
    return ServiceQualityReport(
        comparison,
        tuple(generate_insights(comparison)),
        tuple(drivers),
        timezone.now(),
        tuple(topics.result()),
        tuple(service_types),
    )


def report_json(**kwargs) -> dict:
    """The report as a JSON-ready dict (what the API and report.json serve)."""
    return build_report(**kwargs).as_dict()


# --- CSVs ---------------------------------------------------------------------------------------------------


def _fmt(value):
    if isinstance(value, float):
        return round(value, 4)
    return "" if value is None else value


def ticket_metric_rows(report: ServiceQualityReport, lang: str) -> Iterator[list]:
    """Header and one row per group of tickets_metrics.csv."""
    t = TEXT[_lang(lang)]
    cols = ["customers", "customers_with_tickets", "count", "avg_handling_hours", "avg_satisfaction",
            "follow_up_rate", "first_contact_resolution_rate"]  # fmt: skip
    yield [t["group"], t["customers"], t["customers_with_tickets"], t["tickets"], t["avg_handling_hours"],
           t["avg_satisfaction"], t["follow_up_rate"], t["first_contact_resolution_rate"]]  # fmt: skip
    for key, name in _groups(report, lang):
        m = report.comparison.tickets[key]
        yield [name, *(_fmt(getattr(m, c)) for c in cols)]


def complaint_metric_rows(report: ServiceQualityReport, lang: str) -> Iterator[list]:
    """Header and one row per group of complaints_metrics.csv."""
    t = TEXT[_lang(lang)]
    cols = ["count", "customers_with_complaints", "avg_satisfaction", "escalation_rate", "avg_response_hours",
            "median_response_hours", "p90_response_hours", "avg_resolution_hours", "median_resolution_hours",
            "p90_resolution_hours"]  # fmt: skip
    yield [t["group"], t["complaints"], t["customers_with_complaints"], COMPLAINT_SAT[lang], *(t[c] for c in cols[3:])]
    for key, name in _groups(report, lang):
        m = report.comparison.complaints[key]
        yield [name, *(_fmt(getattr(m, c)) for c in cols)]


def _groups(report: ServiceQualityReport, lang: str):
    c = report.comparison
    return (("segment", c.label_zh if lang.startswith("zh") else c.label_en), ("rest", TEXT[lang]["rest"]))


def _group_case(priority: int) -> Case:
    return Case(
        When(Q(contract__customer_id__in=segment_customer_ids(priority)), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


class _LocalTimes:
    """Stored instants as local "YYYY-MM-DD HH:MM" for hundreds of thousands of rows: the UTC offset is looked up
    once per UTC hour (time zones change offset on whole UTC hours), and the text built without strftime.

    SQLite's stored UTC text ("YYYY-MM-DD HH:MM:SS[.ffffff]", see `_instant`) is not parsed at all in a zone whose
    offset is whole hours: only the hour part changes, so the local "YYYY-MM-DD HH" of each UTC hour is kept and
    the minutes copied."""

    def __init__(self):
        self.tz = metrics.local_tz()
        self.offsets: dict[tuple, dt.timedelta] = {}
        self.hours: dict[str, str | None] = {}

    def __call__(self, value) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            hour = value[:13]
            head = self.hours[hour] if hour in self.hours else self._local_hour(hour)
            if head is not None:
                return head + value[13:16]
            value = dt.datetime.fromisoformat(value)
        key = (value.year, value.month, value.day, value.hour)
        offset = self.offsets.get(key)
        if offset is None:
            aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            offset = self.offsets[key] = aware.astimezone(self.tz).utcoffset() - (aware.utcoffset() or dt.timedelta())
        v = value + offset
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}"

    def _local_hour(self, hour: str) -> str | None:
        """The local "YYYY-MM-DD HH" of the UTC hour `hour`, or None when the offset has minutes (St John's)."""
        try:
            utc = dt.datetime.fromisoformat(f"{hour}:00").replace(tzinfo=dt.UTC)
        except ValueError:
            self.hours[hour] = None
            return None
        offset = utc.astimezone(self.tz).utcoffset()
        v = utc + offset
        self.hours[hour] = head = None if offset % dt.timedelta(hours=1) else f"{v:%Y-%m-%d %H}"
        return head


def _instant(field: str):
    """A timestamp column for `_LocalTimes`: on SQLite its stored UTC text as is — the driver's converter would
    parse every value into a datetime first, the largest cost of a raw CSV at a million records — elsewhere the
    column (psycopg's datetimes are made in C)."""
    return Cast(field, TextField()) if connection.vendor == "sqlite" else F(field)


class _Neutralised(dict):
    """`neutralise` remembered per value: customer and agent names repeat across a table's rows."""

    def __missing__(self, value):
        self[value] = result = neutralise(value)
        return result


def _cursor_rows(qs, chunk_size: int) -> Iterator[tuple]:
    """The rows of a `values_list` queryset straight from the database cursor, in chunks: at 200,000 tickets the
    ORM's per-value converters (SQLite parses every timestamp in Python) cost more than the query."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def ticket_raw_rows(
    *, priority: int = 1, lang: str = "en", start=None, end=None, service_types=(), chunk_size: int = 5_000
) -> Iterator[list]:
    """Header and every ticket in scope with its group, read in chunks (never the whole table in memory)."""
    t = TEXT[_lang(lang)]
    seg, rest = metrics.segment_label(priority)[1 if lang.startswith("zh") else 0], t["rest"]
    yes, no = t["yes"], t["no"]
    yield [t[k] for k in ("id", "external_id", "group", "customer", "service_type", "opened_at", "closed_at",
                          "handling_hours", "urgency", "ticket_priority", "satisfaction", "follow_up",
                          "agent")]  # fmt: skip
    qs = (
        tickets_in_scope(start=start, end=end, service_types=service_types)
        .annotate(grp=_group_case(priority), customer_name=F("contract__customer__name"),
                  service_code=F("contract__service_type__code"), opened=_instant("opened_at"),
                  closed=_instant("closed_at"))
        .order_by("pk")
        .values_list("pk", "external_id", "grp", "customer_name", "service_code", "opened", "closed",
                     "handling_hours", "urgency", "ticket_priority", "satisfaction", "follow_up", "agent_name")
    )  # fmt: skip
    local, names = _LocalTimes(), _Neutralised()
    for row in _cursor_rows(qs, chunk_size):
        pk, ext, grp, name, code, opened, closed, hours, urg, prio, sat, follow, agent = row
        yield [pk, neutralise(ext or ""), seg if grp else rest, names[name], code, local(opened), local(closed),
               _fmt(hours), urg, prio, _fmt(sat), yes if follow else no, names[agent]]  # fmt: skip


def complaint_raw_rows(
    *, priority: int = 1, lang: str = "en", start=None, end=None, service_types=(), chunk_size: int = 5_000
) -> Iterator[list]:
    """Header and every complaint in scope with its group, read in chunks."""
    t = TEXT[_lang(lang)]
    seg, rest = metrics.segment_label(priority)[1 if lang.startswith("zh") else 0], t["rest"]
    yes, no = t["yes"], t["no"]
    yield [t[k] for k in ("id", "external_id", "group", "customer", "service_type", "filed_at", "responded_at",
                          "resolved_at", "response_hours", "resolution_hours", "satisfaction", "escalated",
                          "urgency", "handling_speed", "agent")]  # fmt: skip
    qs = (
        complaints_in_scope(start=start, end=end, service_types=service_types)
        .annotate(grp=_group_case(priority), customer_name=F("contract__customer__name"),
                  service_code=F("contract__service_type__code"), filed=_instant("filed_at"),
                  responded=_instant("responded_at"), resolved=_instant("resolved_at"))
        .order_by("pk")
        .values_list("pk", "external_id", "grp", "customer_name", "service_code", "filed", "responded", "resolved",
                     "response_hours", "resolution_hours", "satisfaction", "escalated", "urgency", "handling_speed",
                     "agent_name")
    )  # fmt: skip
    local, names = _LocalTimes(), _Neutralised()
    for row in _cursor_rows(qs, chunk_size):
        pk, ext, grp, name, code, filed, responded, resolved, resp, reso, sat, esc, urg, speed, agent = row
        yield [pk, neutralise(ext or ""), seg if grp else rest, names[name], code, local(filed), local(responded),
               local(resolved), _fmt(resp), _fmt(reso), _fmt(sat), yes if esc else no, urg, speed,
               names[agent]]  # fmt: skip


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """CSV text line by line (for a StreamingHttpResponse), with a BOM so spreadsheets read UTF-8 Chinese."""
    writer = csv.writer(Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def write_csv(path: Path, rows: Iterable[list]) -> Path:
    """Write rows to a UTF-8 (with BOM) CSV file, streaming."""
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow(row)
    return path


# --- charts -------------------------------------------------------------------------------------------------


def draw_charts(report: ServiceQualityReport, out: Path, lang: str) -> list[Path]:
    """The four PNGs of the bundle, every label (choice labels too) in the charts' language."""
    chart_lang = charts.chart_language(lang)
    with translation.override(chart_lang):
        return _draw_charts(report, out, chart_lang)


def _draw_charts(report: ServiceQualityReport, out: Path, chart_lang: str) -> list[Path]:
    t = TEXT[chart_lang]
    c = report.comparison
    seg_label = c.label_zh if chart_lang.startswith("zh") else c.label_en
    groups = (seg_label, t["rest"])
    ts, tr = c.tickets["segment"], c.tickets["rest"]
    cs, cr = c.complaints["segment"], c.complaints["rest"]

    def pct(v):
        return None if v is None else v * 100

    paths = [
        charts.grouped_bars(
            out / "tickets_metrics.png", lang=chart_lang, title=t["tickets_chart"], group_labels=groups,
            panels=[
                {"title": t["avg_handling_hours"], "categories": [t["hours"]], "segment": [ts.avg_handling_hours],
                 "rest": [tr.avg_handling_hours], "fmt": "{:.1f}"},
                {"title": t["avg_satisfaction"], "categories": ["1–5"], "segment": [ts.avg_satisfaction],
                 "rest": [tr.avg_satisfaction]},
                {"title": f'{t["follow_up_rate"]} / {t["first_contact_resolution_rate"]} (%)',
                 "categories": [t["follow_up_rate"], t["first_contact_resolution_rate"]],
                 "segment": [pct(ts.follow_up_rate), pct(ts.first_contact_resolution_rate)],
                 "rest": [pct(tr.follow_up_rate), pct(tr.first_contact_resolution_rate)], "fmt": "{:.1f}"},
            ],
        ),
        charts.grouped_bars(
            out / "complaints_metrics.png", lang=chart_lang, title=t["complaints_chart"], group_labels=groups,
            panels=[
                {"title": f'{t["escalation_rate"]} (%)', "categories": [t["escalation_rate"]],
                 "segment": [pct(cs.escalation_rate)], "rest": [pct(cr.escalation_rate)], "fmt": "{:.1f}"},
                {"title": f'{t["response_hours"]}', "categories": [t["median"], t["p90"]],
                 "segment": [cs.median_response_hours, cs.p90_response_hours],
                 "rest": [cr.median_response_hours, cr.p90_response_hours], "fmt": "{:.0f}"},
                {"title": f'{t["resolution_hours"]}', "categories": [t["median"], t["p90"]],
                 "segment": [cs.median_resolution_hours, cs.p90_resolution_hours],
                 "rest": [cr.median_resolution_hours, cr.p90_resolution_hours], "fmt": "{:.0f}"},
            ],
        ),
    ]  # fmt: skip
    panels = []
    for field, title in (("tickets_satisfaction", t["tickets_chart"]), ("complaints_satisfaction",
                                                                       t["complaints_chart"])):  # fmt: skip
        d = c.distribution(field)
        shares = [[n / sum(counts) * 100 if sum(counts) else None for n in counts] for counts in (d.segment, d.rest)]
        panels.append({"title": title, "categories": d.category_labels, "segment": shares[0], "rest": shares[1],
                       "fmt": "{:.0f}"})  # fmt: skip
    paths.append(
        charts.grouped_bars(
            out / "sat_distribution.png",
            lang=chart_lang,
            title=t["distribution_chart"],
            group_labels=groups,
            panels=panels,
        )  # fmt: skip
    )
    labels, values = [], []
    for group in report.drivers:
        name = group.label_zh if chart_lang.startswith("zh") else group.label_en
        for driver in group.drivers:
            labels.append(f"{name} · {driver.label_zh if chart_lang.startswith('zh') else driver.label_en}")
            values.append(driver.correlation.rho)
    paths.append(
        charts.horizontal_bars(
            out / "service_drivers.png",
            lang=chart_lang,
            title=t["drivers_chart"],
            labels=labels,
            values=values,
            xlabel=t["rho"],
        )  # fmt: skip
    )
    return paths


# --- report.md ----------------------------------------------------------------------------------------------


def report_markdown(report: ServiceQualityReport, lang: str = "en") -> str:
    """A readable report: scope, metrics, tests explained, insights, charts referenced, method."""
    zh = _lang(lang).startswith("zh")
    c = report.comparison
    seg = c.label_zh if zh else c.label_en
    t = TEXT[lang]
    with translation.override(lang):
        scope = report.scope_words()
    lines = [f"# {t['title'].format(segment=seg)}", ""]
    generated = timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")
    lines += [f"统计范围：{scope}；生成时间 {generated}。" if zh else f"Period: {scope}; generated {generated}.", ""]
    for h_zh, h_en, rows_of, png in (
        ("工单", "Tickets", ticket_metric_rows, "tickets_metrics.png"),
        ("投诉", "Complaints", complaint_metric_rows, "complaints_metrics.png"),
    ):
        rows = list(rows_of(report, lang))
        lines += [f"## {h_zh if zh else h_en}", "", "| " + " | ".join(str(h) for h in rows[0]) + " |"]
        lines.append("|" + " --- |" * len(rows[0]))
        lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows[1:]]
        lines += ["", f"![]({png})", ""]
    tests = c.tests
    lines += ["## 统计检验" if zh else "## Statistical tests", ""]
    for name_en, name_zh, result in (
        ("Ticket satisfaction (Welch's t-test, Hedges' g)", "工单满意度（Welch t 检验，Hedges' g）",
         tests.ticket_satisfaction),
        ("Ticket satisfaction (Mann–Whitney U)", "工单满意度（Mann–Whitney U 检验）", tests.ticket_satisfaction_ranks),
        ("Complaint satisfaction (Welch's t-test)", "投诉满意度（Welch t 检验）", tests.complaint_satisfaction),
        ("Follow-up rate (two-proportion z-test)", "二次跟进率（双比例 z 检验）", tests.follow_up_rate),
        ("Escalation rate (two-proportion z-test)", "升级率（双比例 z 检验）", tests.escalation_rate),
    ):  # fmt: skip
        lines.append(f"- **{name_zh if zh else name_en}**: {result.reading_zh if zh else result.reading_en}")
    lines += ["", "## 分布" if zh else "## Distributions", ""]
    for d in c.distributions:
        lines.append(f"- **{d.label_zh if zh else d.label_en}**: {d.test.reading_zh if zh else d.test.reading_en}")
    lines += ["", "![](sat_distribution.png)", ""]
    headings = {"risk": ("风险", "Risks"), "finding": ("诊断发现", "Findings"),
                "recommendation": ("改进建议（按优先级）", "Recommendations (by priority)")}  # fmt: skip
    for kind, (h_zh, h_en) in headings.items():
        items = [i for i in report.insights if i.kind == kind]
        lines += [f"## {h_zh if zh else h_en}", ""]
        if not items:
            lines.append("- 无" if zh else "- None.")
        for i in items:
            prio = {"high": "高", "medium": "中", "low": "低"}[i.priority] if zh else i.priority
            lines.append(f"- **[{prio}] {i.title_zh if zh else i.title_en}**: {i.text_zh if zh else i.text_en}")
            for reading_en, reading_zh in i.tests:
                lines.append(f"  - {reading_zh if zh else reading_en}")
        lines.append("")
    lines += ["## 评分驱动因素" if zh else "## What drives the score", "", "![](service_drivers.png)", ""]
    for group in report.drivers:
        for driver in group.drivers:
            label = f"{group.label_zh if zh else group.label_en} · {driver.label_zh if zh else driver.label_en}"
            lines.append(f"- {label}: {driver.correlation.reading_zh if zh else driver.correlation.reading_en}")
    lines += ["", "## 方法说明" if zh else "## Method", ""]
    if zh:
        lines += [
            f"- 分组：{seg}客户（其联系人中最高优先级为 {c.priority}）对比所有其他客户（含无联系人客户）。",
            "- Welch t 检验不假设两组方差相等；Cohen's d 使用合并标准差，Hedges' g 为小样本校正值，附 95% 置信区间。",
            "- 比例差异使用合并比例的双比例 z 检验（双侧），差值区间为 Wald 区间；"
            "分布差异使用卡方独立性检验及 Cramér's V。",
            f"- 样本不足时不给结论：比例每组至少 {MIN_N_PROPORTION} 条，均值和秩检验每组至少 {MIN_N_MEAN} 条。",
            "- p < 0.05 视为显著；显著不代表差异大，请同时看效应量。百分位数采用线性插值。",
        ]
    else:
        lines += [
            f"- Groups: {seg} customers (whose most important contact has priority {c.priority}) against every "
            "other customer (customers without contacts included).",
            "- Welch's t-test does not assume equal variances; Cohen's d uses the pooled SD and Hedges' g corrects "
            "it for small samples, with a 95% interval.",
            "- Rates are compared with the pooled two-proportion z-test (two-sided) and a Wald interval of the "
            "difference; distributions with the chi-square test of independence and Cramér's V.",
            f"- No verdict below a minimum sample: {MIN_N_PROPORTION} per group for rates and distributions, "
            f"{MIN_N_MEAN} per group for means and rank tests.",
            "- p < 0.05 counts as significant; significance is not size, so read the effect size too. Percentiles "
            "use linear interpolation.",
        ]
    return "\n".join(lines) + "\n"


# --- report.pdf ---------------------------------------------------------------------------------------------


def report_pdf(report: ServiceQualityReport, lang: str, chart_dir: Path, markdown: str | None = None) -> bytes:
    """The report as a PDF: report.md's text with the PNG charts of `chart_dir` embedded; its footer states the
    report's scope (the service types it was built for are part of `report`)."""
    lang = _lang(lang)
    if markdown is None:
        markdown = report_markdown(report, lang) + topics_markdown(list(report.topics), lang)
    t = TEXT[lang]
    c = report.comparison
    generated = timezone.localtime(report.generated_at, metrics.local_tz()).strftime("%Y-%m-%d %H:%M")
    with translation.override(lang):
        scope = report.scope_words()
    context = {
        "title": t["title"].format(segment=c.label_zh if lang.startswith("zh") else c.label_en),
        "footer": t["pdf_footer"].format(scope=scope, generated=generated),
        "body": markdown_html(markdown),
    }
    return render_pdf("analytics/pdf/report.html", context, lang=lang, base_dir=chart_dir)


def pdf_download(*, priority: int = 1, lang: str = "en", start=None, end=None, service_types=()) -> bytes:
    """The report PDF alone (for the page's download link and the subscriptions), charts drawn in a temp dir."""
    lang = _lang(lang)
    report = build_report(priority=priority, start=start, end=end, service_types=service_types)
    with tempfile.TemporaryDirectory(prefix="service-quality-pdf-") as tmp:
        draw_charts(report, Path(tmp), lang)
        return report_pdf(report, lang, Path(tmp))


# --- the bundle ---------------------------------------------------------------------------------------------


def write_raw_csvs(out: Path, *, priority: int, lang: str, start=None, end=None, service_types=()) -> list[Path]:
    """tickets_raw.csv and complaints_raw.csv of the bundle, streamed from the database."""
    scope = {"priority": priority, "lang": lang, "start": start, "end": end, "service_types": service_types}
    return [
        write_csv(out / "tickets_raw.csv", ticket_raw_rows(**scope)),
        write_csv(out / "complaints_raw.csv", complaint_raw_rows(**scope)),
    ]


# What `write_bundle` reports to its `progress` callback, in order: the bundle page shows these steps.
BUNDLE_STEPS = ("numbers", "tables", "charts", "pdf", "json")


def write_bundle(
    out_dir, *, priority: int = 1, lang: str = "en", start=None, end=None, service_types=(), progress=None
) -> list[Path]:
    """Write the bundle's files (`BUNDLE_FILES`) into `out_dir` (created if missing); returns their paths.

    `progress(step)` is called as each of `BUNDLE_STEPS` begins (the bundle page polls it)."""
    progress = progress or (lambda step: None)
    progress("numbers")
    lang = _lang(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scope = {"priority": priority, "lang": lang, "start": start, "end": end, "service_types": service_types}
    # The raw CSVs and the handler continuity mostly wait on the database (hundreds of thousands of rows at 1M):
    # built in threads of their own, they overlap the numbers, charts and PDF layout of this one (`core.overlap`).
    raw = start_beside(lambda: write_raw_csvs(out, **scope), name="report-bundle-raw-csvs")
    continuity_scope = metrics.Scope(start=start, end=end, service_types=tuple(service_types))
    handlers = start_beside(lambda: handler_continuity(continuity_scope), name="report-bundle-continuity")
    try:
        report = build_report(priority=priority, start=start, end=end, service_types=service_types)
        progress("tables")
        paths = [
            write_csv(out / "tickets_metrics.csv", ticket_metric_rows(report, lang)),
            write_csv(out / "complaints_metrics.csv", complaint_metric_rows(report, lang)),
        ]
        progress("charts")
        charts_paths = draw_charts(report, out, lang)
        continuity = handlers.result()
        markdown = (
            report_markdown(report, lang)
            + topics_markdown(list(report.topics), lang)
            + continuity_markdown(continuity, lang)
        )
        (out / "report.md").write_text(markdown, encoding="utf-8")
        progress("pdf")
        (out / "report.pdf").write_bytes(report_pdf(report, lang, out, markdown))
    finally:
        # Even when this side failed: no thread outlives the bundle.
        handlers.join()
        raw.join()
    paths += [*raw.result(), *charts_paths, write_csv(out / "continuity.csv", continuity_rows(continuity, lang))]
    progress("json")
    with translation.override(lang):
        data = {**report.as_dict(), "continuity": continuity, "lang": lang, "files": list(BUNDLE_FILES)}
    (out / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return [*paths, out / "report.md", out / "report.pdf", out / "report.json"]


# PNG and PDF are compressed already: deflating them again costs time and saves nothing.
STORED_SUFFIXES = (".png", ".pdf")
# The raw CSVs are tens of MB at a million records: level 1 deflates them about 4× faster than the default 6 for
# a zip about 30% larger (11.0 MB instead of 8.5 MB at 1M).
CSV_COMPRESSLEVEL = 1


def zip_bundle(paths: Iterable[Path], target) -> None:
    """Write the bundle's files into one zip at `target` (a path or a binary file), each under its own name."""
    with zipfile.ZipFile(target, "w") as zf:
        for path in paths:
            if path.suffix in STORED_SUFFIXES:
                zf.write(path, arcname=path.name, compress_type=zipfile.ZIP_STORED)
            else:
                zf.write(path, arcname=path.name, compress_type=zipfile.ZIP_DEFLATED, compresslevel=CSV_COMPRESSLEVEL)


def bundle_zip(*, priority: int = 1, lang: str = "en", start=None, end=None, service_types=()) -> bytes:
    """The export bundle as one zip (for a download response)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="service-quality-") as tmp:
        zip_bundle(write_bundle(tmp, priority=priority, lang=lang, start=start, end=end, service_types=service_types),
                   buffer)  # fmt: skip
    return buffer.getvalue()
