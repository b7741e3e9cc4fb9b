"""Flat exports: referenced rows a file names but the database lacks, created from the file (`create:`).

Customers are made from the `customer.*` columns of the first row that names them, service types from their
name; each through its own service, before the chunk that needs them is validated.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import cells as vocab
from core.batch import ErrorSink, RawChunk, RowInvalid
from satisfaction.crm.models import Customer, ServiceType
from satisfaction.crm.services import customer_create, service_type_create

CUSTOMER_PARSERS = {"tier": vocab.parse_tier, "created_at": vocab.parse_datetime}


class ReferenceMaker:
    """Creates the missing referenced rows of each chunk; a row that cannot be created is a row error."""

    def __init__(self, *, create: list[str], errors: ErrorSink):
        self.create = set(create)
        self.errors = errors
        self.created = {"customer": 0, "service_type": 0}
        self._known_types: set[str] | None = None
        self._done: dict[str, set[str]] = {"customer": set(), "service_type": set()}

    def ensure(self, chunk: RawChunk) -> RawChunk:
        if "service_type" in self.create:
            self._service_types(chunk)
        if "customer" in self.create:
            self._customers(chunk)
        return chunk

    def _service_types(self, chunk: RawChunk) -> None:
        if self._known_types is None:
            self._known_types = set()
            for names in ServiceType.objects.values_list("code", "name_en", "name_zh"):
                self._known_types |= {n.strip().lower() for n in names}
        for row, cell in zip(chunk.numbers, chunk.column("service_type"), strict=True):
            name = vocab.text(cell).strip() if cell is not None else ""
            if not name or name.lower() in self._known_types or name.lower() in self._done["service_type"]:
                continue
            self._done["service_type"].add(name.lower())
            try:
                service_type_create(name=name)
            except ValidationError as exc:
                self.errors.add(
                    row,
                    "service_type",
                    name,
                    _("Could not create the service type: %(error)s") % {"error": _reason(exc)},
                )
                continue
            self._known_types.add(name.lower())
            self.created["service_type"] += 1

    def _customers(self, chunk: RawChunk) -> None:
        first: dict[str, tuple[int, dict[str, Any]]] = {}
        for row, cells in chunk.rows():
            key = vocab.text(cells.get("customer", "")).strip()
            if key and key not in first and key not in self._done["customer"]:
                first[key] = (
                    row,
                    {k.removeprefix("customer."): v for k, v in cells.items() if k.startswith("customer.")},
                )
        keys = list(first)
        existing: set[str] = set()
        for start in range(0, len(keys), 900):
            existing |= set(
                Customer.objects.filter(external_id__in=keys[start : start + 900]).values_list("external_id", flat=True)
            )
        for key, (row, raw) in first.items():
            self._done["customer"].add(key)
            if key in existing:
                continue
            try:
                data = _customer_data(key, raw)
                customer_create(data=data)
            except RowInvalid as exc:
                self.errors.add(row, f"customer.{exc.column}", raw.get(exc.column), exc.reason)
            except ValidationError as exc:
                self.errors.add(
                    row, "customer", key, _("Could not create the customer: %(error)s") % {"error": _reason(exc)}
                )
            else:
                self.created["customer"] += 1


def _customer_data(key: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The new customer's fields from the inline cells; without a name the source id stands in for it."""
    data: dict[str, Any] = {"external_id": key}
    for name, cell in raw.items():
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        parse = CUSTOMER_PARSERS.get(name)
        try:
            data[name] = parse(cell) if parse else vocab.text(cell).strip()
        except RowInvalid as exc:
            raise RowInvalid(exc.reason, column=name) from None
    data.setdefault("name", key)
    return data


def _reason(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
