"""The client address behind a request (core/client_address.py): a forwarded header is believed only as far as the
configured proxies wrote it, and the token throttle and the sign-in lockout key on that one answer."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.client_address import client_address
from satisfaction.tests import factories as f

TOKEN = "/api/v1/auth/token/"
PROXY = "10.0.0.2"


def _request(remote="198.51.100.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


# --- the address -----------------------------------------------------------------------------------------------


def test_by_default_no_forwarded_header_is_believed(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 0, []
    assert client_address(_request("198.51.100.1", "203.0.113.9")) == "198.51.100.1"


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own prefix is ignored
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the leftmost one there is
        (1, None, PROXY),  # no header: the connection's own address
        (1, "not-an-address", PROXY),  # what our proxy wrote is an address; anything else is not trusted
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "203.0.113.7:5123", "203.0.113.7"),
    ],
)
def test_num_proxies_counts_hops_from_the_right(settings, num_proxies, forwarded, expected):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = num_proxies, []
    assert client_address(_request(PROXY, forwarded)) == expected


def test_trusted_proxies_walk_past_our_proxies_only(settings):
    settings.NUM_PROXIES, settings.TRUSTED_PROXIES = 0, ["10.0.0.0/8"]
    assert client_address(_request(PROXY, "6.6.6.6, 203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    # A connection straight from the internet: its header is the client's invention.
    assert client_address(_request("198.51.100.1", "203.0.113.7")) == "198.51.100.1"
    # A forged proxy address left of a real client stops the walk at the client.
    assert client_address(_request(PROXY, "10.9.9.9, 203.0.113.7")) == "203.0.113.7"


def test_a_bad_trusted_proxies_entry_is_named(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example"]
    with pytest.raises(ImproperlyConfigured, match="proxy.example"):
        client_address(_request(PROXY, "203.0.113.7"))


# --- the token endpoint ----------------------------------------------------------------------------------------


@pytest.fixture
def user(db, settings):
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield f.UserFactory(username="ops", role="manager")
    cache.clear()


def _token_rate(settings, rate):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": rate},
    }


def _token(username, password, remote, forwarded):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )  # fmt: skip


def test_rotating_x_forwarded_for_does_not_escape_the_token_throttle(user, settings):
    settings.NUM_PROXIES, settings.AXES_FAILURE_LIMIT = 0, 1000
    _token_rate(settings, "5/minute")
    statuses = [_token("ops", "wrong", "198.51.100.1", f"203.0.113.{i}").status_code for i in range(5)]
    assert statuses == [400] * 5
    assert _token("ops", f.PASSWORD, "198.51.100.1", "203.0.113.200").status_code == 429


def test_behind_one_proxy_the_spoofed_prefix_does_not_escape_but_another_client_is_not_throttled(user, settings):
    settings.NUM_PROXIES, settings.AXES_FAILURE_LIMIT = 1, 1000
    _token_rate(settings, "5/minute")
    for i in range(5):
        assert _token("ops", "wrong", PROXY, f"6.6.6.{i}, 203.0.113.7").status_code == 400
    assert _token("ops", f.PASSWORD, PROXY, "6.6.6.99, 203.0.113.7").status_code == 429
    answer = _token("ops", f.PASSWORD, PROXY, "203.0.113.8")
    assert answer.status_code == 200 and answer.json()["token"]


def test_the_lockout_by_address_keys_on_the_client_behind_the_proxy(user, settings):
    settings.NUM_PROXIES, settings.AXES_FAILURE_LIMIT = 1, 10
    _token_rate(settings, "1000/minute")
    # Spraying passwords over many usernames, rotating the part of the header the client writes itself.
    for i in range(9):
        assert _token(f"guess{i}", "wrong", PROXY, f"6.6.6.{i}, 203.0.113.7").status_code == 400
    assert _token("guess9", "wrong", PROXY, "6.6.6.9, 203.0.113.7").status_code == 429  # the tenth locks
    locked = _token("ops", f.PASSWORD, PROXY, "6.6.6.77, 203.0.113.7")
    assert locked.status_code == 429 and "locked" in locked.json()["detail"]
    # Another customer's staff behind the same proxy are not locked out by it.
    assert _token("ops", f.PASSWORD, PROXY, "203.0.113.8").status_code == 200


def test_a_request_without_an_address_has_none(settings):
    # What django-axes stores for a sign-in without one (force_login in tests); an address field takes no text.
    settings.NUM_PROXIES = 1
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="")) is None


def test_with_the_cache_down_the_token_endpoint_still_answers(user, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert _token("ops", f.PASSWORD, "198.51.100.1", "").status_code == 200
