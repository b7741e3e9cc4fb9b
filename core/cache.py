"""The Redis cache backend of the site: while Redis is unreachable it answers like an empty cache instead of
failing the request, so a Redis outage costs the throttles and rate limits their memory, never a page."""

from __future__ import annotations

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _unreachable(operation: str, exc: Exception) -> None:
    logger.warning("Cache unreachable (%s): %s; answering as an empty cache.", operation, exc)


class FailOpenRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache, failing open on Redis errors."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            _unreachable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            _unreachable("get_many", exc)
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            _unreachable("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            _unreachable("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            _unreachable("add", exc)
            return True  # as if the key were new: a counter starts again rather than refusing the request

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            _unreachable("incr", exc)
            return delta

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            _unreachable("delete", exc)
            return False

    def clear(self):
        try:
            return super().clear()
        except RedisError as exc:
            _unreachable("clear", exc)
            return False
