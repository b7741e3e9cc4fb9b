"""The address of the client behind a request: the one answer every throttle, lockout and rate limit keys on.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as our own proxies wrote
it. Each proxy appends the address it received the connection from, so the chain read right to left is
REMOTE_ADDR (the last proxy), then the header's last entry (what that proxy saw), and so on; everything left of
what our outermost proxy wrote is the client's own invention.

- Neither `NUM_PROXIES` nor `TRUSTED_PROXIES` set (the default): no forwarded header is trusted, REMOTE_ADDR is
  the client.
- `NUM_PROXIES = n`: exactly n proxies of ours stand in front; the client is the n-th address from the right of
  the chain (the header's entries, then REMOTE_ADDR).
- `TRUSTED_PROXIES = [addresses or networks]`: walk the chain from the right past our proxies; the first address
  that is not one of them is the client. A request whose REMOTE_ADDR is not one of them came from outside the
  proxies, so its header is ignored. With both set, at most `NUM_PROXIES` hops are walked.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _address(text: str) -> str | None:
    """The normalised address in `text` (an IPv4 or IPv6 address, a port or IPv6 brackets allowed), or None."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.5:443
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network.") from exc
    return tuple(networks)


def _trusted(address: str, networks: tuple) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == network.version and ip in network for network in networks)


def client_address(request) -> str | None:
    """The client's IP address as far as our configured proxies vouch for it (see the module docstring); None
    when the request carries no address (a test client's sign-in, a management command)."""
    meta = getattr(request, "META", None) or {}
    remote = _address(meta.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    num_proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not num_proxies and not trusted:
        return remote
    forwarded = [entry for entry in (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if entry.strip()]
    chain = [*forwarded, remote]  # left: the client's claim; right: what reached us
    if trusted:
        hops = num_proxies or len(chain)
        position, walked = len(chain) - 1, 0
        while position > 0 and walked < hops:
            current = _address(chain[position])
            if current is None or not _trusted(current, trusted):
                break
            position -= 1
            walked += 1
        if position == len(chain) - 1:  # the connection did not come from one of our proxies
            return remote
    else:
        position = max(0, len(chain) - 1 - num_proxies)
    # An entry our proxy wrote is an address; anything else means the chain is not what we were told it is.
    return _address(chain[position]) or remote
