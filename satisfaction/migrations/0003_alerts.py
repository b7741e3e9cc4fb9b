"""Alerts, watch list, risk scores, webhooks and notification preferences."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0002_reference_data")]

    operations = []
