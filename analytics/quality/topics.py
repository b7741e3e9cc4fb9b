"""The report's topic comparison: how often the segment's comments mention each topic against the rest's.

One chi-square test of independence per topic (segment / rest × mentions / does not), with the Benjamini–Hochberg
correction across topics, and a few of the segment's most negative comments on each topic that differs.

The counts come from the text pre-aggregates (`DailyTextStat`, `DailyTopicStat`: their bucket key carries the
segment) — at a million records the join of every mention to its record took seconds, the pre-aggregates a few
milliseconds — and from the records when asked (`source="raw"`); both count the same texts (`analysed_text`).
Only the quotes read the records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Count, Q, Sum

from analytics.lib import stats
from analytics.lib.metrics import Scope, _use_snapshots, raw_records, snapshot_rows
from analytics.models import DailyTextStat, DailyTopicStat
from satisfaction.crm.models import segment_customer_ids
from satisfaction.text.models import RecordTopic
from satisfaction.text.selectors import analysed_text, topics_in_order

QUOTES_PER_TOPIC = 2
FDR = 0.05


@dataclass(frozen=True)
class TopicComparisonRow:
    """One topic: mentions and analysed texts per group, the test, its FDR-adjusted p and quotes."""

    code: str
    label_en: str
    label_zh: str
    segment_mentions: int
    segment_texts: int
    rest_mentions: int
    rest_texts: int
    segment_share: float | None
    rest_share: float | None
    test: stats.ChiSquareTest
    p_adjusted: float | None
    significant: bool
    quotes: tuple[str, ...]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["test"] = {k: data["test"][k] for k in ("chi2", "dof", "p_value", "cramers_v", "enough_data",
                                                     "reading_en", "reading_zh")}  # fmt: skip
        return data


def _raw_counts(scope: Scope, priority: int) -> tuple[dict, dict[int, dict]]:
    """Analysed texts (all, in the segment) and per-topic mentions (all, in the segment), from the records."""
    texts = raw_records(scope).filter(analysed_text())
    totals = texts.aggregate(
        n=Count("pk"), segment=Count("pk", filter=Q(customer_id__in=segment_customer_ids(priority)))
    )
    seg_mention = Q(record__customer_id__in=segment_customer_ids(priority))
    per_topic = (
        RecordTopic.objects.filter(record__in=texts.values("pk"))
        .values("topic_id")
        .annotate(n=Count("record_id"), segment=Count("record_id", filter=seg_mention))
        .order_by()
    )
    return totals, {row["topic_id"]: row for row in per_topic}


def _snapshot_counts(scope: Scope, priority: int) -> tuple[dict, dict[int, dict]]:
    """The same counts from the text pre-aggregates, whose buckets carry the customer's segment."""
    in_segment = Q(segment_priority=priority)
    totals = snapshot_rows(scope, DailyTextStat).aggregate(n=Sum("texts"), segment=Sum("texts", filter=in_segment))
    per_topic = (
        snapshot_rows(scope, DailyTopicStat)
        .values("topic_id")
        .annotate(n=Sum("count"), segment=Sum("count", filter=in_segment))
    )
    return {k: v or 0 for k, v in totals.items()}, {row["topic_id"]: {k: row[k] or 0 for k in ("n", "segment")}
                                                    for row in per_topic}  # fmt: skip


def topic_comparison(
    *,
    priority: int = 1,
    start: dt.date | None = None,
    end: dt.date | None = None,
    service_types=(),
    source: str = "auto",
) -> list[TopicComparisonRow]:
    """Every active topic compared between segment `priority` and the rest over the analysed texts in scope.

    `source`: "auto" (the pre-aggregates), "snapshots" or "raw" (the records), as in `metrics`."""
    scope = Scope(start=start, end=end, service_types=tuple(service_types))
    counts = _snapshot_counts if _use_snapshots(scope, source) else _raw_counts
    totals, mentions = counts(scope, priority)
    seg_texts, rest_texts = totals["segment"], totals["n"] - totals["segment"]
    texts = raw_records(scope).filter(analysed_text())
    in_segment = Q(customer_id__in=segment_customer_ids(priority))
    topics = list(topics_in_order())
    tests = []
    for topic in topics:
        row = mentions.get(topic.pk, {"n": 0, "segment": 0})
        seg, rest = row["segment"], row["n"] - row["segment"]
        tests.append(
            (topic, seg, rest, stats.chi_square(
                [[seg, seg_texts - seg], [rest, rest_texts - rest]],
                ("this segment", "other customers"), ("mentions", "does not"),
                what=f"mentions of {topic.label_en}", what_zh=f"提及{topic.label_zh}的比例",
                row_labels_zh=("本细分", "其他客户"),
            ))
        )  # fmt: skip
    adjusted = stats.bh_q_values([t.p_value if t.enough_data else None for *_, t in tests])
    rows = []
    for (topic, seg, rest, test), p_adj in zip(tests, adjusted, strict=True):
        significant = p_adj is not None and p_adj < FDR
        quotes = ()
        if significant:
            quotes = tuple(
                texts.filter(in_segment, text_topics__topic=topic)
                .exclude(feedback="")  # an erased text still counts, but has no words to quote
                .order_by("text_analysis__sentiment_score", "-created_at")
                .values_list("feedback", flat=True)[:QUOTES_PER_TOPIC]
            )
        rows.append(
            TopicComparisonRow(
                code=topic.code, label_en=topic.label_en, label_zh=topic.label_zh,
                segment_mentions=seg, segment_texts=seg_texts, rest_mentions=rest, rest_texts=rest_texts,
                segment_share=seg / seg_texts if seg_texts else None,
                rest_share=rest / rest_texts if rest_texts else None,
                test=test, p_adjusted=p_adj, significant=significant, quotes=quotes,
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (not r.significant, r.p_adjusted if r.p_adjusted is not None else 2.0, r.code))
    return rows


def topics_markdown(rows: list[TopicComparisonRow], lang: str = "en") -> str:
    """The report.md section of the topic comparison."""
    zh = lang.startswith("zh")
    lines = ["", "## 客户反馈主题：本细分与其他客户" if zh else "## What customers write: this segment vs the rest", ""]
    if not rows or all(not r.test.enough_data for r in rows):
        lines.append("数据不足：已分析的反馈文本太少。" if zh else "Not enough data: too few analysed comments.")
        return "\n".join(lines) + "\n"
    lines += [
        "| 主题 | 本细分 | 其他 | 卡方 p | BH 校正 p | 显著 |" if zh else
        "| topic | this segment | others | chi-square p | BH-adjusted p | significant |",
        "| --- | --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for r in rows:
        seg = f"{r.segment_mentions}/{r.segment_texts}"
        rest = f"{r.rest_mentions}/{r.rest_texts}"
        p = stats.format_p(r.test.p_value) if r.test.enough_data else ("数据不足" if zh else "not enough data")
        p_adj = stats.format_p(r.p_adjusted) if r.p_adjusted is not None else "—"
        yes = ("是" if zh else "yes") if r.significant else ("否" if zh else "no")
        lines.append(f"| {r.label_zh if zh else r.label_en} | {seg} | {rest} | {p} | {p_adj} | {yes} |")
    quoted = [r for r in rows if r.quotes]
    if quoted:
        lines += ["", "代表性反馈：" if zh else "Representative comments:"]
        for r in quoted:
            for q in r.quotes:
                lines.append(f"- {r.label_zh if zh else r.label_en}: “{q[:300]}”")
    lines += ["", "p 值经 Benjamini–Hochberg 校正（错误发现率 5%）。" if zh else
              "p-values corrected with Benjamini–Hochberg across topics (false-discovery rate 5%)."]  # fmt: skip
    return "\n".join(lines) + "\n"
