"""The admin shows every domain model, with data, to a superuser; changes land in the audit log."""

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from satisfaction.crm.models import Customer
from satisfaction.demo import seed_demo


@pytest.fixture
def seeded(db):
    return seed_demo(seed=7, create_users=False)


def test_every_domain_model_is_registered():
    for model in apps.get_app_config("satisfaction").get_models():
        assert admin.site.is_registered(model), model


@pytest.mark.django_db
def test_every_changelist_and_change_form_renders(client, admin_user, seeded):
    client.force_login(admin_user)
    for model in apps.get_app_config("satisfaction").get_models():
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.model_name
        obj = model.objects.first()
        if obj is not None:
            change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            assert change.status_code == 200, opts.model_name
    # The segment filter works through the annotation.
    response = client.get(reverse("admin:satisfaction_customer_changelist") + "?segment=1")
    assert response.status_code == 200
    assert "105 customers" in response.content.decode() or "105" in response.content.decode()


@pytest.mark.django_db
def test_admin_change_is_audited(client, admin_user):
    customer = Customer.objects.create(name="Acme")
    client.force_login(admin_user)
    url = reverse("admin:satisfaction_customer_change", args=[customer.pk])
    data = {
        "name": "Acme Renamed", "industry": "Retail", "tier": "key", "external_id": "",
        "created_at_0": "2026-01-01", "created_at_1": "10:00:00",
        "contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0,
        "contracts-TOTAL_FORMS": 0, "contracts-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(customer).latest("timestamp")
    assert entry.actor == admin_user
    assert entry.changes_dict["name"] == ["Acme", "Acme Renamed"]
