"""Reference data: the three service types, the overall 95% satisfaction-rate target and the role groups."""

from django.db import migrations


def create_reference_data(apps, schema_editor):
    from satisfaction.reference_data import ensure_reference_data

    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("satisfaction", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_reference_data, migrations.RunPython.noop)]
