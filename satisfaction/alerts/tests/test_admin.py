"""Admins edit alert thresholds, risk weights and webhook endpoints, and read the delivery log."""

import pytest
from django.urls import reverse

from satisfaction.alerts.models import (
    AlertSettings,
    CustomerRiskScore,
    NotificationPreference,
    SatisfactionAlert,
    WebhookDelivery,
)
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def test_admin_pages_of_alert_models_render(client, admin_user):
    client.force_login(admin_user)
    endpoint = f.WebhookEndpointFactory()
    alert = SatisfactionAlert.objects.create(kind="low_score", dedupe_key="k", severity="high")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, alert=alert, event="opened", payload={"x": 1})
    score = CustomerRiskScore.objects.create(customer=f.CustomerFactory(), score=40, reasons=[{"factor": "x"}])
    pref = NotificationPreference.objects.create(user=admin_user)
    for name, pk in [
        ("webhookendpoint", endpoint.pk),
        ("webhookdelivery", delivery.pk),
        ("customerriskscore", score.pk),
        ("notificationpreference", pref.pk),
    ]:
        assert client.get(reverse(f"admin:satisfaction_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:satisfaction_{name}_change", args=[pk])).status_code == 200
    assert client.get(reverse("admin:satisfaction_alertsettings_add")).status_code == 200


def test_admin_saves_the_single_settings_row(client, admin_user):
    client.force_login(admin_user)
    data = {field.name: field.default for field in AlertSettings._meta.fields if field.name not in ("id", "updated_at")}
    data["low_score_below"] = "3.0"
    response = client.post(reverse("admin:satisfaction_alertsettings_add"), data)
    assert response.status_code == 302
    assert AlertSettings.load().low_score_below == 3
    assert AlertSettings.objects.get().pk == 1
    # One row only: no second "add".
    assert client.get(reverse("admin:satisfaction_alertsettings_add")).status_code == 403
