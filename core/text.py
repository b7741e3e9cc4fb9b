"""Text hygiene in one place: what a person or a file sends is stored without control characters.

Tab and newline stay (comments have paragraphs); carriage returns become newlines; every other C0/C1 control
character — NUL among them, which PostgreSQL refuses and SQLite stores — is removed. Spreadsheets cannot hold
them either, so exports go through `printable` too and cannot fail on text stored before this rule.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def printable(value: str) -> str:
    """`value` without control characters other than tab and newline (CR LF and CR become LF)."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
