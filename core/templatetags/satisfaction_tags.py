"""Template helpers shared by the pages."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def localized(obj, field: str) -> str:
    """`obj.field_zh` under Chinese, else `obj.field_en` (see BilingualMixin.localized)."""
    return obj.localized(field)


@register.filter
def pct(value, digits: int = 1):
    """A fraction 0–1 as a percentage string; '—' for None."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"


@register.simple_tag
def colon() -> str:
    """The separator after a label, as the language writes it: ": " in English, the full-width "：" in Chinese."""
    return pgettext("separator after a label", ": ")
