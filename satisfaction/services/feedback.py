"""Recording feedback: the one write path for satisfaction records.

Forms, the API, file imports, surveys and tasks all call `record_satisfaction`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from satisfaction.models import Complaint, Customer, SatisfactionRecord, ServiceTicket, ServiceType

# Callables run after a record commits (alert evaluation, snapshot refresh); each takes the record id.
# Apps that own that work register here, so this module does not import them.
_after_commit_hooks: list = []


def register_after_record_hook(func):
    """Run `func(record_id)` after every newly recorded satisfaction record commits."""
    if func not in _after_commit_hooks:
        _after_commit_hooks.append(func)
    return func


def _resolve(model, value, field: str, lookup: str = "pk"):
    if value is None or isinstance(value, model):
        return value
    try:
        return model.objects.get(**{lookup: value})
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({field: f"Unknown {field}: {value!r}."}) from None


def _to_score(value) -> Decimal:
    try:
        return Decimal(str(value)).normalize() if value is not None and value != "" else None
    except InvalidOperation:
        raise ValidationError({"score": f"Score must be a number from 1.0 to 5.0, got {value!r}."}) from None


@transaction.atomic
def record_satisfaction(
    *,
    customer: Customer | int,
    service_type: ServiceType | str,
    score,
    feedback: str = "",
    response_time_hours: float | None = None,
    accuracy_score: int | None = None,
    completeness_score: int | None = None,
    channel: str = SatisfactionRecord.Channel.FORM,
    ticket: ServiceTicket | int | None = None,
    complaint: Complaint | int | None = None,
    recorded_by=None,
    external_id: str | None = None,
    created_at=None,
) -> tuple[SatisfactionRecord, bool]:
    """Validate and save one satisfaction record; returns `(record, created)`.

    Idempotent on `external_id`: a retry returns the record saved first (created=False), never a
    duplicate, also when two requests race. Raises `ValidationError` naming each bad field.
    """
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = SatisfactionRecord.objects.filter(external_id=external_id).first()
        if existing:
            return existing, False

    customer = _resolve(Customer, customer, "customer")
    if isinstance(service_type, str) and not service_type.isdigit():
        service_type = _resolve(ServiceType, service_type, "service_type", lookup="code")
    else:
        service_type = _resolve(ServiceType, service_type, "service_type")
    ticket = _resolve(ServiceTicket, ticket, "ticket")
    complaint = _resolve(Complaint, complaint, "complaint")

    record = SatisfactionRecord(
        external_id=external_id,
        customer=customer,
        service_type=service_type,
        score=_to_score(score),
        feedback=(feedback or "").strip(),
        response_time_hours=response_time_hours,
        accuracy_score=accuracy_score,
        completeness_score=completeness_score,
        channel=channel,
        ticket=ticket,
        complaint=complaint,
        recorded_by=recorded_by,
        created_at=created_at or timezone.now(),
    )
    errors = {}
    for field, linked in (("ticket", ticket), ("complaint", complaint)):
        if linked is not None and customer is not None and linked.contract.customer_id != customer.pk:
            errors[field] = f"This {field} belongs to another customer."
    try:
        # validate_unique is left to the database, where it is race-free.
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)

    # A rating typed in by the person who handled the ticket/complaint is not the customer's voice.
    handler_ids = {obj.agent_id for obj in (ticket, complaint) if obj is not None and obj.agent_id}
    record.self_rated = bool(recorded_by is not None and recorded_by.pk in handler_ids)

    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Another request saved the same external_id first: return that one.
        if external_id:
            existing = SatisfactionRecord.objects.filter(external_id=external_id).first()
            if existing:
                return existing, False
        raise

    for hook in _after_commit_hooks:
        transaction.on_commit(lambda hook=hook, pk=record.pk: hook(pk))
    return record, True
