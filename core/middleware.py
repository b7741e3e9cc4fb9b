"""Response headers every page and endpoint carries beyond Django's own (Referrer-Policy comes from Django)."""

from __future__ import annotations

from django.conf import settings


class PermissionsPolicyMiddleware:
    """`Permissions-Policy`: the browser features no page of ours uses are switched off for us and any frame."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response
