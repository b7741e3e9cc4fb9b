"""Production refuses to start while a demo login has a known password; random ones pass."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from satisfaction.apps import check_known_demo_passwords
from satisfaction.demo import ensure_demo_users
from satisfaction.tests import factories as f
from satisfaction_site.startup import refuse_known_demo_passwords


@pytest.fixture(autouse=True)
def _fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False


@pytest.mark.django_db
def test_random_demo_passwords_pass():
    ensure_demo_users()
    assert check_known_demo_passwords() == []
    refuse_known_demo_passwords()


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "password"), [("manager", "manager"), ("admin", "password"), ("ops", "ops")])
def test_a_known_demo_password_stops_the_start(username, password):
    user = f.UserFactory(username=username, is_superuser=username != "manager")
    user.set_password(password)
    user.save()
    errors = check_known_demo_passwords()
    assert [e.id for e in errors] == ["satisfaction.E001"] and username in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match=f"known demo password for {username}"):
        refuse_known_demo_passwords()


@pytest.mark.django_db
def test_development_mode_does_not_check(settings):
    settings.DEBUG = True
    user = f.UserFactory(username="manager")
    user.set_password("manager")
    user.save()
    assert check_known_demo_passwords() == []
