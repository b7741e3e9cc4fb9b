"""What customers write about, per topic, over the counted records of a scope (built on `feedback.kpis`).

A topic's records are the counted records whose text mentions it; `avg_score_without` is over the other counted
records of the scope, and the difference is tested with Welch's t from the groups' sums (no row is loaded), with
the Benjamini–Hochberg q-value over every topic of the scope (they are read together).

The sums come from the text pre-aggregates (`DailyTopicStat`, `DailyTextStat`, beside `DailySatisfactionStat`)
whenever the scope allows it, and from the records otherwise; both carry the sums as exact decimals, so the two
give the same numbers (`source="raw"` or `"snapshots"` forces one path, as in `metrics`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When

from analytics.lib import stats
from analytics.lib.metrics import Scope, _use_snapshots, raw_records, snapshot_rows
from analytics.models import DailySatisfactionStat, DailyTextStat, DailyTopicStat
from satisfaction.feedback.kpis import HUNDREDTH, SUM_OUTPUT, TENTH, exact_decimal
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


def _mean_sd(n: int, total: Decimal, squares: Decimal) -> tuple[float | None, float | None]:
    # Exact decimal arithmetic as in `Kpis.from_sums`: no cancellation, and both sources give the same floats.
    if n <= 0:
        return None, None
    mean = float(total / n)
    if n < 2:
        return mean, None
    return mean, math.sqrt(max(float((squares - total * total / n) / (n - 1)), 0.0))


def _exact(row: dict) -> dict:
    """A row of sums with exact decimal score sums (the database returns floats on every backend)."""
    return {
        **row,
        "n": int(row["n"] or 0),
        **({"neg": int(row["neg"] or 0)} if "neg" in row else {}),
        "s": exact_decimal(row["s"], TENTH),
        "ss": exact_decimal(row["ss"], HUNDREDTH),
    }


def _raw_sums(scope: Scope) -> tuple[dict, dict[int, dict]]:
    """Totals of the scope (count, score sums, analysed texts) and per-topic sums from the records, in two queries."""
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
    return _exact(totals), {row["topic_id"]: _exact(row) for row in per_topic}


def _snapshot_sums(scopes: list[Scope]) -> list[tuple[dict, dict[int, dict]]]:
    """The same sums from the pre-aggregates for a scope and, optionally, the period right before it.

    The two periods are told apart by a period number the rows are grouped by, so they cost no more queries than
    one; grouping reads each row once, where a conditional sum per period would add every row to each. The
    period before ends the day before the scope starts, so one comparison tells them apart (three times faster
    on SQLite at a million records than a range test per period)."""
    if len(scopes) > 1:
        previous, scope = scopes[1], scopes[0]
        if previous.end != scope.start - dt.timedelta(days=1):
            raise ValueError("the second period must end the day before the first starts")
        span = scope.with_dates(previous.start, scope.end)
        period = Case(When(date__gte=scope.start, then=Value(0)), default=Value(1), output_field=IntegerField())
    else:
        span, period = scopes[0], Value(0, output_field=IntegerField())

    def grouped(model, *keys: str, **sums) -> dict[tuple, dict]:
        rows = snapshot_rows(span, model).annotate(period=period).values("period", *keys).annotate(**sums)
        return {(row["period"], *(row[k] for k in keys)): row for row in rows}

    totals = grouped(
        DailySatisfactionStat,
        n=Sum("count"),
        s=Sum("score_sum", output_field=SUM_OUTPUT),
        ss=Sum("score_sq_sum", output_field=SUM_OUTPUT),
    )
    texts = grouped(DailyTextStat, texts=Sum("texts"))
    per_topic = grouped(
        DailyTopicStat,
        "topic_id",
        n=Sum("count"),
        s=Sum("score_sum", output_field=SUM_OUTPUT),
        ss=Sum("score_sq_sum", output_field=SUM_OUTPUT),
        neg=Sum("negative"),
    )
    empty = {"n": 0, "s": 0, "ss": 0}
    return [
        (
            {**_exact(totals.get((i,), empty)), "texts": int(texts.get((i,), {}).get("texts") or 0)},
            {key[1]: _exact(row) for key, row in per_topic.items() if key[0] == i and row["n"]},
        )
        for i in range(len(scopes))
    ]


NONE = {"n": 0, "s": Decimal(0), "ss": Decimal(0), "neg": 0}


def topic_rows(scope: Scope, *, compare: bool = True, source: str = "auto") -> list[TopicRow]:
    """Every active topic over `scope`, by volume, with its score impact and the change against the period before."""
    scopes = [scope, scope.previous()] if compare and scope.days else [scope]
    # The pre-aggregates have no customer dimension: a customer's topics are read from its records.
    sums = _snapshot_sums(scopes) if _use_snapshots(scope, source) else [_raw_sums(s) for s in scopes]
    (totals, by_topic), previous = sums[0], (sums[1] if len(sums) > 1 else None)
    n_all, s_all, ss_all, texts = totals["n"], totals["s"], totals["ss"], totals["texts"]
    rows = []
    for topic in topics_in_order():
        row = by_topic.get(topic.pk, NONE)
        n, s, ss = row["n"], row["s"], row["ss"]
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
