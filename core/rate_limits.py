"""Fixed-window request counters in the shared Django cache (Redis when configured), so every web process counts
into the same bucket; in process memory there is one bucket per process."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def key_part(text: str) -> str:
    """A short, cache-safe stand-in for `text` (a token or an address), so keys stay bounded whatever is sent."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key` in its window; True once the window's count exceeds `limit`."""
    cache_key = f"rate:{key}"
    if cache.add(cache_key, 1, window_seconds):
        return limit < 1
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # the window ran out between add and incr: this hit opens the next one
        cache.add(cache_key, 1, window_seconds)
        return limit < 1
