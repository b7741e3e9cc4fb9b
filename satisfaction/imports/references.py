"""Flat exports: referenced rows a file names but the database lacks, created from the file (`create:`).

Service types are made from their name, customers, contracts and contacts from the `customer.*`,
`contract.*` and `contact.*` columns of the first row that names them; each through its own crm service,
before the chunk that needs them is validated, in that order (a contract needs its customer and service type,
a contact its customer).

Which row a file's reference means:
- a customer is the row's `customer`, else its `contract.customer` (a ticket file names customers through
  the contracts);
- a contract's customer is `contract.customer`, else the row's `customer`; its service type is
  `contract.service_type`, else the row's `service_type`; its start date is `contract.start_date`, else the
  day of the row's own date (a contract has started by its first ticket);
- a contact is the row's `contact`, else its `contact.email`, and belongs to the row's customer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import cells as vocab
from core.batch import ErrorSink, RawChunk, RowInvalid
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType
from satisfaction.crm.services import contact_create, contract_create, customer_create, service_type_create
from satisfaction.imports import kinds

ORDER = ("service_type", "customer", "contract", "contact")
PARSERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "customer": {"tier": vocab.parse_tier, "created_at": vocab.parse_datetime},
    "contract": {"start_date": vocab.parse_date, "end_date": vocab.parse_date, "value": kinds.money},
    "contact": {"contact_priority": kinds.int_1_5, "email": kinds.email, "language": vocab.parse_language},
}
# The row's own date, the fallback start of a contract created from it.
ROW_DATE = ("opened_at", "filed_at", "created_at")


def _key(cell) -> str:
    return vocab.text(cell).strip() if cell is not None else ""


def _inline(cells: dict[str, Any], ref: str) -> dict[str, Any]:
    prefix = f"{ref}."
    return {k.removeprefix(prefix): v for k, v in cells.items() if k.startswith(prefix)}


def _row_customer(cells: dict[str, Any]) -> str:
    return _key(cells.get("customer")) or _key(cells.get("contract.customer"))


def _contract_customer(cells: dict[str, Any]) -> str:
    return _key(cells.get("contract.customer")) or _key(cells.get("customer"))


def _contact_key(cells: dict[str, Any]) -> str:
    return _key(cells.get("contact")) or _key(cells.get("contact.email"))


class ReferenceMaker:
    """Creates the missing referenced rows of each chunk; a row that cannot be created is a row error."""

    def __init__(self, *, create: list[str], errors: ErrorSink):
        self.create = set(create)
        self.errors = errors
        self.created = dict.fromkeys(ORDER, 0)
        self._known_types: set[str] | None = None
        # Keys already settled (found or created or failed), so each reference is tried once per file.
        self._done: dict[str, set[str]] = {ref: set() for ref in ORDER}

    def ensure(self, chunk: RawChunk) -> RawChunk:
        rows = list(chunk.rows())
        if "service_type" in self.create:
            self._service_types(rows)
        if "customer" in self.create:
            self._customers(rows)
        if "contract" in self.create:
            self._contracts(rows)
        if "contact" in self.create:
            self._contacts(rows)
        return chunk

    def _first(self, ref: str, rows, key_of: Callable[[dict], str]) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """(key, row number, cells) of the first row naming each key not settled yet, marking them settled."""
        first: dict[str, tuple[int, dict[str, Any]]] = {}
        for row, cells in rows:
            key = key_of(cells)
            if key and key not in first and key not in self._done[ref]:
                first[key] = (row, cells)
        self._done[ref] |= set(first)
        for key, (row, cells) in first.items():
            yield key, row, cells

    def _service_types(self, rows) -> None:
        if self._known_types is None:
            self._known_types = set()
            for names in ServiceType.objects.values_list("code", "name_en", "name_zh"):
                self._known_types |= {n.strip().lower() for n in names}
        for column in ("service_type", "contract.service_type"):
            for name, row, _row_cells in self._first("service_type", rows, lambda cells, c=column: _key(cells.get(c))):
                if name.lower() in self._known_types:
                    continue
                try:
                    service_type_create(name=name)
                except ValidationError as exc:
                    self.errors.add(
                        row, column, name, _("Could not create the service type: %(reason)s") % {"reason": _reason(exc)}
                    )
                    continue
                self._known_types.add(name.lower())
                self.created["service_type"] += 1

    def _customers(self, rows) -> None:
        wanted = list(self._first("customer", rows, _row_customer))
        # A contract's customer other than the row's own: created with its id as its name.
        wanted += [
            (key, row, {})
            for key, row, _row_cells in self._first(
                "customer", rows, lambda cells: _key(cells.get("contract.customer"))
            )
        ]
        existing = _existing(Customer, [key for key, _, _ in wanted])
        for key, row, cells in wanted:
            if key in existing:
                continue
            raw = _inline(cells, "customer") if key == _row_customer(cells) else {}
            column = "customer" if "customer" in cells else "contract.customer"
            if self._made(row, "customer", column, key, lambda raw=raw, key=key: _customer_data(key, raw)):
                self.created["customer"] += 1

    def _contracts(self, rows) -> None:
        wanted = list(self._first("contract", rows, lambda cells: _key(cells.get("contract"))))
        existing = _existing(Contract, [key for key, _, _ in wanted])
        fresh = [(key, row, cells) for key, row, cells in wanted if key not in existing]
        customers = _ids_by_external_id(Customer, {_contract_customer(cells) for _, _, cells in fresh})
        types = _service_type_ids()
        for key, row, cells in fresh:

            def data(key=key, cells=cells) -> dict[str, Any]:
                raw = _inline(cells, "contract")
                raw.pop("customer", None)
                customer = _contract_customer(cells)
                service = _key(raw.pop("service_type", None)) or _key(cells.get("service_type"))
                values = {"external_id": key, **_parsed("contract", raw)}
                if not customer or customer not in customers:
                    raise RowInvalid(
                        _("Unknown customer %(id)r for the new contract.") % {"id": customer},
                        column="contract.customer" if "contract.customer" in cells else "customer",
                    )
                if service.lower() not in types:
                    raise RowInvalid(
                        _("Unknown service type %(name)r for the new contract.") % {"name": service},
                        column="contract.service_type" if "contract.service_type" in cells else "service_type",
                    )
                values.setdefault("start_date", _row_day(cells))
                values["customer"] = Customer(pk=customers[customer])
                values["service_type"] = ServiceType(pk=types[service.lower()])
                return values

            if self._made(row, "contract", "contract", key, data):
                self.created["contract"] += 1

    def _contacts(self, rows) -> None:
        wanted = list(self._first("contact", rows, _contact_key))
        existing = _existing(Contact, [key for key, _, _ in wanted])
        fresh = [(key, row, cells) for key, row, cells in wanted if key not in existing]
        customers = _ids_by_external_id(Customer, {_row_customer(cells) for _, _, cells in fresh})
        for key, row, cells in fresh:

            def data(key=key, cells=cells) -> dict[str, Any]:
                customer = _row_customer(cells)
                if customer not in customers:
                    raise RowInvalid(
                        _("Unknown customer %(id)r for the new contact.") % {"id": customer},
                        column="customer" if "customer" in cells else "contract.customer",
                    )
                values = {"external_id": key, **_parsed("contact", _inline(cells, "contact"))}
                values.setdefault("name", key)
                return {**values, "customer": Customer(pk=customers[customer])}

            column = "contact" if "contact" in cells else "contact.email"
            if self._made(row, "contact", column, key, data):
                self.created["contact"] += 1

    def _made(self, row: int, ref: str, column: str, key: str, data: Callable[[], dict[str, Any]]) -> bool:
        """Create one `ref` through its crm service from `data()`; a failure is the row's error. True if made."""
        try:
            values = data()
            CREATE[ref](values)
        except RowInvalid as exc:
            self.errors.add(row, exc.column or column, key, exc.reason)
        except ValidationError as exc:
            self.errors.add(row, column, key, CANNOT_CREATE[ref] % {"reason": _reason(exc)})
        else:
            return True
        return False


CANNOT_CREATE = {
    "customer": gettext_lazy("Could not create the customer: %(reason)s"),
    "contract": gettext_lazy("Could not create the contract: %(reason)s"),
    "contact": gettext_lazy("Could not create the contact: %(reason)s"),
}
CREATE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "customer": lambda values: customer_create(data=values),
    "contract": lambda values: contract_create(data=values),
    "contact": lambda values: contact_create(**values),
}


def _existing(model, keys: list[str]) -> set[str]:
    return set(_ids_by_external_id(model, set(keys)))


def _ids_by_external_id(model, keys: set[str]) -> dict[str, int]:
    """External id → pk of the rows of `model` among `keys`, a bounded number of keys per query."""
    keys_list = sorted(k for k in keys if k)
    found: dict[str, int] = {}
    for start in range(0, len(keys_list), 900):
        found.update(
            model.objects.filter(external_id__in=keys_list[start : start + 900]).values_list("external_id", "pk")
        )
    return found


def _service_type_ids() -> dict[str, int]:
    found = {}
    for pk, *names in ServiceType.objects.values_list("pk", "code", "name_en", "name_zh"):
        for name in names:
            found[name.strip().lower()] = pk
    return found


def _row_day(cells: dict[str, Any]):
    """The local day of the row's own date: a contract created from the row has started by then."""
    for name in ROW_DATE:
        if cells.get(name) is not None and _key(cells[name]):
            try:
                return timezone.localtime(vocab.parse_datetime(cells[name])).date()
            except RowInvalid:
                break
    raise RowInvalid(_("The start date is needed to create the contract."), column="contract.start_date")


def _parsed(ref: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The inline cells of a reference as field values, parsed as its own import kind parses them."""
    data: dict[str, Any] = {}
    for name, cell in raw.items():
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        parse = PARSERS[ref].get(name)
        try:
            data[name] = parse(cell) if parse else vocab.text(cell).strip()
        except RowInvalid as exc:
            raise RowInvalid(exc.reason, column=f"{ref}.{name}") from None
    return data


def _customer_data(key: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The new customer's fields from the inline cells; without a name the source id stands in for it."""
    data = {"external_id": key, **_parsed("customer", raw)}
    data.setdefault("name", key)
    return data


def _reason(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)
