"""Customer surveys: invitations, per-service survey settings, campaigns, and the self-rated guard."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0005_improvements")]

    operations = []
