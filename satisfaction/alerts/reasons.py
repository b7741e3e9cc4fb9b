"""Risk reasons in words: each factor's sentence in English and Chinese, worded when read, from its numbers.

Risk scores and watch-list entries store a factor code and its numbers, not a sentence, so a reader sees the
reason in their own language whichever language the nightly job ran in.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

# factor → (English, Chinese) with placeholders units, low (score threshold), days (lookback), w (window).
REASON_TEXTS = {
    "low_scores": ("{units:g} score(s) below {low} in the last {days} days", "近 {days} 天 {units:g} 次评分低于 {low}"),
    "score_trend": (
        "mean of the last {w} scores {units:.2f} points below the {w} before",
        "最近 {w} 次评分均值比之前 {w} 次低 {units:.2f} 分",
    ),
    "open_complaints": ("{units:g} complaint(s) not resolved", "{units:g} 个投诉尚未解决"),
    "escalations": ("{units:g} escalated complaint(s) in the last {days} days", "近 {days} 天 {units:g} 个投诉升级"),
    "sla_breaches": ("{units:g} complaint SLA breach(es) in the last {days} days", "近 {days} 天 {units:g} 次投诉超时"),
    "unanswered_follow_ups": ("{units:g} ticket(s) awaiting a follow-up", "{units:g} 个工单待二次跟进"),
}


def _zh(lang: str | None) -> bool:
    return (lang or translation.get_language() or "").startswith("zh")


def reason_text(factor: str, params: dict, lang: str | None = None) -> str:
    """One factor's reason in `lang` (default: the active language); an unknown factor shows its code."""
    texts = REASON_TEXTS.get(factor)
    if texts is None:
        return factor
    return texts[1 if _zh(lang) else 0].format(**params)


def risk_summary(details: dict) -> str:
    """A rule's watch-list details in the active language: "Risk score 52 ≥ 50: reason; reason"."""
    zh = _zh(None)
    reasons = ("；" if zh else "; ").join(reason_text(r["factor"], r["params"]) for r in details.get("reasons", []))
    if details.get("score") is None:
        return reasons
    return _("Risk score %(score)s ≥ %(threshold)s: %(reasons)s") % {
        "score": f"{details['score']:g}",
        "threshold": f"{details['threshold']:g}",
        "reasons": reasons,
    }
