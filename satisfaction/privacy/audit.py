"""The audit side of personal-data actions: who did what and why, and an audit history that keeps no erased value.

The automatic audit entry of a change stores the old value, so an erasure written through it would keep the very
text it removes. The erasure and the retention therefore write with the automatic log switched off and record
their own entries (field names, "[erased]" for the old value, the actor, the reason), then mask the erased fields in
the rows' earlier entries, so the audit log shows that and when something was held, not what it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

ERASED = "[erased]"
CHUNK = 500


class Scrubber:
    """Replaces the subject's identifying strings (names, e-mails, phones) wherever they were copied into text."""

    def __init__(self, replacements: dict[str, str]):
        # Longest first, so a full name is replaced before a part of it.
        self.replacements = sorted(replacements.items(), key=lambda item: len(item[0]), reverse=True)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            for old, new in self.replacements:
                if old in value:
                    value = value.replace(old, new)
            return value
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        return value


def audited(model: type[Model]) -> bool:
    return auditlog.contains(model)


def entry(
    *, instance: Model, action: int, actor, changes: dict | None, context: dict[str, Any], repr_: str | None = None
) -> LogEntry:
    """An unsaved audit entry for `instance` saying who (`actor`) and why (`context`: action, reason, via)."""
    return LogEntry(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_pk=str(instance.pk),
        object_id=instance.pk if isinstance(instance.pk, int) else None,
        object_repr=repr_ if repr_ is not None else str(instance),
        action=action,
        changes=changes,
        changes_text="",
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", None) or None,
        additional_data=context,
    )


def erased_changes(new_values: dict[str, Any], *, hidden: Iterable[str] = ()) -> dict[str, list]:
    """The `changes` of an erasure entry: the old value is never written; a new token (`hidden`) is not shown either."""
    hidden = set(hidden)
    return {
        field: [ERASED, ERASED if field in hidden else value if isinstance(value, str) else json.dumps(value)]
        for field, value in new_values.items()
    }


def scrub_history(*, model: type[Model], pks: Iterable, fields: Iterable[str], scrubber: Scrubber | None = None) -> int:
    """Mask `fields` in the earlier audit entries of these rows, and replace the subject's strings in the rest.

    Returns how many entries changed.
    """
    if not audited(model):
        return 0
    fields = set(fields)
    content_type = ContentType.objects.get_for_model(model)
    keys = [str(pk) for pk in pks]
    changed = 0
    for start in range(0, len(keys), CHUNK):
        batch = []
        entries = LogEntry.objects.filter(content_type=content_type, object_pk__in=keys[start : start + CHUNK])
        for log in entries.iterator():
            before = (log.object_repr, log.changes, log.changes_text, log.serialized_data)
            changes = log.changes if isinstance(log.changes, dict) else None
            if changes:
                changes = {
                    key: ([ERASED if v not in (None, "") else v for v in value] if isinstance(value, list) else ERASED)
                    if key in fields
                    else value
                    for key, value in changes.items()
                }
            if scrubber is not None:
                log.object_repr = scrubber(log.object_repr)
                changes = scrubber(changes)
                log.changes_text = scrubber(log.changes_text)
                log.serialized_data = scrubber(log.serialized_data)
            log.changes = changes if changes is not None else log.changes
            if (log.object_repr, log.changes, log.changes_text, log.serialized_data) != before:
                batch.append(log)
        LogEntry.objects.bulk_update(batch, ["object_repr", "changes", "changes_text", "serialized_data"])
        changed += len(batch)
    return changed
