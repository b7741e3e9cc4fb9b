"""crm writes: customers, contracts and contacts, and the announcement that a customer's segment may have changed.

A customer's segment priority is the lowest `contact_priority` of its contacts (DESIGN §2), so adding,
removing or moving a contact, or changing its priority, can move the customer to another segment. The API
and the admin call these functions; the contacts file import announces its customers itself
(`segment_may_have_changed`). Subscribers (the analytics snapshot recompute) register with
`register_segment_change_hook`, so this module does not import them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.services import model_create, model_update
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType

logger = logging.getLogger(__name__)

# Fields each entity's write paths may set.
CUSTOMER_FIELDS = ("external_id", "name", "industry", "tier", "created_at")
CONTRACT_FIELDS = ("external_id", "customer", "number", "service_type", "start_date", "end_date", "value")
CONTACT_FIELDS = ("external_id", "customer", "name", "contact_priority", "email", "phone", "language")

# Callables run after a write that may have changed a customer's segment commits; each takes the customer id.
_segment_change_hooks: list[Callable[[int], Any]] = []


def register_segment_change_hook(func):
    """Run `func(customer_id)` once per affected customer after a write that may change its segment commits."""
    if func not in _segment_change_hooks:
        _segment_change_hooks.append(func)
    return func


def segment_may_have_changed(*, customer_ids: Iterable[int | None]) -> None:
    """Tell the subscribers, once the current transaction commits, that these customers' segments may differ.

    Each distinct customer is announced once. Called outside a transaction, the subscribers run at once.
    """
    distinct = sorted({pk for pk in customer_ids if pk is not None})
    if distinct:
        transaction.on_commit(lambda: _run_segment_change_hooks(distinct))


def _run_segment_change_hooks(customer_ids: list[int]) -> None:
    for customer_id in customer_ids:
        for hook in list(_segment_change_hooks):
            try:
                hook(customer_id)
            except Exception:
                # The contact is saved already; a failing subscriber (e.g. broker down) must not fail the write.
                # The nightly snapshot rebuild repairs what was missed.
                logger.exception("Segment-change hook %r failed for customer %s", hook, customer_id)


@transaction.atomic
def customer_create(*, data: Mapping[str, Any]) -> Customer:
    """Validate and save a new customer."""
    return model_create(model=Customer, data=data, fields=CUSTOMER_FIELDS)


@transaction.atomic
def customer_update(*, customer: Customer, data: Mapping[str, Any]) -> Customer:
    """Change the fields of a customer given in `data`."""
    return model_update(instance=customer, data=data, fields=CUSTOMER_FIELDS)[0]


@transaction.atomic
def service_type_create(*, name: str, code: str = "") -> ServiceType:
    """A new service type named `name` in both languages (editable later); the code is made from the name."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A service type needs a name.")})
    base = (code or slugify(name).replace("-", "_"))[:40] or "type_" + hashlib.sha1(name.encode()).hexdigest()[:8]
    code, n = base, 1
    while ServiceType.objects.filter(code=code).exists():
        n += 1
        code = f"{base}_{n}"
    service_type = ServiceType(code=code, name_en=name[:100], name_zh=name[:100])
    service_type.full_clean()
    service_type.save()
    return service_type


@transaction.atomic
def contract_create(*, data: Mapping[str, Any]) -> Contract:
    """Validate and save a new contract."""
    return model_create(model=Contract, data=data, fields=CONTRACT_FIELDS)


@transaction.atomic
def contract_update(*, contract: Contract, data: Mapping[str, Any]) -> Contract:
    """Change the fields of a contract given in `data`."""
    return model_update(instance=contract, data=data, fields=CONTRACT_FIELDS)[0]


def _external_id(value: str | None) -> str | None:
    return (value or "").strip() or None


@transaction.atomic
def contact_create(
    *,
    customer: Customer,
    name: str,
    contact_priority: int = 3,
    email: str = "",
    phone: str = "",
    language: str = Contact.Language.ZH,
    external_id: str | None = None,
) -> Contact:
    """Validate and save a new contact; its customer's segment is recomputed once the contact commits."""
    contact = Contact(
        external_id=_external_id(external_id),
        customer=customer,
        name=name,
        contact_priority=contact_priority,
        email=email,
        phone=phone,
        language=language,
    )
    contact.full_clean()
    contact.save()
    segment_may_have_changed(customer_ids=[contact.customer_id])
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: Mapping[str, Any]) -> Contact:
    """Change the fields of a contact given in `data`; unknown fields are an error.

    Only a change of priority or of customer can move a customer to another segment: then the old and the
    new customer are announced once the change commits, and nothing is announced for other edits.
    """
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be edited here.") for field in sorted(unknown)})
    # Compared with the stored row, not the instance, which a form may have changed already.
    stored = (
        Contact.objects.select_for_update().filter(pk=contact.pk).values_list("customer_id", "contact_priority").first()
    )
    if stored is None:
        raise ValidationError(_("That contact does not exist any more."))
    for field, value in data.items():
        setattr(contact, field, _external_id(value) if field == "external_id" else value)
    contact.full_clean()
    contact.save()
    old_customer_id, old_priority = stored
    if contact.customer_id != old_customer_id or contact.contact_priority != old_priority:
        segment_may_have_changed(customer_ids=[old_customer_id, contact.customer_id])
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Delete a contact; its customer's segment is recomputed once the deletion commits."""
    customer_id = contact.customer_id
    contact.delete()
    segment_may_have_changed(customer_ids=[customer_id])


@transaction.atomic
def contact_bulk_delete(*, contacts: QuerySet[Contact]) -> int:
    """Delete many contacts in one transaction; each customer concerned is announced once. Returns how many."""
    customer_ids = set(contacts.order_by().values_list("customer_id", flat=True).distinct())
    _, per_model = contacts.delete()
    segment_may_have_changed(customer_ids=customer_ids)
    return per_model.get(Contact._meta.label, 0)
