"""The improvement loop: measure evaluations and suggestion fields."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0004_imports")]

    operations = []
