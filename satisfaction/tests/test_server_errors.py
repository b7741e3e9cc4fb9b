"""Probe finding 9: requests that answered 500 — API actions with a format suffix, admin date lookups out of range."""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from satisfaction_site.api_urls import enterprise_router, router


def _detail_actions():
    """(url prefix, action url path) of every detail action of every API viewset."""
    for routes, prefix in ((router, "/api/v1/"), (enterprise_router, "/api/v1/enterprise-satisfaction/")):
        for name, viewset, _basename in routes.registry:
            for extra in viewset.get_extra_actions():
                if extra.detail:
                    yield f"{prefix}{name}/1/{extra.url_path}"


ACTIONS = sorted(set(_detail_actions()))


def test_every_action_is_found():
    # The ten actions the probe listed (alerts twice, suggestions, measures, watch list, recovery cases).
    assert len(ACTIONS) >= 10


@pytest.mark.parametrize("url", ACTIONS)
def test_an_action_with_a_format_suffix_does_not_exist(admin_user, url):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(f"{url}.json", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("url", ["/api/v1/customers.json", "/api/v1/customers/1.json", "/api/v1/records.api"])
def test_resources_have_no_format_suffix_either(admin_user, url):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    assert api.get(url).status_code == 404


def test_an_action_without_suffix_still_answers(admin_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    # No alert 1: the action runs and says so (404 from the action, not from the router).
    response = api.post("/api/v1/alerts/1/acknowledge/", {}, format="json")
    assert response.status_code == 404


# Year 1 and 9999 by year, month and day (the date hierarchy's steps), a year past the calendar, and a bound.
QUERIES = (
    "{f}__year=1",
    "{f}__year=9999",
    "{f}__year=9999&{f}__month=12",
    "{f}__year=9999&{f}__month=12&{f}__day=31",
    "{f}__year=1&{f}__month=1&{f}__day=1",
    "{f}__year=99999",
    "{f}__gte=0001-01-01&{f}__lt=9999-12-31",
)


def _date_lookups():
    """(admin changelist url, query string) for every admin with a date field: its date hierarchy, or else its
    first date field."""
    for model, model_admin in admin.site._registry.items():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.DateField) and f.concrete]
        if not fields:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        name = model_admin.date_hierarchy or fields[0]
        yield url, [query.format(f=name) for query in QUERIES]


LOOKUPS = list(_date_lookups())


def test_every_admin_with_a_date_is_probed():
    urls = {url for url, _queries in LOOKUPS}
    assert {"/admin/satisfaction/satisfactionrecord/", "/admin/auth/user/", "/admin/auditlog/logentry/"} <= urls


@pytest.mark.parametrize(("url", "queries"), LOOKUPS, ids=[url for url, _queries in LOOKUPS])
def test_admin_date_lookups_out_of_range_are_a_clean_page(admin_user, client, url, queries):
    client.force_login(admin_user)
    for query in queries:
        # Django's admin answers a lookup it cannot run with its "?e=1" page (200), never a 500.
        response = client.get(f"{url}?{query}", follow=True)
        assert response.status_code == 200, query
