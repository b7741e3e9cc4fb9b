"""Where the identity provider's endpoints are: given one by one in the settings, or read from its discovery document.

The document is fetched when a sign-in needs it, never at start-up and never for a password sign-in, so a provider
that is down cannot stop the site from starting or the local accounts from signing in. It is kept for an hour.
"""

from __future__ import annotations

import logging
import threading
import time

import requests
from django.conf import settings

log = logging.getLogger(__name__)

# Our setting → the key of the discovery document (OpenID Connect Discovery 1.0, §3).
ENDPOINT_KEYS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
CACHE_SECONDS = 3600

_cache: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or lacks what a sign-in needs."""


def endpoint(name: str) -> str:
    """The URL for setting `name` (one of ENDPOINT_KEYS): the explicit setting if given, else discovery's."""
    explicit = getattr(settings, name, "")
    if explicit:
        return explicit
    document = discovery_document()
    value = document.get(ENDPOINT_KEYS[name])
    if not value:
        raise ProviderUnavailable(f"the discovery document has no {ENDPOINT_KEYS[name]}")
    return value


def issuer() -> str:
    """The issuer every ID token must name: the configured one, else the discovery document's, else '' (unchecked)."""
    if settings.OIDC_OP_ISSUER:
        return settings.OIDC_OP_ISSUER
    if settings.OIDC_OP_DISCOVERY_URL:
        return discovery_document().get("issuer", "").rstrip("/")
    return ""


def discovery_document() -> dict:
    """The provider's discovery document, fetched at most once an hour."""
    url = settings.OIDC_OP_DISCOVERY_URL
    if not url:
        raise ProviderUnavailable("no OIDC_OP_DISCOVERY_URL or OIDC_OP_ISSUER is configured")
    now = time.monotonic()
    with _lock:
        cached = _cache.get(url)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OIDC discovery at %s failed: %s", url, exc)
        raise ProviderUnavailable(str(exc)) from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable("the discovery document is not a JSON object")
    # Discovery §4.3: the issuer in the document must be the one it was fetched for.
    expected = settings.OIDC_OP_ISSUER
    if expected and document.get("issuer", "").rstrip("/") != expected:
        raise ProviderUnavailable(f"the discovery document names issuer {document.get('issuer')!r}, not {expected!r}")
    with _lock:
        _cache[url] = (now, document)
    return document


def forget() -> None:
    """Drop the cached documents (after a configuration change, and between tests)."""
    with _lock:
        _cache.clear()
