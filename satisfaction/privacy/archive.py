"""The export zip: everything held about a subject, as one JSON file and one CSV per kind of row.

`personal_data.json` holds every row with every stored column (the machine-readable copy);
`<model>.csv` holds the same rows for a spreadsheet, with cells neutralised against formula injection.
"""

from __future__ import annotations

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.utils import timezone

from core.spreadsheets import csv_rows
from satisfaction.privacy.selectors import Subject, personal_data


def _columns(model: type[Model]) -> list[str]:
    """Every stored column of `model` (foreign keys as their id column)."""
    return [field.attname for field in model._meta.concrete_fields]


def _rows(queryset: QuerySet) -> list[dict]:
    columns = _columns(queryset.model)
    return list(queryset.order_by("pk").values(*columns))


def _csv_cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def export_tables(subject: Subject) -> dict[type[Model], list[dict]]:
    """The subject's rows by model, every column of each (raises LookupError for an unknown subject)."""
    return {model: _rows(queryset) for model, queryset in personal_data(subject).items()}


def export_zip(subject: Subject) -> bytes:
    """The zip a data-subject request is answered with (raises LookupError for an unknown subject)."""
    tables = export_tables(subject)
    manifest = {
        "subject": {"kind": subject.kind, "id": subject.pk},
        "generated_at": timezone.now(),
        "counts": {model._meta.model_name: len(rows) for model, rows in tables.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "personal_data.json",
            json.dumps(
                {"manifest": manifest, "data": {model._meta.model_name: rows for model, rows in tables.items()}},
                ensure_ascii=False,
                indent=2,
                cls=DjangoJSONEncoder,
            ),
        )
        for model, rows in tables.items():
            header = _columns(model)
            lines = csv_rows(header, ([_csv_cell(row[c]) for c in header] for row in rows))
            archive.writestr(f"{model._meta.model_name}.csv", "".join(lines))
    return buffer.getvalue()
