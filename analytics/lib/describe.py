"""A scope in words, in the reader's language: "1 Nov 2026 – 30 Nov 2026 · Legal consultation · priority 1".

Pages, exports and reports say which records their numbers cover with these, so that two surfaces that measure
different periods or segments say so instead of seeming to contradict each other.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _

from analytics.lib.metrics import NO_SEGMENT, Scope
from satisfaction.crm.models import ServiceType


def _zh() -> bool:
    return (translation.get_language() or "").startswith("zh")


def day_words(day: dt.date) -> str:
    """A date as a reader writes it: "1 Nov 2026" / "2026年11月1日"."""
    if _zh():
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day.strftime('%b')} {day.year}"


def period_words(scope: Scope) -> str:
    """The scope's dates: "1 Nov 2026 – 30 Nov 2026", "all time", or an open end."""
    if scope.start is None and scope.end is None:
        return _("all time")
    if scope.start is None:
        return _("until %(day)s") % {"day": day_words(scope.end)}
    if scope.end is None:
        return _("since %(day)s") % {"day": day_words(scope.start)}
    return f"{day_words(scope.start)} – {day_words(scope.end)}"


def segment_words(priority: int | None) -> str | None:
    if priority is None:
        return None
    if priority == NO_SEGMENT:
        return _("customers without contacts")
    return _("priority %(p)s") % {"p": priority}


def scope_filters(scope: Scope) -> list[tuple[str, str]]:
    """(label, value) rows for an export's "about": period, service type, segment, self-rated records."""
    rows = [(_("Period"), period_words(scope))]
    if scope.service_types:
        name = "name_zh" if _zh() else "name_en"
        names = dict(ServiceType.objects.filter(code__in=scope.service_types).values_list("code", name))
        rows.append((_("Service type"), ", ".join(names.get(code, code) for code in scope.service_types)))
    segment = segment_words(scope.segment_priority)
    if segment:
        rows.append((_("Segment"), segment))
    if scope.customer_id is not None:
        rows.append((_("Customer"), str(scope.customer_id)))
    rows.append((_("Self-rated records"), _("included") if scope.include_self_rated else _("left out")))
    return rows


def scope_words(scope: Scope) -> str:
    """The whole scope on one line: period · service type · segment."""
    return " · ".join(value for label, value in scope_filters(scope)[:-1] if value)
