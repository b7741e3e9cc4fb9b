"""Rate limits of the public survey pages: per link (one link used up blocks no other customer's link, nor its own
unsubscribe page), a looser one per client address, answers per link, all in the shared cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from satisfaction.surveys import services as surveys
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[3]
PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _invitation():
    contact = f.ContactFactory(language="en")
    ticket = f.TicketFactory(contract=f.ContractFactory(customer=contact.customer))
    return f.SurveyInvitationFactory(contact=contact, ticket=ticket, service_type=ticket.contract.service_type)


def _url(invitation, name="survey-form"):
    return reverse(name, kwargs={"token": surveys.invitation_token(invitation)})


def _requests_until_limited(client, url, most=200, **extra) -> int:
    for n in range(1, most + 1):
        if client.get(url, **extra).status_code == 429:
            return n
    raise AssertionError(f"{url} was never limited in {most} requests")


def test_exhausting_one_link_blocks_neither_another_customers_link_nor_its_unsubscribe(client, settings):
    first, second = _invitation(), _invitation()
    limited_at = _requests_until_limited(client, _url(first))
    assert limited_at == settings.SURVEY_RATE_PER_LINK + 1
    assert client.get(_url(first)).status_code == 429
    # Same client address, other links and pages: still served.
    assert client.get(_url(second)).status_code == 200
    assert client.get(_url(first, "survey-unsubscribe")).status_code == 200
    assert client.get(_url(second, "survey-unsubscribe")).status_code == 200
    assert client.post(_url(first, "survey-unsubscribe")).status_code == 200


def test_a_used_up_link_stays_limited_from_every_address(client, settings):
    settings.SURVEY_RATE_PER_LINK = 5
    invitation = _invitation()
    for i in range(5):
        assert client.get(_url(invitation), REMOTE_ADDR=f"198.51.100.{i}").status_code == 200
    assert client.get(_url(invitation), REMOTE_ADDR="198.51.100.99").status_code == 429


def test_the_looser_per_address_limit_bounds_one_address_over_many_links(client, settings):
    settings.SURVEY_RATE_PER_ADDRESS = 4
    links = [_url(_invitation()) for _ in range(5)]
    assert [client.get(url, REMOTE_ADDR="198.51.100.1").status_code for url in links] == [200] * 4 + [429]
    # A made-up token counts against the address too, so guessing links is bounded.
    assert client.get("/s/made-up-token/", REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get(links[-1], REMOTE_ADDR="198.51.100.2").status_code == 200


def test_behind_a_proxy_each_customer_has_their_own_address_allowance(client, settings):
    settings.SURVEY_RATE_PER_ADDRESS, settings.NUM_PROXIES = 3, 1
    links = [_url(_invitation()) for _ in range(4)]
    statuses = [
        client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 203.0.113.7").status_code
        for i, url in enumerate(links)
    ]
    assert statuses == [200, 200, 200, 429]  # rotating the spoofable prefix does not reset the count
    assert client.get(links[-1], REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_answers_per_link_are_limited_whatever_the_address(client, settings):
    url = _url(_invitation())
    limit = settings.SURVEY_RATE_ANSWERS_PER_LINK
    statuses = [client.post(url, {"comment": "x"}, REMOTE_ADDR=f"10.0.1.{i}").status_code for i in range(limit + 1)]
    assert statuses == [422] * limit + [429]
    assert client.post(_url(_invitation()), {"comment": "x"}).status_code == 422  # another link answers on


def _cache_backend(**env) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION'))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "CELERY_BROKER_URL"}}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "satisfaction_site.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip().splitlines()[-1]


def test_the_counters_live_in_redis_when_one_is_configured_and_in_memory_otherwise():
    assert _cache_backend().startswith("django.core.cache.backends.locmem.LocMemCache")
    assert _cache_backend(CELERY_BROKER_URL="redis://127.0.0.1:6379/4") == (
        "core.cache.FailOpenRedisCache redis://127.0.0.1:6379/4"
    )
    assert _cache_backend(CELERY_BROKER_URL="redis://127.0.0.1:6379/4", CACHE_URL="redis://127.0.0.1:6379/5") == (
        "core.cache.FailOpenRedisCache redis://127.0.0.1:6379/5"
    )


@pytest.mark.redis
def test_with_a_redis_cache_two_processes_share_one_count(client, settings):
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    redis_cache = "core.cache.FailOpenRedisCache"
    settings.CACHES = {"default": {"BACKEND": redis_cache, "LOCATION": url, "KEY_PREFIX": "satisfaction"}}
    settings.SURVEY_RATE_PER_LINK = 3
    from django.core.cache import caches

    caches["default"].clear()
    invitation = _invitation()
    for _ in range(2):
        assert client.get(_url(invitation)).status_code == 200
    # Another web process counting one request into the same bucket, through its own connection.
    code = (
        "import django; django.setup(); from core.rate_limits import key_part, over_limit; "
        f"print(over_limit('survey:form:' + key_part({invitation.nonce!r}), limit=3, window_seconds=600))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "satisfaction_site.settings", "CACHE_URL": url}
    subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, check=True, timeout=60, capture_output=True)
    assert client.get(_url(invitation)).status_code == 429
    caches["default"].clear()


def test_with_redis_down_the_pages_still_answer(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    invitation = _invitation()
    assert client.get(_url(invitation)).status_code == 200
    assert client.get(_url(invitation, "survey-unsubscribe")).status_code == 200
    assert "Cache unreachable" in caplog.text
