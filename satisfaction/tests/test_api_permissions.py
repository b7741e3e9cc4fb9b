"""Role checks of every API route: anonymous 401, no role 403, staff and manager as on the pages; token auth."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.roles import MANAGER, STAFF
from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.models import ServiceType
from satisfaction.imports.models import ImportJob, ImportMapping
from satisfaction.recovery.models import RecoveryCase
from satisfaction.tests import factories as f
from satisfaction_site.api_urls import router


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def one_of_each(db, staff_user):
    """One object per resource, so every detail route has something to find."""
    customer = f.CustomerFactory(external_id="C-1")
    contact = f.ContactFactory(customer=customer, contact_priority=1)
    contract = f.ContractFactory(customer=customer)
    ticket = f.TicketFactory(contract=contract)
    complaint = f.ComplaintFactory(contract=contract)
    record = f.RecordFactory(customer=customer)
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="low:1", customer=customer, record=record)
    entry = WatchlistEntry.objects.create(customer=customer, alert=alert)
    suggestion = f.SuggestionFactory()
    measure = f.MeasureFactory(suggestion=suggestion)
    task = measure.tasks.create(title="Draft the checklist")
    return {
        "service-type": ServiceType.objects.first().pk,
        "customer": customer.pk,
        "contact": contact.pk,
        "contract": contract.pk,
        "ticket": ticket.pk,
        "complaint": complaint.pk,
        "record": record.pk,
        "alert": alert.pk,
        "watchlist": entry.pk,
        "suggestion": suggestion.pk,
        "measure": measure.pk,
        "task": task.pk,
        "import": ImportJob.objects.create(kind="feedback", file="imports/feedback.csv", created_by=staff_user).pk,
        "import-mapping": ImportMapping.objects.create(name="Layout", kind="feedback", created_by=staff_user).pk,
        "recovery-case": RecoveryCase.objects.create(
            record=f.RecordFactory(customer=customer, score=2), customer=customer, due_at=record.created_at
        ).pk,
    }


def _read_urls(ids):
    for _prefix, viewset, basename in router.registry:
        yield "list", viewset.read_role, reverse(f"api:{basename}-list")
        yield "detail", viewset.read_role, reverse(f"api:{basename}-detail", kwargs={"pk": ids[basename]})


EXPECTED_READ_ROLE = {
    "service-type": STAFF,
    "customer": STAFF,
    "contact": STAFF,
    "contract": STAFF,
    "ticket": STAFF,
    "complaint": STAFF,
    "record": STAFF,
    "alert": MANAGER,
    "watchlist": MANAGER,
    "suggestion": MANAGER,
    "measure": MANAGER,
    "task": MANAGER,
    "import": STAFF,
    "import-mapping": STAFF,
    "recovery-case": MANAGER,
}


def test_every_resource_has_the_read_role_of_its_page():
    assert {basename: viewset.read_role for _, viewset, basename in router.registry} == EXPECTED_READ_ROLE


@pytest.mark.django_db
def test_reads_by_role(one_of_each, staff_user, manager_user, admin_user):
    nobody = f.UserFactory(username="nobody")
    client = APIClient()
    for kind, role, url in _read_urls(one_of_each):
        client.force_authenticate(None)
        anonymous = client.get(url)
        assert anonymous.status_code == 401, url
        assert anonymous["WWW-Authenticate"] == "Token"

        client.force_authenticate(nobody)
        assert client.get(url).status_code == 403, url

        client.force_authenticate(staff_user)
        assert client.get(url).status_code == (200 if role == STAFF else 403), url

        for user in (manager_user, admin_user):
            client.force_authenticate(user)
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.json()
            assert body["count"] >= 1 if kind == "list" else body["id"] > 0, url


WRITES = [
    ("post", "api:customer-list", None, {"name": "New Co"}),
    ("patch", "api:customer-detail", "customer", {"industry": "Retail"}),
    ("post", "api:contact-list", None, None),
    ("patch", "api:contract-detail", "contract", {"number": "HT-9"}),
    ("patch", "api:ticket-detail", "ticket", {"follow_up": True}),
    ("patch", "api:complaint-detail", "complaint", {"escalated": True}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "key", "body"), WRITES, ids=[w[1] + ":" + w[0] for w in WRITES])
def test_helpdesk_writes_need_a_manager(one_of_each, staff_user, manager_user, method, name, key, body):
    body = body or {"customer": one_of_each["customer"], "name": "Zhao Lei", "contact_priority": 2}
    url = reverse(name, kwargs={"pk": one_of_each[key]} if key else None)
    client = APIClient()
    assert getattr(client, method)(url, body, format="json").status_code == 401
    client.force_authenticate(staff_user)
    assert getattr(client, method)(url, body, format="json").status_code == 403
    client.force_authenticate(manager_user)
    assert getattr(client, method)(url, body, format="json").status_code in (200, 201)


@pytest.mark.django_db
def test_staff_may_record_feedback_but_a_user_without_role_may_not(one_of_each, staff_user):
    body = {"customer": one_of_each["customer"], "service_type": "data_analysis", "score": 4}
    client = APIClient()
    for url in (reverse("api:record-list"), reverse("api:satisfaction-record")):
        client.force_authenticate(None)
        assert client.post(url, body, format="json").status_code == 401
        client.force_authenticate(f.UserFactory(username="nobody"))
        assert client.post(url, body, format="json").status_code == 403
        client.force_authenticate(staff_user)
        assert client.post(url, body, format="json").status_code == 201


@pytest.mark.django_db
def test_read_only_resources_refuse_writes(one_of_each, manager_user):
    client = APIClient()
    client.force_authenticate(manager_user)
    assert client.post(reverse("api:service-type-list"), {"code": "x"}, format="json").status_code == 405
    assert client.delete(reverse("api:customer-detail", kwargs={"pk": one_of_each["customer"]})).status_code == 405
    assert client.put(reverse("api:record-detail", kwargs={"pk": one_of_each["record"]}), {}).status_code == 405


@pytest.mark.django_db
def test_token_exchange_and_token_authentication(staff_user):
    client = APIClient()
    url = reverse("api:token")
    bad = client.post(url, {"username": staff_user.username, "password": "wrong"}, format="json")
    assert bad.status_code == 400 and "non_field_errors" in bad.json()
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"username", "password"}

    good = client.post(url, {"username": staff_user.username, "password": f.PASSWORD}, format="json")
    assert good.status_code == 200
    token = good.json()["token"]
    assert Token.objects.get(user=staff_user).key == token
    # The same token again, not a new one per request.
    assert client.post(url, {"username": staff_user.username, "password": f.PASSWORD}).json()["token"] == token

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(reverse("api:customer-list")).status_code == 200
    assert client.get(reverse("api:alert-list")).status_code == 403  # a staff token has staff rights only
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(reverse("api:customer-list")).status_code == 401


@pytest.mark.django_db
def test_session_authentication_needs_csrf_for_writes(staff_user, one_of_each):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.get(reverse("api:customer-list")).status_code == 200
    body = {"customer": one_of_each["customer"], "service_type": "data_analysis", "score": 4}
    assert client.post(reverse("api:record-list"), body, format="json").status_code == 403


@pytest.mark.django_db
def test_writes_are_throttled_per_user_and_reads_are_not(staff_user, one_of_each):
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"writes": "3/minute", "token": "2/minute"}}
    client = APIClient()
    client.force_authenticate(staff_user)
    body = {"customer": one_of_each["customer"], "service_type": "data_analysis", "score": 4}
    with override_settings(REST_FRAMEWORK=rest):
        codes = [client.post(reverse("api:record-list"), body, format="json").status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        assert int(client.post(reverse("api:record-list"), body, format="json")["Retry-After"]) > 0
        assert all(client.get(reverse("api:record-list")).status_code == 200 for _ in range(5))

        anon = APIClient()
        url = reverse("api:token")
        codes = [anon.post(url, {"username": "x", "password": "y"}).status_code for _ in range(3)]
        assert codes == [400, 400, 429]
