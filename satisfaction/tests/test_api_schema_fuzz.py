"""Schemathesis over the whole API v1 schema, authenticated as a manager: no server errors, and every response
(status code, content type, body) matches the schema. Bounded to a few examples per operation so it runs in CI."""

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


# The documented examples plus a few generated cases (valid and malformed) per operation; the exhaustive
# boundary-value phase is left out so the run stays within a few minutes on two cores.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}})
# Loading the schema renders it through the WSGI app; that reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=CONFIG)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calls go straight to the WSGI app, not through Django's test client, so do what the client does: keep
    request signals from closing the test's database connection (PostgreSQL would lose the test transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def manager_token(db, settings):
    # Writes are throttled in production; the fuzzer would trip the limit, which is tested elsewhere.
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": "100000/minute", "token": "100000/minute"},
    }
    cache.clear()
    user = f.UserFactory(username="fuzz_manager", role="manager")
    # Something to find behind the ids the fuzzer tries first.
    customer = f.CustomerFactory(external_id="C-1001")
    f.ContactFactory(customer=customer, contact_priority=1)
    f.TicketFactory(contract=f.ContractFactory(customer=customer))
    f.RecordFactory(customer=customer)
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
