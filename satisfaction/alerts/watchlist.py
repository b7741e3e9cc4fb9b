"""The watch list: customers under watch, added by managers or by rules (alerts, risk), removed with history kept."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.models import Customer


def _active_entry(customer_id: int) -> WatchlistEntry | None:
    return WatchlistEntry.objects.select_for_update().filter(customer_id=customer_id, removed_at__isnull=True).first()


@transaction.atomic
def watchlist_add(*, customer: Customer, user, note: str = "", owner=None) -> WatchlistEntry:
    """Put a customer on the watch list by hand; raises ValidationError if the customer is already watched."""
    if _active_entry(customer.pk) is not None:
        raise ValidationError({"customer": _("%(customer)s is already on the watch list.") % {"customer": customer}})
    entry = WatchlistEntry(
        customer=customer,
        reason=WatchlistEntry.Reason.MANUAL,
        note=(note or "").strip(),
        added_by=user,
        owner=owner or user,
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationError(
            {"customer": _("%(customer)s is already on the watch list.") % {"customer": customer}}
        ) from None
    return entry


@transaction.atomic
def watchlist_add_by_rule(
    *, customer_id: int, reason: str, alert: SatisfactionAlert | None = None, details: dict | None = None
) -> WatchlistEntry | None:
    """Put a customer on the watch list for a rule (alert or risk), with the rule's numbers in `details` (worded
    when read, in the reader's language); returns None when already watched."""
    if _active_entry(customer_id) is not None:
        return None
    entry = WatchlistEntry(customer_id=customer_id, reason=reason, alert=alert, details=details or {})
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # A concurrent rule added the customer first: one active entry is the point.
        return None
    return entry


@transaction.atomic
def watchlist_assign_owner(*, entry: WatchlistEntry, owner, user) -> WatchlistEntry:
    """Make `owner` the manager who follows the account up."""
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        raise ValidationError({"entry": _("This customer is no longer on the watch list.")})
    entry.owner = owner
    entry.full_clean(validate_constraints=False)
    entry.save(update_fields=["owner"])
    return entry


@transaction.atomic
def watchlist_remove(*, entry: WatchlistEntry, user, note: str) -> WatchlistEntry:
    """Take a customer off the watch list, saying why; the entry stays as history."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the customer leaves the watch list.")})
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        raise ValidationError({"entry": _("This customer is no longer on the watch list.")})
    entry.removed_at = timezone.now()
    entry.removed_by = user
    entry.removal_note = note
    entry.full_clean(validate_constraints=False)
    entry.save(update_fields=["removed_at", "removed_by", "removal_note"])
    return entry
