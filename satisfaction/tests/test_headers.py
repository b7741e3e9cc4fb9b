"""Security headers on every kind of page: a Content-Security-Policy without inline scripts, Referrer-Policy,
Permissions-Policy; pages carry no inline script for the policy to block; cookies are Secure / HttpOnly / SameSite
in production mode."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from satisfaction.tests import factories as f

ROOT = Path(__file__).resolve().parents[2]

# (who, path, extra request headers): one of each kind of page and answer.
PAGES = [
    ("anonymous", "/accounts/login/", {}),
    ("anonymous", "/s/not-a-token/", {}),  # the public survey page (here: its invalid-link answer)
    ("anonymous", "/no-such-page/", {}),
    ("manager", "/analytics/", {}),
    ("manager", "/analytics/widgets/kpis/", {"HTTP_HX_REQUEST": "true"}),  # an htmx partial
    ("manager", "/analytics/report/", {}),
    ("manager", "/analytics/export/kpis/", {}),  # a download
    ("staff", "/feedback/new/", {}),
    ("manager", "/customers/", {}),
    ("admin", "/admin/", {}),
    ("anonymous", "/admin/login/", {}),
    ("manager", "/api/v1/enterprise-satisfaction/satisfaction/analytics", {}),
    ("anonymous", "/api/v1/records/", {}),  # a refused API call
    ("anonymous", "/api/v1/docs/", {}),
    ("anonymous", "/api/v1/schema/", {}),
]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _client(who):
    client = Client()
    if who == "admin":
        client.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    elif who != "anonymous":
        client.force_login(f.UserFactory(username=who, role=who))
    return client


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "path", "extra"), PAGES, ids=[p[1] for p in PAGES])
def test_every_kind_of_page_carries_the_security_headers(who, path, extra):
    response = _client(who).get(path, **extra)
    assert response.status_code < 500, path
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["default-src"] and "'unsafe-eval'" not in " ".join(sum(policy.values(), []))
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    if response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        assert INLINE_SCRIPT.findall(html) == [], path
        assert INLINE_HANDLER.findall(html) == [], path


@pytest.mark.django_db
def test_the_api_docs_start_up_script_is_a_file():
    page = Client().get("/api/v1/docs/").content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert any("script" in src for src in sources), sources
    init = [src for src in sources if "swagger-ui" not in src.rsplit("/", 1)[-1]]
    assert Client().get(init[0]).status_code == 200


def test_cookies_are_secure_http_only_and_same_site_in_production():
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environ.update(DEBUG="0", SECRET_KEY="k3J-9xQ_vP2mZ8rT" * 4, ALLOWED_HOSTS="example.com")
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
    ]
    code = (
        "from django.conf import settings; import json; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
    }
