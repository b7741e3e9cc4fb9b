"""Sign-in that holds: 10 wrong passwords lock the login page, the admin and the token endpoint, the right password
is then refused until the cool-off or an admin's unlock, and the message says so."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from satisfaction.tests import factories as f

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # dozens of sign-ins per test
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "1000/minute"},
    }


@pytest.fixture
def user(db):
    return f.UserFactory(username="ops", role="manager", is_staff=True, is_superuser=True)


def _page_login(client, url, password):
    return client.post(url, {"username": "ops", "password": password})


def _token(client, password):
    return client.post(TOKEN, {"username": "ops", "password": password}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_ten_wrong_passwords_lock_the_page_and_the_right_one_is_refused(user, url):
    client = Client()
    for _ in range(9):
        assert _page_login(client, url, "wrong").status_code == 200  # the form again, with its error
    locked = _page_login(client, url, "wrong")
    assert locked.status_code == 429
    assert b"locked for 15 minutes" in locked.content and b"administrator can unlock" in locked.content
    refused = _page_login(client, url, f.PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_token_endpoint_locks_too_and_answers_json(user):
    api = APIClient()
    for _ in range(9):
        assert _token(api, "wrong").status_code == 400
    assert _token(api, "wrong").status_code == 429
    refused = _token(api, f.PASSWORD)
    assert refused.status_code == 429
    assert "locked for 15 minutes" in refused.json()["detail"]
    assert int(refused["Retry-After"]) == 15 * 60
    assert "token" not in refused.json()


@pytest.mark.django_db
def test_failures_on_one_surface_lock_the_others(user):
    client = Client()
    for _ in range(10):
        _page_login(client, LOGIN, "wrong")
    assert _token(APIClient(), f.PASSWORD).status_code == 429
    assert _page_login(Client(), ADMIN_LOGIN, f.PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_right_password_works_again_after_the_cool_off(user):
    client = Client()
    for _ in range(10):
        _page_login(client, LOGIN, "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert _page_login(client, LOGIN, f.PASSWORD).status_code == 302
    assert _token(APIClient(), f.PASSWORD).status_code == 200


@pytest.mark.django_db
def test_an_admin_unlocks_from_the_admin(user):
    for _ in range(10):
        _page_login(Client(), LOGIN, "wrong")
    assert _token(APIClient(), f.PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and b"ops" in listing.content
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    answer = admin.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert answer.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _token(APIClient(), f.PASSWORD).status_code == 200


@pytest.mark.django_db
def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_resets_them(user):
    client = Client()
    for _ in range(9):
        _page_login(client, LOGIN, "wrong")
    assert _page_login(client, LOGIN, f.PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        _page_login(client, LOGIN, "wrong")
    assert _page_login(client, LOGIN, f.PASSWORD).status_code == 302
