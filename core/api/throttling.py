"""Throttles: writes per user, token requests per client address. Rates live in REST_FRAMEWORK settings."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.client_address import client_address


class _SettingsRateMixin:
    def get_rate(self):
        # Read the rate on every request (not once at import) so settings overrides take effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        # DRF's own reading trusts a client-written X-Forwarded-For unless NUM_PROXIES is set; ours is the one
        # answer the lockout and the survey limits use too.
        return client_address(request) or "unknown"


class WriteRateThrottle(_SettingsRateMixin, UserRateThrottle):
    """Limits POST/PUT/PATCH/DELETE per user; reads are not throttled."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class TokenRateThrottle(_SettingsRateMixin, AnonRateThrottle):
    """Limits password-for-token exchanges per client address, against password guessing."""

    scope = "token"
