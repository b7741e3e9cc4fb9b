"""Find English left on a Chinese page: the ASCII words of its visible text that are not codes or names.

A Chinese page may still show Latin letters where they are not language: codes (service-type slugs, external
ids such as FB-101, P1), abbreviations Chinese readers use as they are (KPI, CSV, API, SLA…), statistics symbols
(p, n, d, z, t, U, ρ), units, and the names of people and companies in the data. Everything else is a string that
missed the catalogue or a code shown where its label belongs.
"""

from __future__ import annotations

import re

# Abbreviations and symbols written the same way in Chinese text, with why they stay.
ABBREVIATIONS = frozenset(
    {
        # file formats and interfaces named on buttons and links
        "CSV", "XLSX", "PDF", "JSON", "ZIP", "API", "URL", "HTML", "MD", "PNG", "HTTP", "HTTPS", "OIDC", "SSO",
        "UTC", "ID",
        # domain abbreviations the Chinese UI keeps (KPI 看板, SLA 时限, NPS…)
        "KPI", "SLA", "CX", "NPS", "CSAT",
        # statistics: test names and symbols as they appear in formulas and readings
        "p", "q", "n", "d", "z", "t", "U", "CI", "SD", "Welch", "Cohen", "Mann", "Whitney", "Spearman",
        "Benjamini", "Hochberg", "Wilson", "Holt", "Winters", "ETS",
        # units
        "h", "min", "s", "ms", "px", "KB", "MB",
        # the product's name
        "Satisfaction",
    }
)  # fmt: skip

# Codes: priority and segment codes (P1–P5), external ids (FB-101, T-2024-001), service-type and other slugs
# (legal_consultation, data_analysis), dates/numbers with letters (2026-11, 90th), e-mail addresses and hosts.
CODE = re.compile(
    r"^(?:P\d+|[A-Z]{1,4}-[\w-]+|[a-z]+(?:_[a-z0-9]+)+|\w*\d\w*|[\w.+-]+@[\w.-]+|[\w-]+\.(?:com|org|net|cn|example))$"
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.@+'’-]*[A-Za-z0-9]|[A-Za-z]")


def english_words(text: str, allow=()) -> list[str]:
    """ASCII words of `text` that are neither abbreviations, codes nor in `allow` (names from the data), in order."""
    allowed = ABBREVIATIONS | {word for name in allow for word in WORD.findall(name)}
    found = []
    for word in WORD.findall(text):
        word = word.rstrip(".")
        if word in allowed or CODE.match(word):
            continue
        found.append(word)
    return found
