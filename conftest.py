"""Project-wide pytest setup: service markers and shared fixtures.

Tests marked `postgres`, `redis` or `browser` skip with a reason when that service is absent;
with REQUIRE_SERVICES=1 (as in CI) the skip becomes a failure, so CI cannot pass by skipping.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

# Tests drive the embedded scheduler themselves; a module that loads the WSGI app must not start its thread.
os.environ["SCHEDULER_EMBEDDED"] = "false"

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_reachable() -> bool:
    parsed = urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _service_problem(marker: str) -> str | None:
    """Why a service needed by `marker` is missing, or None if it is there."""
    if marker == "postgres":
        from django.db import connection

        if connection.vendor != "postgresql":
            return "needs PostgreSQL: run with DATABASE_URL=postgres://…"
    elif marker == "redis":
        if not _redis_reachable():
            return f"needs Redis at {REDIS_URL} (scripts/services.sh starts one)"
    elif marker == "browser":
        if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
            return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "needs the playwright Python package (requirements-dev.txt)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker):
            problem = _service_problem(marker)
            if problem:
                if REQUIRE_SERVICES:
                    pytest.fail(f"REQUIRE_SERVICES=1 but this test {problem}", pytrace=False)
                pytest.skip(problem)


@pytest.fixture(autouse=True)
def _imports_inline(settings):
    """Import jobs run inline, as eager Celery runs them; the background thread of the web process has its own test."""
    settings.IMPORT_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush the database, data-migration rows included: put them back for every db test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    transactional = "live_server" in request.fixturenames or (marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from auditlog.context import disable_auditlog
    from django.contrib.contenttypes.models import ContentType

    from satisfaction.reference_data import ensure_reference_data

    # A flush re-creates content types with new ids; a stale cache would point new rows at deleted ones.
    ContentType.objects.clear_cache()
    with disable_auditlog():  # reference data is set-up, not a change anybody made
        ensure_reference_data()


@pytest.fixture
def service_types(db):
    """The three service types created by the data migration, by code."""
    from satisfaction.crm.models import ServiceType

    return {st.code: st for st in ServiceType.objects.all()}


@pytest.fixture
def staff_user(db):
    from satisfaction.tests.factories import UserFactory

    return UserFactory(username="staff_member", role="staff")


@pytest.fixture
def manager_user(db):
    from satisfaction.tests.factories import UserFactory

    return UserFactory(username="manager_member", role="manager")


@pytest.fixture
def admin_user(db):
    from satisfaction.tests.factories import UserFactory

    return UserFactory(username="admin_member", is_superuser=True, is_staff=True)


def _api_client(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def manager(manager_user):
    """An API client signed in as a manager."""
    return _api_client(manager_user)


@pytest.fixture
def staff(staff_user):
    """An API client signed in as a staff member."""
    return _api_client(staff_user)


@pytest.fixture
def admin(admin_user):
    """An API client signed in as a superuser."""
    return _api_client(admin_user)
