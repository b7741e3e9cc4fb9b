"""Walk every URL pattern of the project's own apps as anonymous, staff and manager.

The expected outcome comes from the view's role check, so a new page is covered the day it is added.
Pages that take arguments get them from SAMPLE_KWARGS (add an entry when a new argument name appears).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.roles import is_manager, is_staff_member
from satisfaction.tests import factories as f

OWN_APPS = ("satisfaction", "analytics")
# The REST API answers 401/403 instead of redirecting to the login page; its role checks are walked by
# satisfaction/tests/test_api_permissions.py.
API_URLCONFS = ("satisfaction_site.api_urls",)
PUBLIC = {"login", "set_language"}
# Views that are not class-based role views: name → required role ("staff" / "manager" / "public").
EXPLICIT_ROLES: dict[str, str] = {
    "survey-form": "public",
    "survey-thanks": "public",
    "survey-unsubscribe": "public",
}


def _own_patterns(resolver=None, prefix="", inside=False):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            if module in API_URLCONFS:
                continue
            if inside or module.split(".")[0] in OWN_APPS:
                ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
                yield from _own_patterns(entry, ns, inside=True)
        elif inside and isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _required_role(name, pattern):
    if name in EXPLICIT_ROLES:
        return EXPLICIT_ROLES[name]
    view_class = getattr(pattern.callback, "view_class", None)
    check = getattr(view_class, "role_check", None)
    if check is is_manager:
        return "manager"
    if check is is_staff_member:
        return "staff"
    raise AssertionError(f"URL {name!r} has no role check: use a role mixin or list it in EXPLICIT_ROLES")


@pytest.fixture
def sample_kwargs(db, staff_user, manager_user, settings, tmp_path):
    """URL arguments: `<url name>` → kwargs for pages about a specific object, else the customer's."""
    from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
    from satisfaction.improvements.models import ImprovementTask

    customer = f.CustomerFactory()
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="sample", customer=customer)
    entry = WatchlistEntry.objects.create(customer=customer)
    by_name = {
        "alert-detail": {"pk": alert.pk},
        "alert-acknowledge": {"pk": alert.pk},
        "alert-resolve": {"pk": alert.pk},
        "watchlist-remove": {"pk": entry.pk},
    }
    measure = f.MeasureFactory()
    task = ImprovementTask.objects.create(measure=measure, title="sample")
    suggestion = f.SuggestionFactory()
    by_name.update({
        "measure-detail": {"pk": measure.pk},
        "task-update": {"pk": task.pk},
        "suggestion-accept": {"pk": suggestion.pk},
        "suggestion-dismiss": {"pk": suggestion.pk},
        "analytics:widget": {"name": "trend"},
        "analytics:topic-comments": {"code": "response_speed"},
        "analytics:agent-detail": {"key": "name:Somebody"},  # handles the ticket made below
    })  # fmt: skip
    f.TicketFactory(contract=f.ContractFactory(customer=customer), agent_name="Somebody", satisfaction=4)
    import_job = f.ImportJobFactory(created_by=staff_user)  # staff see their own import jobs only
    by_name.update(
        {name: {"job_id": import_job.pk} for name in ("import-job", "import-job-errors", "import-job-choose")}
    )
    from satisfaction.surveys.services import invitation_token

    invitation = f.SurveyInvitationFactory(contact=f.ContactFactory(customer=customer))
    token = invitation_token(invitation)
    by_name.update({name: {"token": token} for name in ("survey-form", "survey-thanks", "survey-unsubscribe")})
    by_name["survey-resend"] = {"pk": invitation.pk}
    by_name["survey-settings"] = {"code": "data_analysis"}
    from satisfaction.recovery.models import RecoveryCase

    record = f.RecordFactory(customer=customer, score=2)
    case = RecoveryCase.objects.create(record=record, customer=customer, due_at=record.created_at)
    by_name.update({name: {"pk": case.pk} for name in ("recovery-case", "recovery-contact", "recovery-close")})
    # A finished report bundle of the manager's: its progress and its file are the manager's alone.
    from analytics import bundles

    settings.MEDIA_ROOT = str(tmp_path)
    job = bundles.BundleJob(
        token="access-check-bundle-0001", owner_id=manager_user.pk, priority=1, lang="en", state="ready", done=5
    )
    bundles._folder(job.token).mkdir(parents=True)
    bundles._write(job)
    (bundles._folder(job.token) / "bundle.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    by_name.update(
        {name: {"token": job.token} for name in ("analytics:report-bundle-status", "analytics:report-bundle-file")}
    )
    return {"default": {"pk": customer.pk, "customer_id": customer.pk}, **by_name}


def _url(name, pattern, kwargs):
    needed = list(pattern.pattern.converters)
    values = kwargs.get(name, kwargs["default"])
    return reverse(name, kwargs={k: values[k] for k in needed})


PATTERNS = sorted(_own_patterns(), key=lambda p: p[0])


def test_every_own_page_declares_a_role():
    for name, pattern in PATTERNS:
        _required_role(name, pattern)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_roles_are_enforced(client, name, pattern, sample_kwargs, staff_user, manager_user):
    role = _required_role(name, pattern)
    url = _url(name, pattern, sample_kwargs)

    anonymous = client.get(url)
    if role == "public":
        assert anonymous.status_code < 400
        return
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]

    client.force_login(staff_user)
    # Landing pages redirect by role; POST-only actions answer GET with 405 once the role check passed.
    staff = client.get(url, follow=True)
    if role == "manager":
        assert staff.status_code == 403, f"staff on {url}"
    else:
        assert staff.status_code in (200, 405), f"staff on {url}"

    client.force_login(manager_user)
    assert client.get(url, follow=True).status_code in (200, 405), f"manager on {url}"


@pytest.mark.django_db
def test_user_without_role_is_refused(client):
    client.force_login(f.UserFactory(username="nobody"))
    assert client.get(reverse("home")).status_code == 403


@pytest.mark.django_db
def test_login_page_and_login_flow(client, staff_user):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": staff_user.username, "password": f.PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200
    client.logout()
    bad = client.post(reverse("login"), {"username": staff_user.username, "password": "wrong"})
    assert bad.status_code == 200 and not bad.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_admin_requires_superuser(client, manager_user):
    client.force_login(manager_user)
    assert client.get(reverse("admin:index")).status_code == 302  # not is_staff: sent to the admin login
