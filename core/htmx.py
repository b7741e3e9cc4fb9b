"""The one place that decides whether a request gets a full page or just a partial (for htmx swaps)."""

from django.shortcuts import render


def is_partial(request) -> bool:
    """True for htmx requests that are not history restores or full-page boosts."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request and not htmx.boosted)


def render_page_or_partial(request, page: str, partial: str, context: dict, **kwargs):
    return render(request, partial if is_partial(request) else page, context, **kwargs)
