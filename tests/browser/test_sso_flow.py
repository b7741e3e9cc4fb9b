"""Single sign-on end to end: Chromium, this site (live server) and a real OpenID Connect provider on 127.0.0.1.

The provider is django-oauth-toolkit in a subprocess (tests/oidc_provider/) with an RSA key made here. Its people
carry a `roles` claim; the site maps cx-leads → manager and cx-agents → staff, and refuses anyone with neither.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from core.roles import MANAGER, STAFF
from core.sso import discovery
from tests.oidc_provider.process import running_provider

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "satisfaction-test"
CLIENT_SECRET = "client-secret-for-the-test-provider-only"
PEOPLE = [
    {"username": "lena", "password": "lena-pw-1", "email": "lena@example.com", "given_name": "Lena",
     "family_name": "Zhou", "roles": ["cx-leads", "everyone"]},
    {"username": "omar", "password": "omar-pw-1", "email": "omar@example.com", "given_name": "Omar",
     "family_name": "Haddad", "roles": ["cx-agents"]},
    {"username": "nina", "password": "nina-pw-1", "email": "nina@example.com", "given_name": "Nina",
     "family_name": "Berg", "roles": ["everyone"]},
]  # fmt: skip


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("oidc-provider")) as running:
        running.seed(
            {
                "client": {
                    "id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "redirect_uri": f"{live_server.url}/accounts/sso/callback/",
                },
                "users": PEOPLE,
            }
        )
        yield running


@pytest.fixture
def sso(settings, provider):
    """The site configured as an operator would from the environment (README, docs/sso.md)."""
    settings.SSO_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = provider.issuer
    settings.OIDC_OP_DISCOVERY_URL = f"{provider.issuer}/.well-known/openid-configuration"
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    settings.OIDC_ROLES_CLAIM = "roles"
    settings.OIDC_ROLE_MAP = {"cx-leads": MANAGER, "cx-agents": STAFF}
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "core.sso.backend.SsoBackend"]
    discovery.forget()
    yield provider
    discovery.forget()


@pytest.fixture
def site_errors(page, live_server, console_errors):
    """CSP refusals anywhere, and failed responses of this site (the provider's missing favicon is not ours)."""
    failed = []

    def on_response(response):
        if response.status >= 400 and response.url.startswith(live_server.url):
            failed.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    return lambda: failed + [e for e in console_errors if "Content Security Policy" in e or "Refused to" in e]


def _sign_in(page, live_server, username, password, next_path=""):
    page.goto(f"{live_server.url}/accounts/login/{next_path}")
    page.get_by_test_id("sso-sign-in").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Continue')")
    page.wait_for_load_state("networkidle")


def test_manager_is_created_on_first_sign_in_and_lands_on_the_dashboard(page, live_server, sso, site_errors):
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "form-action 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_test_id("sso-sign-in")).to_have_text("Sign in with Acme ID")
    expect(page.locator("input[name=password]")).to_be_visible()  # local accounts still sign in here
    assert not get_user_model().objects.filter(email="lena@example.com").exists()

    _sign_in(page, live_server, "lena", "lena-pw-1")

    expect(page).to_have_url(f"{live_server.url}/analytics/")
    expect(page.get_by_test_id("current-user")).to_have_text("Lena Zhou")
    user = get_user_model().objects.get(email="lena@example.com")
    assert user.username.startswith("sso-") and not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {MANAGER}
    assert not (user.is_staff or user.is_superuser)  # the admin is not opened by a claim
    assert site_errors() == []  # the whole flow ran under the site's CSP


def test_staff_cannot_open_manager_pages_until_the_provider_makes_them_a_lead(page, live_server, sso, provider):
    _sign_in(page, live_server, "omar", "omar-pw-1")
    expect(page).to_have_url(f"{live_server.url}/feedback/new/")
    user = get_user_model().objects.get(email="omar@example.com")
    assert set(user.groups.values_list("name", flat=True)) == {STAFF}
    assert page.goto(f"{live_server.url}/analytics/").status == 403

    # Roles follow the claim at every sign-in: promoted at the provider, a manager here after the next one.
    provider.seed({"users": [{**PEOPLE[1], "roles": ["cx-leads"]}]})
    page.goto(f"{live_server.url}/feedback/new/")
    page.click("button:has-text('Log out')")
    page.get_by_test_id("sso-sign-in").click()  # still signed in at the provider: straight back
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(f"{live_server.url}/analytics/")
    assert set(user.groups.values_list("name", flat=True)) == {MANAGER}
    assert get_user_model().objects.filter(email="omar@example.com").count() == 1


def test_a_person_whose_claim_maps_to_no_role_is_refused(page, live_server, sso):
    _sign_in(page, live_server, "nina", "nina-pw-1", next_path="?next=/analytics/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("status")).to_contain_text("Your Acme ID account has no role in Satisfaction")
    assert not get_user_model().objects.filter(email="nina@example.com").exists()
    assert page.goto(f"{live_server.url}/analytics/").url.startswith(f"{live_server.url}/accounts/login/")
