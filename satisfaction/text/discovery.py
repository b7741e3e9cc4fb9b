"""New themes: what customers write about that no topic covers yet, found by clustering the terms of the
comments that match no topic (TF-IDF and non-negative matrix factorisation, scikit-learn).

Each theme is a handful of terms with weights, the comments mainly about it (each comment goes to its strongest
component), their share of negative sentiment and their mean score. A manager names a theme and keeps it as a
topic (`topic_keep` in services); the analysis then matches it like any defined topic.

Deterministic for the same data (fixed seed, NNDSVDa initialisation), so the page does not reshuffle on reload.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
from django.utils import timezone

from satisfaction.feedback.kpis import counted_records
from satisfaction.text.models import TextAnalysis

WINDOW_DAYS = 180  # comments of the last half year
MAX_COMMENTS = 20_000  # the most recent unmatched comments; enough for themes, bounded in time and memory
MIN_COMMENTS = 15  # a theme needs at least this many comments to be shown
MAX_THEMES = 6
TERMS_SHOWN = 8
EXAMPLES_SHOWN = 3
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclasses.dataclass(frozen=True)
class Theme:
    """One cluster of terms and the comments mainly about it."""

    terms: tuple[str, ...]
    weights: tuple[float, ...]
    comments: int
    negative: int
    score_sum: float
    record_ids: tuple[int, ...]  # the first EXAMPLES_SHOWN, newest first

    @property
    def negative_share(self) -> float:
        return self.negative / self.comments

    @property
    def avg_score(self) -> float:
        return self.score_sum / self.comments

    @property
    def terms_en(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if not CJK.search(t))

    @property
    def terms_zh(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if CJK.search(t))

    def as_dict(self) -> dict:
        return {
            "terms": list(self.terms),
            "weights": [round(w, 4) for w in self.weights],
            "comments": self.comments,
            "negative_share": self.negative_share,
            "avg_score": self.avg_score,
            "example_records": list(self.record_ids),
        }


def unmatched_comments(*, now: dt.datetime | None = None, window_days: int = WINDOW_DAYS, limit: int = MAX_COMMENTS):
    """(record id, keywords, sentiment, score) of recent counted comments with terms and no topic, newest first."""
    now = now or timezone.now()
    records = counted_records().filter(created_at__gte=now - dt.timedelta(days=window_days))
    return list(
        TextAnalysis.objects.filter(record__in=records.values("pk"), record__text_topics__isnull=True)
        .exclude(keywords=[])
        .order_by("-record__created_at", "-record_id")
        .values_list("record_id", "keywords", "sentiment", "record__score")[:limit]
    )


def discover_themes(
    *, now: dt.datetime | None = None, max_themes: int = MAX_THEMES, min_comments: int = MIN_COMMENTS, seed: int = 0
) -> list[Theme]:
    """The themes of the recent unmatched comments, largest first; [] when there are too few comments."""
    rows = unmatched_comments(now=now)
    if len(rows) < min_comments:
        return []
    # scikit-learn is imported here, not at the top: every process (web, worker, import command) loads this
    # module with the admin, and the library costs about 60 MB that only this nightly job needs.
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [list(dict.fromkeys(keywords)) for _pk, keywords, _s, _score in rows]
    # The analyser has tokenised and filtered already (jieba for Chinese): each document is its list of terms.
    vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, min_df=min(3, min_comments), max_df=0.8)
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # no term is frequent enough
        return []
    vocabulary = vectorizer.get_feature_names_out()
    components = max(1, min(max_themes, len(rows) // min_comments, len(vocabulary) - 1))
    model = NMF(n_components=components, init="nndsvda", random_state=seed, max_iter=500)
    with np.errstate(invalid="ignore"):  # NNDSVD's square root of a zero singular pair: a harmless NaN it discards
        weights = model.fit_transform(matrix)
    strongest = weights.argmax(axis=1)
    has_theme = weights.max(axis=1) > 0
    themes = []
    for k, component in enumerate(model.components_):
        members = np.flatnonzero((strongest == k) & has_theme)
        if len(members) < min_comments:
            continue
        order = component.argsort()[::-1]
        top = [i for i in order[:TERMS_SHOWN] if component[i] >= 0.1 * component[order[0]]]
        themes.append(
            Theme(
                terms=tuple(str(vocabulary[i]) for i in top),
                weights=tuple(float(component[i]) for i in top),
                comments=len(members),
                negative=sum(rows[i][2] == TextAnalysis.Sentiment.NEGATIVE for i in members),
                score_sum=float(sum(rows[i][3] for i in members)),
                record_ids=tuple(rows[i][0] for i in members[:EXAMPLES_SHOWN]),
            )
        )
    return sorted(themes, key=lambda t: (-t.comments, t.terms))
