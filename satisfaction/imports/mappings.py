"""Mapping files: the YAML/JSON format that says how a source system's export reads as one import kind.

A mapping names source columns and the field(s) each feeds, optionally translating values; it may also give
date formats, what to do with bad rows (`on_error`), whether the file is history, and which referenced rows
to create when missing. Columns it does not name still match the built-in headers. See docs/imports.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import cells as vocab
from core.batch import RawChunk
from satisfaction.imports.kinds import COLUMNS, normalise_header
from satisfaction.imports.models import ImportKind, ImportMapping, OnError

IGNORE = "-"  # a column sent here on purpose: read, not imported, not reported

# Fields of a referenced row that a file may carry inline, used when that row is created (`create`).
REFERENCE_FIELDS = {
    "customer": ("name", "industry", "tier", "created_at"),
    "contact": ("name", "email", "phone", "contact_priority", "language"),
    "contract": ("customer", "service_type", "number", "start_date", "end_date", "value"),
}
# A flat export (one row per ticket, complaint or response) may carry every row it refers to.
_FLAT = ("customer", "contact", "contract", "service_type")
# Which references each kind may create from its rows.
CREATABLE = {
    ImportKind.CUSTOMERS: (),
    ImportKind.CONTACTS: ("customer",),
    ImportKind.CONTRACTS: ("customer", "service_type"),
    ImportKind.TICKETS: _FLAT,
    ImportKind.COMPLAINTS: _FLAT,
    ImportKind.FEEDBACK: _FLAT,
}
KEYS = ("kind", "date_format", "on_error", "history", "create", "columns")


@dataclass(frozen=True)
class ColumnRule:
    """One target of one source column: the field it feeds and the source value → accepted value map."""

    source: str
    field: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class MappingSpec:
    """A parsed, validated mapping."""

    kind: str
    rules: list[ColumnRule] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=list)
    on_error: str = OnError.REJECT
    history: bool = False
    create: list[str] = field(default_factory=list)

    @property
    def skip_errors(self) -> bool:
        return self.on_error == OnError.SKIP

    def targets(self) -> dict[str, list[str]]:
        """Normalised source header → the fields it feeds, in the mapping's order."""
        found: dict[str, list[str]] = {}
        for rule in self.rules:
            found.setdefault(normalise_header(rule.source), []).append(rule.field)
        return found

    def to_data(self) -> dict[str, Any]:
        """The mapping as plain data (what a mapping file holds); `mapping_parse(to_data())` gives it back."""
        columns: dict[str, Any] = {}
        for rule in self.rules:
            entry = {"field": rule.field, "values": dict(rule.values)} if rule.values else rule.field
            if rule.source in columns:
                previous = columns[rule.source]
                columns[rule.source] = [*(previous if isinstance(previous, list) else [previous]), entry]
            else:
                columns[rule.source] = entry
        data: dict[str, Any] = {"kind": self.kind}
        if self.date_formats:
            data["date_format"] = list(self.date_formats)
        data["on_error"] = self.on_error
        data["history"] = self.history
        if self.create:
            data["create"] = list(self.create)
        data["columns"] = columns
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_data(), allow_unicode=True, sort_keys=False)

    def transformer(self) -> Callable[[RawChunk], None]:
        """What turns a chunk's cells into the built-in vocabulary: value maps, then date formats."""
        converters: dict[str, list[Callable[[Any], Any]]] = {}
        for rule in self.rules:
            if rule.values and rule.field != IGNORE:
                converters.setdefault(rule.field, []).append(_value_map(rule.values))
        if self.date_formats:
            for name, as_date in date_fields(self.kind).items():
                converters.setdefault(name, []).append(_date_converter(self.date_formats, as_date=as_date))

        def transform(chunk: RawChunk) -> None:
            for name, steps in converters.items():
                cells = chunk.column(name)
                if cells.count(None) == len(cells):
                    continue
                for step in steps:
                    cells = [step(cell) for cell in cells]
                chunk.replace_column(name, cells)

        return transform


def date_fields(kind: str) -> dict[str, bool]:
    """Field name → True for a date, False for a date and time, over the kind's fields and inline references."""
    found = {
        c.name: c.parse is vocab.parse_date
        for c in COLUMNS[kind]
        if c.parse in (vocab.parse_date, vocab.parse_datetime)
    }
    if kind == ImportKind.FEEDBACK:
        found["created_at"] = False
    if "customer" in CREATABLE[kind]:
        found["customer.created_at"] = False
    if "contract" in CREATABLE[kind]:
        found["contract.start_date"] = found["contract.end_date"] = True
    return found


def allowed_fields(kind: str) -> set[str]:
    """Every target a mapping of `kind` may name: the kind's fields, inline reference fields, and "-".

    A reference the kind does not hold itself (a ticket's customer, a response's contract) may still be named
    by its id, so that the rows it is created from and the rows that refer to it can find each other."""
    names = {c.name for c in COLUMNS[kind]} | {IGNORE}
    for ref in CREATABLE[kind]:
        names |= {ref} | {f"{ref}.{name}" for name in REFERENCE_FIELDS.get(ref, ())}
    return names


def _value_map(values: Mapping[str, str]) -> Callable[[Any], Any]:
    exact = dict(values)
    folded = {k.strip().casefold(): v for k, v in values.items()}

    def convert(cell):
        if cell is None:
            return None
        key = vocab.text(cell).strip()
        if key in exact:
            return exact[key]
        # Not in the map: the cell goes on as it is, to the built-in vocabulary of the field.
        return folded.get(key.casefold(), cell)

    return convert


def _date_converter(formats: list[str], *, as_date: bool) -> Callable[[Any], Any]:
    def convert(cell):
        if type(cell) is not str or not cell.strip():
            return cell
        raw = cell.strip()
        for fmt in formats:
            try:
                moment = dt.datetime.strptime(raw, fmt)
            except ValueError:
                continue
            return moment.date().isoformat() if as_date else moment.isoformat(sep=" ")
        return cell  # the built-in formats get their chance, and name what they expected if they fail too

    return convert


def _line(lines: Mapping[str, int], key: str) -> str:
    return f"line {lines[key]}: " if key in lines else ""


def mapping_parse(data: Any, *, kind: str | None = None, lines: Mapping[str, int] | None = None) -> MappingSpec:
    """Validate mapping data (a parsed mapping file or a saved mapping); raises ValidationError naming the key.

    `kind` is the kind the caller imports (the file's own `kind`, when given, must agree); `lines` maps each
    `columns` entry to its line in the file, so errors can name it.
    """
    lines = lines or {}
    if not isinstance(data, Mapping):
        raise ValidationError({"mapping": _("A mapping file holds keys such as kind and columns (YAML or JSON).")})
    unknown = sorted(str(k) for k in data if k not in KEYS)
    if unknown:
        raise ValidationError(
            {
                "mapping": _("Unknown keys %(keys)s; allowed: %(allowed)s.")
                % {"keys": ", ".join(unknown), "allowed": ", ".join(KEYS)}
            }
        )
    given = data.get("kind")
    if given is not None and given not in ImportKind.values:
        raise ValidationError(
            {
                "kind": _("Unknown kind '%(kind)s'; expected one of %(allowed)s.")
                % {"kind": given, "allowed": ", ".join(ImportKind.values)}
            }
        )
    if kind and given and given != kind:
        raise ValidationError(
            {"kind": _("This mapping is for %(mapping)s, not %(kind)s.") % {"mapping": given, "kind": kind}}
        )
    kind = kind or given
    if not kind:
        raise ValidationError({"kind": _("Say which kind the mapping is for (kind: feedback, tickets, …).")})
    formats = data.get("date_format") or []
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        raise ValidationError({"date_format": _("A strftime pattern such as %%d-%%m-%%Y, or a list of them.") % {}})
    on_error = data.get("on_error") or OnError.REJECT
    if on_error not in OnError.values:
        raise ValidationError({"on_error": _("Expected reject or skip, got '%(value)s'.") % {"value": on_error}})
    history = data.get("history", False)
    if not isinstance(history, bool):
        raise ValidationError({"history": _("Expected true or false.")})
    create = data.get("create") or []
    if isinstance(create, str):
        create = [create]
    bad = [str(c) for c in create if c not in CREATABLE[kind]]
    if not isinstance(create, list) or bad:
        allowed = ", ".join(CREATABLE[kind]) or "nothing"
        raise ValidationError({"create": f"{kind} can create {allowed}; not {', '.join(bad)}."})
    columns = data.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise ValidationError({"columns": "columns maps each source column to a field."})
    fields = allowed_fields(kind)
    rules: list[ColumnRule] = []
    claimed: dict[str, str] = {}
    for source, target in columns.items():
        source = str(source).strip()
        where = _line(lines, source)
        for entry in target if isinstance(target, list) else [target]:
            rule = _rule(source, entry, where)
            if rule.field not in fields:
                raise ValidationError(
                    {
                        "columns": f"{where}{source!r}: {rule.field!r} is not a field of {kind}. "
                        f"Allowed: {', '.join(sorted(fields))}."
                    }  # fmt: skip
                )
            if rule.field != IGNORE and rule.field in claimed:
                raise ValidationError(
                    {"columns": f"{where}{source!r}: {rule.field!r} is fed by {claimed[rule.field]!r} already."}
                )
            claimed[rule.field] = source
            rules.append(rule)
    return MappingSpec(
        kind=kind, rules=rules, date_formats=list(formats), on_error=on_error, history=history, create=list(create)
    )


def _rule(source: str, entry: Any, where: str) -> ColumnRule:
    if isinstance(entry, str):
        return ColumnRule(source=source, field=entry.strip())
    if isinstance(entry, Mapping) and isinstance(entry.get("field"), str) and set(entry) <= {"field", "values"}:
        values = entry.get("values") or {}
        if not isinstance(values, Mapping):
            raise ValidationError({"columns": f"{where}{source!r}: values maps a source value to a field value."})
        return ColumnRule(
            source=source,
            field=entry["field"].strip(),
            values={vocab.text(k).strip(): vocab.text(v).strip() for k, v in values.items()},
        )
    raise ValidationError({"columns": f"{where}{source!r}: write a field name, a list, or {{field: …, values: …}}."})


def mapping_load(text: str | bytes, *, kind: str | None = None) -> MappingSpec:
    """Parse a mapping file (YAML; JSON is YAML too); errors name the key and, for columns, the line."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"mapping": _("The mapping file must be UTF-8 text.")}) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(
            {"mapping": _("The mapping file is not valid YAML or JSON: %(error)s") % {"error": exc}}
        ) from None
    return mapping_parse(data, kind=kind, lines=_column_lines(node))


def _column_lines(node) -> dict[str, int]:
    """Each `columns` entry's line number (1-based) in the mapping file."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key, value in node.value:
        if getattr(key, "value", None) == "columns" and isinstance(value, yaml.MappingNode):
            return {str(k.value).strip(): k.start_mark.line + 1 for k, _ in value.value}
    return {}


def mapping_of(saved: ImportMapping) -> MappingSpec:
    """The spec of a saved mapping."""
    return mapping_parse(
        {
            "kind": saved.kind,
            "date_format": saved.date_formats,
            "on_error": saved.on_error,
            "history": saved.history,
            "create": saved.create,
            "columns": saved.columns,
        }
    )


def mapping_coerce(mapping: Any, *, kind: str) -> MappingSpec:
    """A spec from what callers pass: a spec, a saved mapping, mapping data, or {header: field} (None: empty)."""
    if mapping is None:
        return MappingSpec(kind=kind)
    if isinstance(mapping, MappingSpec):
        if mapping.kind != kind:
            raise ValidationError(
                {
                    "mapping": _("This mapping is for %(mapping)s, not %(kind)s.")
                    % {"mapping": mapping.kind, "kind": kind}
                }
            )
        return mapping
    if isinstance(mapping, ImportMapping):
        if mapping.kind != kind:
            raise ValidationError(
                {
                    "mapping": _("This mapping is for %(mapping)s, not %(kind)s.")
                    % {"mapping": mapping.kind, "kind": kind}
                }
            )
        return mapping_of(mapping)
    if isinstance(mapping, Mapping) and "columns" in mapping:
        return mapping_parse(mapping, kind=kind)
    return mapping_parse({"columns": dict(mapping)}, kind=kind)
