"""The answer to a sign-in refused by the lockout (django-axes): a page for people, JSON for API clients."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def cooloff_minutes() -> int:
    """Minutes a locked username or address waits before it may try again."""
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    """429 with a message saying why, for how long, and who can lift it (axes calls this on every lockout)."""
    minutes = cooloff_minutes()
    message = _(
        "Too many failed sign-ins: this account or address is locked for %(minutes)d minutes. "
        "An administrator can unlock it earlier (Admin → Axes → Access attempts)."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
        response["Retry-After"] = str(minutes * 60)
        return response
    context = {"message": message, "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
