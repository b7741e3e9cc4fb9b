"""Find English left on a Chinese page: the Latin words of its visible text that are not codes or names.

A Chinese page may still show Latin letters where they are not language: codes (service-type slugs, external
ids such as FB-101, P1, cron expressions), abbreviations Chinese readers use as they are (KPI, CSV, API, SLA…),
the names of statistical tests and their symbols, units, and the names of people and companies in the data.
Everything else is a string that missed the catalogue, or a code shown where its label belongs.

`visible_text(page)` reads what a reader sees: text inside <code>/<kbd> (literal values) and inside elements
marked translate="no" (the HTML attribute for text that is the same in every language: job names, the header
aliases an import accepts) is left out; option labels of a select are read even while it is closed.
"""

from __future__ import annotations

import re

# Kept small: each entry is a word a Chinese page writes in Latin letters on purpose.
ABBREVIATIONS = frozenset(
    {
        # file formats and interfaces named on buttons and links (also as lower-case extensions)
        "CSV", "XLSX", "PDF", "JSON", "YAML", "ZIP", "API", "URL", "PNG", "SSO", "OIDC", "ID", "UTF-8",
        "csv", "xlsx", "pdf", "json", "zip", "Web", "Cookie",
        # domain abbreviations the Chinese UI keeps: KPI 看板, SLA 时限, survey scales
        "KPI", "SLA", "NPS", "CSAT", "CES",
        # literal values and mapping-file keys the importer accepts, quoted in its help text; encoding names
        "true", "false", "Y", "N", "reject", "skip", "columns", "history", "create", "Shift-JIS", "Latin-1",
        # statistics: tests named after people, and their symbols
        "p", "q", "n", "d", "g", "z", "t", "U", "V", "r", "CI", "Welch", "Cohen's", "Hedges", "Hedges'", "Mann",
        "Whitney", "Spearman", "Benjamini", "Hochberg", "Wilson", "Jeffreys", "Student-t", "Brier", "Cramér's",
        # units
        "h", "min", "s", "px",
        # the product's name, the language switcher, which names English in English by design, and the
        # software an operator configures by name (the jobs page says whether Celery runs the schedule)
        "Satisfaction", "English", "Celery", "Redis",
    }
)  # fmt: skip

# Codes: priority codes (P1–P5), external ids (FB-101, CUST-001), slugs (legal_consultation), anything with a
# digit (2026-11, GB18030, Windows-1252), e-mail addresses, file names and dotted task paths.
CODE = re.compile(
    r"^(?:P\d+|[A-Z]{1,5}-[\w-]+|[a-z]+(?:_[a-z0-9]+)+|.*\d.*|[\w.+-]+@[\w.-]+|[\w./-]+\.(?:csv|xlsx|md|json|ya?ml|zip|pdf|png)"
    r"|[a-z_]+(?:\.[a-z_]+)+)$"
)
LATIN = "A-Za-zÀ-ÖØ-öø-ÿ"  # ASCII and Latin-1 letters (Cramér), not × or ÷
WORD = re.compile(rf"[{LATIN}][\w{LATIN}.@+'’/-]*[\w{LATIN}]|[{LATIN}]")

_VISIBLE_TEXT = """() => {
  const skip = el => el.closest('script, style, template, code, kbd, [translate="no"]');
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || skip(el) || !node.textContent.trim()) continue;
    const option = el.closest('option');
    const shown = option ? option.closest('select').checkVisibility() : el.checkVisibility();
    if (shown) parts.push(node.textContent);
  }
  return parts.join(' ');
}"""


def visible_text(page) -> str:
    """The text a reader of `page` (a Playwright page) sees, codes and translate="no" parts left out."""
    return page.evaluate(_VISIBLE_TEXT)


def english_words(text: str, allow=()) -> list[str]:
    """Latin words of `text` that are neither abbreviations, codes nor words of `allow` (names from the data)."""
    allowed = ABBREVIATIONS | {word for name in allow for word in WORD.findall(name)}
    found = []
    for word in WORD.findall(text):
        for part in _pieces(word):
            if part and part not in allowed and not CODE.match(part):
                found.append(part)
    return found


def _pieces(word: str) -> list[str]:
    """A token as a reader sees it: trailing dots dropped; "a/b" (paths aside) is two words."""
    word = word.rstrip(".")
    if CODE.match(word) or "/" not in word:
        return [word]
    return [p.rstrip(".") for p in word.split("/")]
