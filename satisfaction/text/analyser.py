"""The text analyser: language, sentiment, topics and keywords of one comment (pure Python, no Django, no network).

Chinese is segmented with rjieba (jieba's dictionary, compiled in the wheel) for keywords; sentiment and topic
terms are matched on the text itself, so a comment mixing Chinese and English is read in both.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import rjieba

from satisfaction.text import lexicon

# Bump when the rules change, so `analyse_feedback` knows which stored analyses are stale.
ANALYSER_VERSION = "1"
# Longer texts are read up to this many characters (a customer's comment, not a document).
MAX_CHARS = 20_000
NEUTRAL_BAND = 0.1
KEYWORD_LIMIT = 5

LANG_ZH, LANG_EN, LANG_OTHER = "zh", "en", "other"
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_OTHER_LETTER = re.compile(r"[^\W\d_A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the analyser sees it: a code and its terms in both languages."""

    code: str
    terms_en: tuple[str, ...] = ()
    terms_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """What the analyser found in one text; `topics` maps a topic code to the terms that matched it."""

    language: str
    sentiment: str
    score: float
    topics: dict[str, list[str]] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)


def split_terms(value: str) -> tuple[str, ...]:
    """Terms typed in the admin: one per line or separated by commas (， or ,), blanks dropped."""
    return tuple(t.strip() for t in re.split(r"[\n,，;；]+", value or "") if t.strip())


def version_of(topics: Sequence[TopicSpec]) -> str:
    """The analyser version plus a digest of the topic definitions: editing a topic makes analyses stale."""
    digest = hashlib.sha1(repr(sorted((t.code, t.terms_en, t.terms_zh) for t in topics)).encode()).hexdigest()
    return f"{ANALYSER_VERSION}.{digest[:8]}"


def detect_language(text: str) -> str:
    """zh, en or other, by the script that carries most of the text (a Chinese character ≈ a short word)."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    other = len(_OTHER_LETTER.findall(text))
    if cjk == 0 and latin == 0:
        return LANG_OTHER
    if other > cjk + latin:
        return LANG_OTHER
    return LANG_ZH if cjk * 3 >= latin else LANG_EN


_SPACE = r"[\s-]+"


def _en_pattern(term: str) -> str:
    body = _SPACE.join(re.escape(part) for part in term.lower().rstrip("*").split("-"))
    return rf"\b{body}\w*" if term.endswith("*") else rf"\b{body}\b"


def _alternation(patterns: Iterable[tuple[str, str]]) -> re.Pattern | None:
    """One regex with a named-free alternation, longest literal first; returns None for no terms."""
    items = sorted(set(patterns), key=lambda p: -len(p[0]))
    if not items:
        return None
    return re.compile("|".join(f"(?:{p})" for _, p in items))


def _weights(table: dict[int, str], sign: int) -> dict[str, int]:
    return {term: sign * weight for weight, terms in table.items() for term in terms.split()}


class _Sentiment:
    """Compiled lexicons: one regex per language, a weight per matched term."""

    def __init__(self):
        zh = {**_weights(lexicon.ZH_NEGATIVE, -1), **_weights(lexicon.ZH_POSITIVE, 1)}
        zh.update({t: -w for t, w in _weights(lexicon.ZH_NEGATIVE, 1).items()})  # negative wins a tie
        self.zh = zh
        self.zh_re = _alternation((t, re.escape(t)) for t in zh)
        en = {**_weights(lexicon.EN_POSITIVE, 1), **_weights(lexicon.EN_NEGATIVE, -1)}
        self.en_exact, self.en_prefix = {}, []
        for term, weight in en.items():
            if term.endswith("*"):
                self.en_prefix.append((term.rstrip("*").replace("-", " "), weight))
            else:
                self.en_exact[term.replace("-", " ")] = weight
        self.en_prefix.sort(key=lambda p: -len(p[0]))
        self.en_re = _alternation((t, _en_pattern(t)) for t in en)
        self.zh_negators = lexicon.ZH_NEGATORS
        self.en_negators = set(lexicon.EN_NEGATORS)

    def en_weight(self, matched: str) -> int:
        key = re.sub(r"[\s-]+", " ", matched)
        if key in self.en_exact:
            return self.en_exact[key]
        for prefix, weight in self.en_prefix:
            if key.startswith(prefix):
                return weight
        return 0

    def score(self, text: str, lower: str) -> tuple[float, int]:
        """(score in −1…1, number of sentiment terms found)."""
        total, hits = 0.0, 0
        if self.zh_re is not None and _CJK.search(text):
            last_end = 0
            for m in self.zh_re.finditer(text):
                weight = self.zh[m.group()]
                before = text[max(last_end, m.start() - 3) : m.start()]
                if any(neg in before for neg in self.zh_negators):
                    weight = -weight * 0.8
                total += weight
                hits += 1
                last_end = m.end()
        if self.en_re is not None and _LATIN.search(text):
            for m in self.en_re.finditer(lower):
                weight = self.en_weight(m.group())
                if not weight:
                    continue
                before = _EN_WORD.findall(lower[max(0, m.start() - 30) : m.start()])[-3:]
                if any(w in self.en_negators or w.endswith("n't") for w in before):
                    weight = -weight * 0.8
                total += weight
                hits += 1
        for ch in text:
            if ch in lexicon.EMOJI_POSITIVE:
                total, hits = total + 2, hits + 1
            elif ch in lexicon.EMOJI_NEGATIVE:
                total, hits = total - 2, hits + 1
        if not hits:
            return 0.0, 0
        # A saturating map to −1…1: one clear term gives ±0.55, several agreeing terms approach ±1.
        return math.tanh(total / 3.2), hits


@lru_cache(maxsize=1)
def _sentiment() -> _Sentiment:
    return _Sentiment()


class _TopicMatcher:
    """Compiled topic terms: Chinese as substrings, English as words (with any ending)."""

    def __init__(self, topics: tuple[TopicSpec, ...]):
        self.by_term: dict[str, set[str]] = {}
        zh, en = [], []
        for topic in topics:
            for term in topic.terms_zh:
                self.by_term.setdefault(term, set()).add(topic.code)
                zh.append((term, re.escape(term)))
            for term in topic.terms_en:
                key = term.lower().rstrip("*").replace("-", " ")
                self.by_term.setdefault(key, set()).add(topic.code)
                en.append((key, r"\b" + _SPACE.join(re.escape(p) for p in key.split()) + r"\w*"))
        self.zh_re = _alternation(zh)
        self.en_re = _alternation(en)
        self.en_keys = sorted({k for k, _ in en}, key=len, reverse=True)

    def match(self, text: str, lower: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if self.zh_re is not None and _CJK.search(text):
            for m in self.zh_re.finditer(text):
                for code in self.by_term.get(m.group(), ()):
                    terms = found.setdefault(code, [])
                    if m.group() not in terms:
                        terms.append(m.group())
        if self.en_re is not None and _LATIN.search(text):
            for m in self.en_re.finditer(lower):
                norm = re.sub(r"[\s-]+", " ", m.group())
                key = next((k for k in self.en_keys if norm.startswith(k)), None)
                for code in self.by_term.get(key, ()):
                    terms = found.setdefault(code, [])
                    if m.group() not in terms:
                        terms.append(m.group())
        return found


@lru_cache(maxsize=8)
def _topic_matcher(topics: tuple[TopicSpec, ...]) -> _TopicMatcher:
    return _TopicMatcher(topics)


def keywords(text: str, lower: str, limit: int = KEYWORD_LIMIT) -> list[str]:
    """The most frequent content words (Chinese words of two or more characters, English words of three or more)."""
    counts: Counter[str] = Counter()
    if _CJK.search(text):
        for token in rjieba.cut(text):
            if len(token) >= 2 and _CJK.match(token) and token not in lexicon.ZH_STOP_WORDS:
                counts[token] += 1
    if _LATIN.search(text):
        for token in _EN_WORD.findall(lower):
            if len(token) >= 3 and token not in lexicon.EN_STOP_WORDS:
                counts[token] += 1
    return [term for term, _ in counts.most_common(limit)]


def analyse(text: str | None, topics: Sequence[TopicSpec] = ()) -> Analysis:
    """Language, sentiment (label and score in −1…1), matched topics and keywords of one text; never raises."""
    text = (text or "")[:MAX_CHARS]
    if not text.strip():
        return Analysis(language=LANG_OTHER, sentiment=NEUTRAL, score=0.0)
    lower = text.lower()
    score, _ = _sentiment().score(text, lower)
    label = POSITIVE if score >= NEUTRAL_BAND else NEGATIVE if score <= -NEUTRAL_BAND else NEUTRAL
    found = _topic_matcher(tuple(topics)).match(text, lower) if topics else {}
    return Analysis(
        language=detect_language(text),
        sentiment=label,
        score=round(score, 3),
        topics=found,
        keywords=keywords(text, lower),
    )
