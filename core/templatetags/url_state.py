"""The filter form of a list page is the page's state, kept in the address bar (see static/js/url_state.js)."""

from django import template
from django.utils.html import format_html

register = template.Library()

# A search box reloads after a pause in typing; every other field on change.
TRIGGER = "change, input changed delay:300ms from:find input[type=search]"


@register.simple_tag(takes_context=True)
def url_state_form(context, target: str = "") -> str:
    """Attributes for a GET filter form whose full state is the page's URL.

    With `target` ("#id"), each change reloads that region through htmx and pushes the whole form into the address
    bar; a newer change aborts the request still running (hx-sync replace), so the last state always wins. Without a
    target, each change reloads the page with the form's state.
    """
    path = context["request"].path
    if not target:
        return format_html('data-url-state action="{}"', path)
    return format_html(
        'data-url-state action="{}" hx-get="{}" hx-target="{}" hx-push-url="true" hx-sync="{}" hx-trigger="{}"',
        path,
        path,
        target,
        "this:replace",
        TRIGGER,
    )
