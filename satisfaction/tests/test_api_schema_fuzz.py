"""Schemathesis over the whole API v1 schema: as a manager, no server errors and every response (status code,
content type, body) matches the schema; with negative data (input the schema forbids) as an admin and as staff,
no server errors. Bounded to a few examples per operation so each run takes about a minute in CI."""

import time

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from satisfaction.tests import factories as f
from satisfaction_site.wsgi import application

MAX_EXAMPLES = 4
# Malformed cases per operation and role: ~70 operations × 2 roles × 3 ≈ 400 requests, about a minute.
NEGATIVE_EXAMPLES = 3


# The documented examples plus a few generated cases (valid and malformed) per operation; the exhaustive
# boundary-value phase is left out so the run stays within a few minutes on two cores.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}})
# Loading the schema renders it through the WSGI app; that reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=CONFIG)
# Only input the schema forbids — wrong types, out-of-range numbers, missing fields, unknown enum values — in the
# fuzzing phase; the documented examples are valid input, which the run above already sends.
NEGATIVE = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "negative"},
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
negative_schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=NEGATIVE)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calls go straight to the WSGI app, not through Django's test client, so do what the client does: keep
    request signals from closing the test's database connection (PostgreSQL would lose the test transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz_data(settings) -> None:
    # Writes are throttled in production; the fuzzer would trip the limit, which is tested elsewhere.
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": "100000/minute", "token": "100000/minute"},
    }
    cache.clear()
    # Something to find behind the ids the fuzzer tries first.
    customer = f.CustomerFactory(external_id="C-1001")
    f.ContactFactory(customer=customer, contact_priority=1)
    f.TicketFactory(contract=f.ContractFactory(customer=customer))
    f.RecordFactory(customer=customer)


@pytest.fixture
def manager_token(db, settings):
    _fuzz_data(settings)
    return Token.objects.create(user=f.UserFactory(username="fuzz_manager", role="manager")).key


@pytest.fixture(params=["admin", "staff"])
def role_token(request, db, settings):
    _fuzz_data(settings)
    if request.param == "admin":
        user = f.UserFactory(username="fuzz_admin", is_superuser=True, is_staff=True)
    else:
        user = f.UserFactory(username="fuzz_staff", role="staff")
    return Token.objects.create(user=user).key


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, manager_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {manager_token}"},
        excluded_checks=[
            # A well-formed id of a row that does not exist is refused with a 400 naming it; no schema can say
            # which ids exist, so "schema-valid input must be accepted" cannot hold.
            checks.positive_data_acceptance,
            # Lenient coercions are intended (0 for a text field, `null` or an empty value for an optional
            # filter means "no filter"); malformed input is still generated and must never cause a 500.
            checks.negative_data_rejection,
        ],
    )


@pytest.mark.slow
@negative_schema.parametrize()
@settings(max_examples=NEGATIVE_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_malformed_input_never_causes_a_server_error(case, role_token):
    started = time.monotonic()
    response = case.call(headers={"Authorization": f"Token {role_token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.as_curl_command()}"
    # A malformed request is refused before any work: a slow one is a finding too.
    assert time.monotonic() - started < 10
