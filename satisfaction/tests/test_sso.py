"""Single sign-on, without a browser: the backend's checks, the role mapping, the lockout and the failure messages.

The provider's two HTTP answers (token, user-info) are replaced by signed tokens made here; everything else — the
start and callback views, the session's state/nonce/PKCE, the signature, issuer and audience checks, the accounts
and their groups, django-axes — runs as in production. tests/browser/test_sso_flow.py runs a real provider.
"""

import datetime as dt
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from axes.models import AccessAttempt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from core.roles import MANAGER, STAFF
from core.sso import discovery
from core.sso.backend import SsoBackend
from core.sso.claims import claim_values, roles_from_claims, username_for
from satisfaction.tests import factories as f

ISSUER = "https://id.example.com"
CLIENT_ID = "satisfaction"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
)
LENA = {"sub": "u-1001", "email": "lena@example.com", "given_name": "Lena", "family_name": "Zhou", "groups": ["leads"]}


@pytest.fixture
def sso(settings):
    cache.clear()
    discovery.forget()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SSO_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_OP_DISCOVERY_URL = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/jwks"
    settings.OIDC_RP_IDP_SIGN_KEY = PUBLIC_PEM
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    settings.OIDC_ROLES_CLAIM = "groups"
    settings.OIDC_ROLE_MAP = {"leads": MANAGER, "agents": STAFF}
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "core.sso.backend.SsoBackend"]
    yield settings
    discovery.forget()


def _id_token(session_nonce, claims, override):
    now = dt.datetime.now(dt.UTC)
    body = {"iss": ISSUER, "aud": CLIENT_ID, "sub": claims["sub"], "nonce": session_nonce, "iat": now}
    body |= {"exp": now + dt.timedelta(minutes=5), **override}
    return jwt.encode(body, KEY, algorithm="RS256")


def _sign_in(client, monkeypatch, claims, next_url="", userinfo=None, **token_override):
    """Start, let the 'provider' answer with `claims`, come back to the callback; the callback's response."""
    start = client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    location = urlparse(start["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/authorize"
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert params["client_id"] == CLIENT_ID and params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://testserver/accounts/sso/callback/"
    sent = {}

    def get_token(backend, payload):
        sent.update(payload)
        return {"id_token": _id_token(params["nonce"], claims, token_override), "access_token": "at"}

    monkeypatch.setattr(SsoBackend, "get_token", get_token)
    monkeypatch.setattr(SsoBackend, "get_userinfo", lambda backend, *args: userinfo or claims)
    response = client.get("/accounts/sso/callback/", {"code": "the-code", "state": params["state"]})
    if sent:
        assert sent["code"] == "the-code" and len(sent["code_verifier"]) >= 43  # PKCE verifier went to the token call
    return response


def _messages(client):
    page = client.get("/accounts/login/")
    return " ".join(str(m) for m in page.context["messages"]) if page.context else ""


def _roles(user):
    return set(user.groups.values_list("name", flat=True))


# --- claims -----------------------------------------------------------------------------------------------------


def test_claim_values_read_lists_strings_and_dotted_paths():
    assert claim_values({"groups": ["a", "b", 3]}, "groups") == ["a", "b", "3"]
    assert claim_values({"roles": "a, b c"}, "roles") == ["a", "b", "c"]
    assert claim_values({"realm_access": {"roles": ["lead"]}}, "realm_access.roles") == ["lead"]
    assert claim_values({"groups": {"nested": 1}}, "groups") == []
    assert claim_values({}, "groups") == [] and claim_values({"realm_access": "x"}, "realm_access.roles") == []


def test_roles_come_only_from_mapped_values():
    mapping = {"leads": MANAGER, "agents": STAFF}
    assert roles_from_claims({"groups": ["leads", "agents", "x"]}, claim="groups", role_map=mapping) == {MANAGER, STAFF}
    assert roles_from_claims({"groups": ["manager", "x"]}, claim="groups", role_map=mapping) == set()
    assert roles_from_claims({"roles": ["leads"]}, claim="groups", role_map=mapping) == set()


def test_usernames_come_from_the_subject_and_stay_valid():
    assert username_for("u-1001") == "sso-u-1001"
    odd = username_for("auth0|5f7c")
    assert odd.startswith("sso-") and "|" not in odd and odd == username_for("auth0|5f7c")
    assert len(username_for("x" * 255)) <= 150


# --- the flow ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_configuration_there_is_no_button_and_no_sso_urls(settings):
    settings.SSO_ENABLED = False
    page = Client().get("/accounts/login/")
    assert page.status_code == 200 and b"sso-sign-in" not in page.content
    assert Client().get("/accounts/sso/start/").status_code == 404
    assert Client().get("/accounts/sso/callback/", {"code": "c", "state": "s"}).status_code == 404


@pytest.mark.django_db
def test_login_page_offers_the_provider_and_keeps_next(sso):
    page = Client().get("/accounts/login/?next=/analytics/")
    assert b"Sign in with Acme ID" in page.content
    assert b'href="/accounts/sso/start/?next=%2Fanalytics%2F"' in page.content
    assert b'name="password"' in page.content


@pytest.mark.django_db
def test_first_sign_in_creates_the_user_with_the_mapped_role_and_goes_to_next(sso, monkeypatch):
    client = Client()
    response = _sign_in(client, monkeypatch, LENA, next_url="/analytics/")
    assert response.status_code == 302 and response["Location"] == "/analytics/"
    user = get_user_model().objects.get(username="sso-u-1001")
    assert (user.email, user.first_name, user.last_name) == ("lena@example.com", "Lena", "Zhou")
    assert _roles(user) == {MANAGER} and not user.has_usable_password()
    assert not (user.is_staff or user.is_superuser)
    assert client.get("/analytics/").status_code == 200


@pytest.mark.django_db
def test_roles_and_profile_follow_the_claim_at_each_sign_in(sso, monkeypatch):
    _sign_in(Client(), monkeypatch, LENA)
    user = get_user_model().objects.get(username="sso-u-1001")
    other = Group.objects.create(name="newsletter")
    user.groups.add(other)  # a group an administrator gave: not the provider's to take away
    _sign_in(Client(), monkeypatch, {**LENA, "groups": "agents", "family_name": "Zhou-Li"})
    user.refresh_from_db()
    assert _roles(user) == {STAFF, "newsletter"} and user.last_name == "Zhou-Li"
    assert get_user_model().objects.filter(email="lena@example.com").count() == 1


@pytest.mark.django_db
def test_a_subject_with_no_role_is_refused_and_loses_the_roles_it_had(sso, monkeypatch):
    client = Client()
    response = _sign_in(client, monkeypatch, {**LENA, "groups": ["everyone"]})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not get_user_model().objects.filter(username="sso-u-1001").exists()
    assert "Your Acme ID account has no role in Satisfaction" in _messages(client)

    _sign_in(Client(), monkeypatch, LENA)
    _sign_in(Client(), monkeypatch, {**LENA, "groups": []})
    assert _roles(get_user_model().objects.get(username="sso-u-1001")) == set()


@pytest.mark.django_db
def test_a_provider_account_cannot_take_over_a_local_one(sso, monkeypatch):
    local = f.UserFactory(username="admin", email="lena@example.com", is_superuser=True, is_staff=True)
    _sign_in(Client(), monkeypatch, {**LENA, "sub": "admin", "preferred_username": "admin"})
    sso_user = get_user_model().objects.get(username="sso-admin")
    assert sso_user.pk != local.pk and not sso_user.is_superuser
    local.refresh_from_db()
    assert local.has_usable_password() and _roles(local) == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "override",
    [{"aud": "another-client"}, {"iss": "https://evil.example.com"}, {"nonce": "replayed"}],
    ids=["audience", "issuer", "nonce"],
)
def test_a_token_for_another_client_issuer_or_request_is_refused(sso, monkeypatch, override):
    client = Client()
    response = _sign_in(client, monkeypatch, LENA, **override)
    assert response["Location"] == "/accounts/login/"
    assert not get_user_model().objects.filter(username="sso-u-1001").exists()
    assert "could not be verified" in _messages(client)
    assert AccessAttempt.objects.get().failures_since_start == 1  # the lockout counts it as a failed sign-in


@pytest.mark.django_db
def test_user_info_about_another_subject_is_refused(sso, monkeypatch):
    client = Client()
    _sign_in(client, monkeypatch, LENA, userinfo={**LENA, "sub": "u-2002"})
    assert not get_user_model().objects.filter(username__startswith="sso-").exists()
    assert "did not complete" in _messages(client)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer, message",
    [
        ({"code": "c", "state": "not-ours"}, "could not be verified"),
        ({"error": "access_denied", "error_description": "Denied"}, "Acme ID did not sign you in (Denied)"),
    ],
    ids=["unknown-state", "provider-error"],
)
def test_a_callback_the_site_did_not_ask_for_or_the_provider_refused_is_a_message(sso, answer, message):
    client = Client()
    client.get("/accounts/sso/start/")
    response = client.get("/accounts/sso/callback/", answer)
    assert response["Location"] == "/accounts/login/" and message in _messages(client)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_message_and_passwords_still_work(sso):
    sso.OIDC_OP_AUTHORIZATION_ENDPOINT = sso.OIDC_OP_TOKEN_ENDPOINT = ""
    sso.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"  # nothing listens there
    sso.OIDC_TIMEOUT = 2
    client = Client()
    response = client.get("/accounts/sso/start/")
    assert response["Location"] == "/accounts/login/" and "Acme ID could not be reached" in _messages(client)
    f.UserFactory(username="local", role="staff")
    signed_in = Client().post("/accounts/login/", {"username": "local", "password": f.PASSWORD})
    assert signed_in.status_code == 302  # the SSO backend makes no network call for a password sign-in


@pytest.mark.django_db
def test_discovery_finds_the_endpoints_and_checks_the_issuer(sso, monkeypatch):
    sso.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    sso.OIDC_OP_DISCOVERY_URL = f"{ISSUER}/.well-known/openid-configuration"
    calls = []

    class Answer:
        def __init__(self, document):
            self.document = document

        def raise_for_status(self):
            return None

        def json(self):
            return self.document

    def fake_get(url, timeout):
        calls.append(url)
        return Answer({"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth2"})

    monkeypatch.setattr(discovery.requests, "get", fake_get)
    assert discovery.endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT") == f"{ISSUER}/auth2"
    assert discovery.endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT") == f"{ISSUER}/auth2" and len(calls) == 1  # cached
    discovery.forget()
    monkeypatch.setattr(discovery.requests, "get", lambda url, timeout: Answer({"issuer": "https://other.example"}))
    with pytest.raises(discovery.ProviderUnavailable, match="issuer"):
        discovery.endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")


@pytest.mark.django_db
def test_an_account_an_administrator_deactivated_is_refused(sso, monkeypatch):
    _sign_in(Client(), monkeypatch, LENA)
    get_user_model().objects.filter(username="sso-u-1001").update(is_active=False)
    client = Client()
    response = _sign_in(client, monkeypatch, LENA)
    assert response["Location"] == "/accounts/login/" and "This account is disabled" in _messages(client)
    assert "_auth_user_id" not in client.session


# --- with the lockout -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_locked_out_address_cannot_sign_in_through_the_provider(sso, monkeypatch):
    f.UserFactory(username="ops", role="manager")
    for _ in range(sso.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "ops", "password": "wrong"})
    client = Client()
    response = _sign_in(client, monkeypatch, LENA)
    assert response.status_code == 429 and b"locked" in response.content
    assert not get_user_model().objects.filter(username="sso-u-1001").exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_refused_provider_sign_ins_count_as_failures_of_the_address(sso, monkeypatch):
    for _ in range(sso.AXES_FAILURE_LIMIT):
        _sign_in(Client(), monkeypatch, {**LENA, "groups": []})
    assert AccessAttempt.objects.exists()
    assert _sign_in(Client(), monkeypatch, LENA).status_code == 429


@pytest.mark.django_db
def test_a_successful_provider_sign_in_resets_the_address_count(sso, monkeypatch):
    for _ in range(3):
        _sign_in(Client(), monkeypatch, {**LENA, "groups": []})
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 3
    _sign_in(Client(), monkeypatch, LENA)
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 0


# --- configuration ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, message",
    [
        ({"OIDC_RP_CLIENT_ID": "x"}, "OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT"),
        (
            {"OIDC_RP_CLIENT_ID": "x", "OIDC_RP_CLIENT_SECRET": "y", "OIDC_OP_ISSUER": ISSUER}
            | {"OIDC_ROLE_MAP": "a=boss"},
            "OIDC_ROLE_MAP maps claim values to boss",
        ),
    ],
    ids=["missing", "bad-role"],
)
def test_incomplete_configuration_stops_start_up_naming_what_is_missing(env, message):
    code = "import satisfaction_site.settings"
    base = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    result = subprocess.run([sys.executable, "-c", code], env=base | env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and message in result.stderr


def test_complete_configuration_turns_sso_on():
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "OIDC_RP_CLIENT_ID": "x", "OIDC_RP_CLIENT_SECRET": "y"}
    env |= {"OIDC_OP_ISSUER": ISSUER + "/", "OIDC_ROLE_MAP": "cx-leads=manager,cx-agents=staff"}
    code = (
        "import satisfaction_site.settings as s; print(s.SSO_ENABLED, s.OIDC_OP_DISCOVERY_URL, "
        "s.AUTHENTICATION_BACKENDS[-1], sorted(s.OIDC_ROLE_MAP.items()))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"True {ISSUER}/.well-known/openid-configuration core.sso.backend.SsoBackend "
        "[('cx-agents', 'staff'), ('cx-leads', 'manager')]"
    )
