"""Accounts in the audit log: users, groups (a role is a group, so a role change is a group-membership change) and
API tokens (probe finding 11).

Users and groups are registered with django-auditlog like the domain models. A token's primary key *is* its
secret, which django-auditlog would store as the entry's object id and text, so tokens get entries of their own:
one per token created or deleted, filed under the token's model with the owner's id, never the key.

`log_updates` writes the entries of rows a service updated in bulk, past the signals auditlog listens to.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import post_delete, post_save


def register_accounts() -> None:
    """Audit users (with their groups), groups (with their permissions) and API tokens."""
    from auditlog.registry import auditlog
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    if not auditlog.contains(user_model):
        # A password change is recorded, never its hash; a login is not a change to the account.
        auditlog.register(
            user_model,
            m2m_fields={"groups", "user_permissions"},
            exclude_fields=["last_login"],
            mask_fields=["password"],
            mask_callable="core.audit.hidden",
        )
    if not auditlog.contains(Group):
        auditlog.register(Group, m2m_fields={"permissions"})
    post_save.connect(_token_saved, sender=Token, dispatch_uid="audit_token_saved")
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="audit_token_deleted")


def hidden(value) -> str:
    """What the audit log shows for a secret: that it changed, not what it is."""
    return "********"


def _token_entry(token, action: int, changes: dict) -> None:
    from auditlog.context import auditlog_disabled
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    if auditlog_disabled.get():
        return
    user = token.user
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(token)),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=f"API token of {user.get_username()}",
        action=action,
        changes=changes,
    )


def _token_saved(sender, instance, created, raw=False, **kwargs):
    from auditlog.models import LogEntry

    if created and not raw:
        _token_entry(instance, LogEntry.Action.CREATE, {"user": ["None", instance.user.get_username()]})


def _token_deleted(sender, instance, **kwargs):
    from auditlog.models import LogEntry

    _token_entry(instance, LogEntry.Action.DELETE, {"user": [instance.user.get_username(), "None"]})


UPDATE_ENTRY_BATCH = 1000


def log_updates(changed: list[tuple[Any, Any, list[str]]]) -> int:
    """Write the audit entries of rows updated without `save()`: one per `(old, new, fields)`, in bulk.

    The same entry `save(update_fields=fields)` would get from django-auditlog: its diff of those fields, the
    object's text, the correlation id, and the request's or import's context (actor, extra data), which auditlog
    adds in a `pre_save` receiver on the entry, sent here for each one since `bulk_create` sends none. Rows whose
    diff is empty get no entry; returns how many entries were written.
    """
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_disabled
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import pre_save
    from django.utils.encoding import smart_str

    if not changed or auditlog_disabled.get(False) or not auditlog.contains(type(changed[0][1])):
        return 0
    content_type = ContentType.objects.get_for_model(type(changed[0][1]))
    cid = get_cid()
    as_json = settings.AUDITLOG_STORE_JSON_CHANGES
    entries = []
    for old, new, fields in changed:
        diff = model_instance_diff(old, new, fields_to_check=fields, use_json_for_changes=as_json)
        if not diff:
            continue
        entry = LogEntry(
            content_type=content_type,
            object_pk=str(new.pk),
            object_id=new.pk,
            object_repr=smart_str(new),
            action=LogEntry.Action.UPDATE,
            changes=diff,
            cid=cid,
        )
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=entry._state.db, update_fields=None)
        entries.append(entry)
    _insert_entries(entries)
    return len(entries)


def _insert_entries(entries: list) -> None:
    """The entries in one `executemany` of their fields' database values.

    What `bulk_create` would write, without its per-value SQL assembly, which cost three quarters of the entries'
    time in a re-import of 200,000 records (20,000 changed). Entries get no primary key back: none is read.
    """
    from auditlog.models import LogEntry
    from django.db import connections, router

    if not entries:
        return
    connection = connections[router.db_for_write(LogEntry)]
    fields = [field for field in LogEntry._meta.concrete_fields if not field.primary_key]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(LogEntry._meta.db_table)} ({', '.join(qn(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(entries), UPDATE_ENTRY_BATCH):
            rows = [
                [field.get_db_prep_save(field.pre_save(entry, True), connection) for field in fields]
                for entry in entries[start : start + UPDATE_ENTRY_BATCH]
            ]
            cursor.executemany(sql, rows)
