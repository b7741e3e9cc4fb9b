"""What customers write about, per topic, over the counted records of a scope (built on `feedback.kpis`).

A topic's records are the counted records whose text mentions it; `avg_score_without` is over the other counted
records of the scope, and the difference is tested with Welch's t from the groups' sums (no row is loaded), with
the Benjamini–Hochberg q-value over every topic of the scope (they are read together).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from analytics.lib import stats
from analytics.lib.metrics import Scope, raw_records
from satisfaction.feedback.kpis import SUM_OUTPUT
from satisfaction.text.models import RecordTopic, TextAnalysis
from satisfaction.text.selectors import analysed_text, topics_in_order


@dataclass(frozen=True)
class TopicRow:
    """One topic over a scope; shares are fractions of the scope's analysed texts (None without any)."""

    code: str
    label_en: str
    label_zh: str
    count: int
    share: float | None
    negative_share: float | None
    avg_score: float | None
    avg_score_without: float | None
    difference: stats.MeanTest
    previous_count: int | None
    previous_share: float | None
    share_change: float | None


def _mean_sd(n: int, total: float, squares: float) -> tuple[float | None, float | None]:
    if n <= 0:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    return mean, math.sqrt(max(squares - total * total / n, 0.0) / (n - 1))


def _sums(scope: Scope) -> tuple[dict, dict[int, dict]]:
    """Totals of the scope (count, score sums, analysed texts) and per-topic sums, in two queries."""
    records = raw_records(scope)
    totals = records.aggregate(
        n=Count("pk"),
        s=Sum("score", output_field=SUM_OUTPUT),
        ss=Sum(F("score") * F("score"), output_field=SUM_OUTPUT),
        texts=Count("pk", filter=analysed_text()),
    )
    per_topic = (
        RecordTopic.objects.filter(record__in=records.values("pk"))
        .values("topic_id")
        .annotate(
            n=Count("record_id"),
            s=Sum("record__score", output_field=SUM_OUTPUT),
            ss=Sum(F("record__score") * F("record__score"), output_field=SUM_OUTPUT),
            neg=Count("record_id", filter=Q(record__text_analysis__sentiment=TextAnalysis.Sentiment.NEGATIVE)),
        )
        .order_by()
    )
    return totals, {row["topic_id"]: row for row in per_topic}


def topic_rows(scope: Scope, *, compare: bool = True) -> list[TopicRow]:
    """Every active topic over `scope`, by volume, with its score impact and the change against the period before."""
    totals, by_topic = _sums(scope)
    previous = _sums(scope.previous()) if compare and scope.days else None
    n_all, s_all, ss_all, texts = totals["n"], totals["s"] or 0.0, totals["ss"] or 0.0, totals["texts"]
    rows = []
    for topic in topics_in_order():
        row = by_topic.get(topic.pk, {"n": 0, "s": 0.0, "ss": 0.0, "neg": 0})
        n, s, ss = row["n"], row["s"] or 0.0, row["ss"] or 0.0
        mean, sd = _mean_sd(n, s, ss)
        mean_wo, sd_wo = _mean_sd(n_all - n, s_all - s, ss_all - ss)
        test = stats.welch_t_from_stats(
            mean1=mean, sd1=sd, n1=n, mean2=mean_wo, sd2=sd_wo, n2=n_all - n,
            labels=(f"mentioning {topic.label_en}", "the rest"), labels_zh=(f"提及{topic.label_zh}", "其余"),
        )  # fmt: skip
        share = n / texts if texts else None
        prev_count = prev_share = change = None
        if previous is not None:
            p_totals, p_topics = previous
            prev_count = p_topics.get(topic.pk, {}).get("n", 0)
            prev_share = prev_count / p_totals["texts"] if p_totals["texts"] else None
            change = share - prev_share if share is not None and prev_share is not None else None
        rows.append(
            TopicRow(
                code=topic.code,
                label_en=topic.label_en,
                label_zh=topic.label_zh,
                count=n,
                share=share,
                negative_share=row["neg"] / n if n else None,
                avg_score=mean,
                avg_score_without=mean_wo,
                difference=test,
                previous_count=prev_count,
                previous_share=prev_share,
                share_change=change,
            )
        )
    # The topics are one family shown together: each difference carries its Benjamini–Hochberg q, and with more
    # than one test its reading and `significant()` go by q.
    tests = stats.with_q_values([r.difference for r in rows])
    rows = [dataclasses.replace(r, difference=t) for r, t in zip(rows, tests, strict=True)]
    rows.sort(key=lambda r: (-r.count, r.code))
    return rows
