"""Periods and filters in words, in the reader's language: "1 Nov – 30 Nov 2026 · Legal consultation · priority 1".

The one wording every surface uses (pages, exports, reports, e-mails), so that two surfaces that cover different
periods or records say so in the same words. `analytics.lib.describe` builds a metrics scope's line from these;
lists describe their FilterSet with `core.filtersets.filters_in_words`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _

SEPARATOR = " · "


def _zh() -> bool:
    return (translation.get_language() or "").startswith("zh")


def day_words(day: dt.date, *, year: bool = True) -> str:
    """A date as a reader writes it: "1 Nov 2026" / "2026年11月1日" (without the year: "1 Nov" / "11月1日")."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if _zh():
        return f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"
    return f"{day.day} {day.strftime('%b')} {day.year}" if year else f"{day.day} {day.strftime('%b')}"


def dates_words(start: dt.date | None, end: dt.date | None) -> str:
    """A period: "1 Nov – 30 Nov 2026" (the year once when both ends share it), "since …", "until …", "all time"."""
    if start is None and end is None:
        return _("all time")
    if start is None:
        return _("until %(day)s") % {"day": day_words(end)}
    if end is None:
        return _("since %(day)s") % {"day": day_words(start)}
    if start == end:
        return day_words(start)
    if start.year == end.year:
        if _zh():
            return f"{day_words(start)} – {day_words(end, year=False)}"
        return f"{day_words(start, year=False)} – {day_words(end)}"
    return f"{day_words(start)} – {day_words(end)}"


def one_line(parts: Iterable[str | None]) -> str:
    """Parts of a scope on one line, empty parts left out: "1 Nov – 30 Nov 2026 · Legal consultation"."""
    return SEPARATOR.join(str(p) for p in parts if p)
