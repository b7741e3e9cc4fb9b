"""The FilterSet base every list shares: free-text search over `search_fields`."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.describe import dates_words, one_line


class SearchFilterSet(filters.FilterSet):
    """Adds `q`: a case-insensitive search over `search_fields`."""

    search_fields: tuple[str, ...] = ()
    q = filters.CharFilter(method="filter_search", label=_("Search"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


def filters_in_words(filterset: filters.FilterSet) -> list[tuple[str, str]]:
    """The filters a list applied, as (label, value) rows in the reader's language (for an export's "about")."""
    form = filterset.form
    if not form.is_valid():
        return []
    rows = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        choices = dict(getattr(field, "choices", ()) or ())
        if isinstance(value, bool):
            shown = _("yes") if value else _("no")
        elif value in choices:
            shown = choices[value]
        elif str(value) in {str(k): v for k, v in choices.items()}:
            shown = {str(k): v for k, v in choices.items()}[str(value)]
        else:
            shown = value
        rows.append((str(field.label or name), str(shown)))
    return rows


def filters_about(filterset: filters.FilterSet, *, period: str | None = None) -> list[tuple[str, str]]:
    """A list's period (every date unless given) and applied filters as (label, value) rows, for an export's
    "about"; `filters_line` puts the same words on the page."""
    return [(str(_("Period")), period or dates_words(None, None)), *filters_in_words(filterset)]


def filters_line(filterset: filters.FilterSet, *, period: str | None = None) -> str:
    """A list's scope on one line for the page: its period, then "label: value" per applied filter."""
    period_row, *rows = filters_about(filterset, period=period)
    return one_line([period_row[1], *(f"{label}: {value}" for label, value in rows)])
