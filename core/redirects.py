"""Where a form sends the browser afterwards: back to the page it came from, never off the site."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request, fallback: str, *args):
    """Redirect to the POSTed `next` when it is a URL of this site, else to `fallback` (a URL name or path).

    `next` comes from the page, but anyone can post it: `https://evil.example/…` or `//evil.example/…`
    would make the site an open redirect, so only this host (and https when the request was https) passes.
    """
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback, *args)
