"""A file's header row read as one import kind's fields: a mapping's columns first, then the built-in headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from satisfaction.imports.kinds import COLUMNS, header_aliases, normalise_header
from satisfaction.imports.mappings import IGNORE, MappingSpec, allowed_fields, mapping_coerce


@dataclass
class HeaderMap:
    """How a file's header row maps onto a kind's fields."""

    index: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def map_headers(*, kind: str, headers: list[str], mapping: MappingSpec | Mapping[str, str] | None = None) -> HeaderMap:
    """Match each header to its field(s): the mapping first, then the English/Chinese aliases of the kind.

    A column the mapping names may feed several fields; an alias never takes a field the mapping gave away.
    """
    spec = mapping_coerce(mapping, kind=kind)
    aliases = header_aliases(kind)
    fields = allowed_fields(kind) - {IGNORE}
    custom = spec.targets()
    result = HeaderMap()
    claimed = {name for names in custom.values() for name in names}
    for position, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        if key in custom:
            targets = custom[key]
        else:
            alias = aliases.get(key)
            targets = [alias] if alias is not None and alias not in claimed else [None]
        for target in targets:
            if target == IGNORE:
                continue
            if target is None or target not in fields:
                result.unknown.append(header.strip())
                continue
            if target in result.index:
                result.problems.append(
                    f"Columns {result.labels[target]!r} and {header.strip()!r} both mean {target!r}."
                )
                continue
            result.index[target] = position
            result.labels[target] = header.strip()
    for column in COLUMNS[kind]:
        if column.required and column.name not in result.index:
            accepted = ", ".join([column.name, *column.headers[:3]])
            result.problems.append(f"Required column {column.name!r} is missing (accepted headers: {accepted}).")
    return result
