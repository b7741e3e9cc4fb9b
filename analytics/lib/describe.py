"""A metrics scope in words, in the reader's language: "1 Nov – 30 Nov 2026 · Legal consultation · priority 1".

Pages, exports and reports say which records their numbers cover with these, so that two surfaces that measure
different periods or segments say so instead of seeming to contradict each other.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.lib.metrics import NO_SEGMENT, Scope
from core.describe import dates_words, day_words, one_line
from satisfaction.crm.models import ServiceType

# What the dashboard's and digests' numbers count, in the label that sets them apart from the service-quality
# report's ticket and complaint ratings.
RECORDS_DATA = gettext_lazy("satisfaction records, 1–5")
TICKETS_DATA = gettext_lazy("ticket ratings, 1–5")

__all__ = [
    "RECORDS_DATA",
    "day_words",
    "period_words",
    "scope_filters",
    "scope_words",
    "segment_words",
    "service_words",
]


def _zh() -> bool:
    return (translation.get_language() or "").startswith("zh")


def period_words(scope: Scope) -> str:
    """The scope's dates: "1 Nov – 30 Nov 2026", "all time", or an open end."""
    return dates_words(scope.start, scope.end)


def service_words(codes) -> str | None:
    """Service type names in the reader's language ("Legal consultation"), None for every service type."""
    if not codes:
        return None
    name = "name_zh" if _zh() else "name_en"
    names = dict(ServiceType.objects.filter(code__in=codes).values_list("code", name))
    return ", ".join(names.get(code, code) for code in codes)


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
        rows.append((_("Service type"), service_words(scope.service_types)))
    segment = segment_words(scope.segment_priority)
    if segment:
        rows.append((_("Segment"), segment))
    if scope.customer_id is not None:
        rows.append((_("Customer"), str(scope.customer_id)))
    rows.append((_("Self-rated records"), _("included") if scope.include_self_rated else _("left out")))
    return rows


def scope_words(scope: Scope, *, data: str | None = None) -> str:
    """The whole scope on one line: period · service type · segment (· customer), then what was counted when
    `data` names it ("satisfaction records, 1–5")."""
    return one_line([*(value for _label, value in scope_filters(scope)[:-1]), data])
