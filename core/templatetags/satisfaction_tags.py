"""Template helpers shared by the pages."""

from django import template

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
