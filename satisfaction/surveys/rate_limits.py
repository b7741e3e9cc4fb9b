"""Rate limits of the public survey pages: per link, so one link used up blocks nobody else, and a looser one per
client address, so guessing tokens from one address is bounded too (many customers may share an address behind a
company proxy, hence looser)."""

from __future__ import annotations

from django.conf import settings

from core.client_address import client_address
from core.rate_limits import key_part, over_limit
from satisfaction.surveys import services as surveys

WINDOW_SECONDS = 600


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def page_limited(request, *, token: str, page: str) -> bool:
    """Count a request to one of a link's public pages ("form" or "unsubscribe", each its own bucket); True when
    the link's or the client address's allowance for the window is used up.

    A link is known by the token id it carries (the same link signed again is the same link); a forged token has no
    link, so only the address allowance bounds guessing."""
    address_over = over_limit(
        f"survey:address:{key_part(client_address(request) or 'unknown')}",
        limit=_limit("SURVEY_RATE_PER_ADDRESS", 600),
        window_seconds=WINDOW_SECONDS,
    )
    nonce = surveys.token_nonce(token)
    link_over = nonce is not None and over_limit(
        f"survey:{page}:{key_part(nonce)}", limit=_limit("SURVEY_RATE_PER_LINK", 30), window_seconds=WINDOW_SECONDS
    )
    return address_over or link_over


def answer_limited(*, nonce: str) -> bool:
    """Count one submitted answer for an invitation; True once its allowance for the window is used up."""
    return over_limit(
        f"survey:answer:{key_part(nonce)}",
        limit=_limit("SURVEY_RATE_ANSWERS_PER_LINK", 10),
        window_seconds=WINDOW_SECONDS,
    )
