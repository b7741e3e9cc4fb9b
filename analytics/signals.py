"""Receivers that keep the helpdesk pre-aggregates (`analytics.lib.helpdesk_snapshots`) in step with the cases.

Model signals rather than a service hook, because tickets and complaints also disappear past their services:
a contract or customer deleted (admin, privacy erasure) cascades to them. Every save and delete of a ticket,
complaint or contract marks the local days it touches (the old day too, when a case is re-dated or a contract
moves to another customer or service type); the days are collected per transaction and recomputed once it
commits (a task, like the record snapshots), so a bulk of writes recomputes each day once and a rolled-back
write recomputes nothing it changed (`recompute_pending` lets a reader in the same transaction see its own
writes). Imports insert cases without `save()` and send `cases_bulk_created`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable

from django.db import transaction

from analytics.lib.helpdesk_snapshots import KINDS, days_of, local_day
from satisfaction.crm.models import Contract

_pending = threading.local()
_FIELD = {model: field for model, field in KINDS.values()}


def _days() -> set[dt.date]:
    if not hasattr(_pending, "days"):
        _pending.days = set()
    return _pending.days


def mark_days(days: Iterable[dt.date | None]) -> None:
    """Recompute these local days once the current transaction commits (at once outside one)."""
    days = {d for d in days if d is not None}
    if days:
        _days().update(days)
        transaction.on_commit(_flush)


def recompute_pending() -> None:
    """Read your own writes: recompute now, in the current transaction, the days this thread marked and that
    are not recomputed yet (a page that saves a case and then shows the comparison before committing)."""
    from analytics.lib.helpdesk_snapshots import recompute_days

    days = sorted(_days())
    if days:
        _days().clear()
        recompute_days(days=days)


def _flush() -> None:
    from analytics.tasks import recompute_helpdesk_days  # the task module imports this one's neighbours
    from core.on_commit import send_safely

    days = sorted(_days())
    _days().clear()
    if days:
        send_safely(recompute_helpdesk_days, [d.isoformat() for d in days])


def case_pre_save(sender, instance, raw=False, **kwargs):
    """Remember the stored day of a case about to change (a re-dated case leaves its old day)."""
    if raw or instance._state.adding or instance.pk is None:
        return
    field = _FIELD[sender]
    stored = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()
    instance._helpdesk_stored_day = local_day(stored)


def case_post_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    mark_days([local_day(getattr(instance, _FIELD[sender])), instance.__dict__.pop("_helpdesk_stored_day", None)])


def case_post_delete(sender, instance, **kwargs):
    mark_days([local_day(getattr(instance, _FIELD[sender]))])


def cases_bulk_created(sender, ids, **kwargs):
    kind = next(kind for kind, (model, _) in KINDS.items() if model is sender)
    mark_days(days_of(**{"ticket_ids" if kind == "tickets" else "complaint_ids": ids}))


def contract_pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._helpdesk_stored_key = (
        Contract.objects.filter(pk=instance.pk).values_list("customer_id", "service_type_id").first()
    )


def contract_post_save(sender, instance, created=False, raw=False, **kwargs):
    """A contract moved to another customer or service type moves its cases' buckets."""
    stored = instance.__dict__.pop("_helpdesk_stored_key", None)
    if raw or created or stored is None or stored == (instance.customer_id, instance.service_type_id):
        return
    mark_days(days_of(contract_id=instance.pk))


def connect() -> None:
    """Connect the receivers (from `AnalyticsConfig.ready`)."""
    from django.db.models.signals import post_delete, post_save, pre_save

    from satisfaction.helpdesk.signals import cases_bulk_created as bulk_signal

    for model in _FIELD:
        pre_save.connect(case_pre_save, sender=model, dispatch_uid=f"helpdesk_snapshots_pre_{model.__name__}")
        post_save.connect(case_post_save, sender=model, dispatch_uid=f"helpdesk_snapshots_post_{model.__name__}")
        post_delete.connect(case_post_delete, sender=model, dispatch_uid=f"helpdesk_snapshots_del_{model.__name__}")
        bulk_signal.connect(cases_bulk_created, sender=model, dispatch_uid=f"helpdesk_snapshots_bulk_{model.__name__}")
    pre_save.connect(contract_pre_save, sender=Contract, dispatch_uid="helpdesk_snapshots_contract_pre")
    post_save.connect(contract_post_save, sender=Contract, dispatch_uid="helpdesk_snapshots_contract_post")
