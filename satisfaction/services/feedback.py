"""Recording feedback: the one write path for satisfaction records.

Forms, the API, file imports, surveys and tasks all call `record_satisfaction`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from satisfaction.models import Complaint, Customer, SatisfactionRecord, ServiceTicket, ServiceType
from satisfaction.services.imports import vocab
from satisfaction.services.imports.engine import BatchResult, BatchSpec, CleanRow, ErrorSink, RowInvalid, run_batch

logger = logging.getLogger(__name__)

# Callables run after a record commits (alert evaluation, snapshot refresh); each takes the record id.
# Apps that own that work register here, so this module does not import them.
_after_commit_hooks: list = []


def register_after_record_hook(func):
    """Run `func(record_id)` after every newly recorded satisfaction record commits."""
    if func not in _after_commit_hooks:
        _after_commit_hooks.append(func)
    return func


# Callables run once after a bulk import of feedback commits; each takes the list of new record ids.
_after_batch_hooks: list = []


def register_after_batch_hook(func):
    """Run `func(record_ids)` once after a batch of new satisfaction records commits."""
    if func not in _after_batch_hooks:
        _after_batch_hooks.append(func)
    return func


def _resolve(model, value, field: str, lookup: str = "pk"):
    if value is None or isinstance(value, model):
        return value
    try:
        return model.objects.get(**{lookup: value})
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError({field: f"Unknown {field}: {value!r}."}) from None


SCORE_MIN = Decimal("1.0")
SCORE_MAX = Decimal("5.0")
_ONE_TENTH = Decimal("0.1")
_CHANNELS = frozenset(SatisfactionRecord.Channel.values)


def _to_score(value) -> Decimal:
    """A score 1.0–5.0 with at most one decimal place; raises ValueError with the reason."""
    if value is None or value == "":
        raise ValueError("Score is required: a number from 1.0 to 5.0.")
    try:
        score = Decimal(value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"Score must be a number from 1.0 to 5.0, got {value!r}.") from None
    if not score.is_finite() or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValueError(f"Score must be a number from 1.0 to 5.0, got {value!r}.")
    rounded = score.quantize(_ONE_TENTH)
    if rounded != score:
        raise ValueError(f"Score takes at most one decimal place, got {value!r}.")
    return rounded


def validate_record_fields(
    *,
    score,
    feedback: str | None = "",
    response_time_hours=None,
    accuracy_score=None,
    completeness_score=None,
    channel: str | None = SatisfactionRecord.Channel.FORM,
    created_at=None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The field rules of a satisfaction record, shared by `record_satisfaction` and the batch import.

    Takes raw values (strings from a file or typed values from a form) and returns `(values, errors)`:
    the cleaned values by field name, and one message per bad field.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        values["score"] = _to_score(score)
    except ValueError as exc:
        errors["score"] = str(exc)
    values["feedback"] = (feedback or "").strip() if isinstance(feedback, str | None) else str(feedback).strip()
    for name, value, parse in (
        ("response_time_hours", response_time_hours, vocab.parse_float),
        ("accuracy_score", accuracy_score, _sub_score),
        ("completeness_score", completeness_score, _sub_score),
        ("channel", channel, _channel),
        ("created_at", created_at, vocab.parse_datetime),
    ):
        if value is None or value == "":
            values[name] = None
            continue
        try:
            values[name] = parse(value)
        except RowInvalid as exc:
            errors[name] = exc.reason
    if values.get("channel", "") is None:
        errors["channel"] = "Channel is required."
    if values.get("created_at", "") is None:
        values["created_at"] = timezone.now()
    return values, errors


def _sub_score(value) -> int:
    return vocab.parse_int(value, low=1, high=5)


def _channel(value) -> str:
    if value in _CHANNELS:
        return value
    return vocab.parse_channel(value)


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

    values, errors = validate_record_fields(
        score=score,
        feedback=feedback,
        response_time_hours=response_time_hours,
        accuracy_score=accuracy_score,
        completeness_score=completeness_score,
        channel=channel,
        created_at=created_at,
    )
    values = {k: v for k, v in values.items() if k not in errors}
    record = SatisfactionRecord(
        external_id=external_id,
        customer=customer,
        service_type=service_type,
        ticket=ticket,
        complaint=complaint,
        recorded_by=recorded_by,
        **values,
    )
    for field, linked in (("ticket", ticket), ("complaint", complaint)):
        if linked is not None and customer is not None and linked.contract.customer_id != customer.pk:
            errors[field] = f"This {field} belongs to another customer."
    try:
        # validate_unique is left to the database, where it is race-free.
        record.full_clean(validate_unique=False, validate_constraints=False, exclude=list(errors))
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


# Fields a batch row may carry (file columns are mapped to these names by the import layer).
BATCH_FIELDS = (
    "external_id", "customer", "service_type", "score", "feedback", "response_time_hours",
    "accuracy_score", "completeness_score", "channel", "created_at", "ticket", "complaint",
)  # fmt: skip
BATCH_REQUIRED = ("external_id", "customer", "service_type", "score")


class _FeedbackBatch(BatchSpec):
    """Batch rules for satisfaction records: the same field validation as `record_satisfaction`, resolved in bulk."""

    model = SatisfactionRecord

    def __init__(self, *, channel: str, recorded_by):
        self.channel = channel
        self.recorded_by = recorded_by
        self.service_types: dict[str, int] = {}
        for pk, code, name_en, name_zh in ServiceType.objects.values_list("pk", "code", "name_en", "name_zh"):
            for key in (code, name_en, name_zh):
                self.service_types[key.strip().lower()] = pk
        self._customers: dict[str, int] = {}

    def clean_chunk(self, chunk, errors: ErrorSink) -> list[CleanRow]:
        parsed = []
        for row_no, raw in chunk:
            values, bad = validate_record_fields(
                score=raw.get("score"),
                feedback=raw.get("feedback"),
                response_time_hours=raw.get("response_time_hours"),
                accuracy_score=raw.get("accuracy_score"),
                completeness_score=raw.get("completeness_score"),
                channel=raw.get("channel") or self.channel,
                created_at=raw.get("created_at"),
            )
            keys = {name: _key(raw.get(name)) for name in _KEY_FIELDS}
            for name in ("external_id", "customer"):
                if not keys[name]:
                    bad[name] = f"{name.replace('_', ' ').capitalize()} is required."
            if keys["external_id"] and len(keys["external_id"]) > 64:
                bad["external_id"] = "At most 64 characters."
            service_key = _key(raw.get("service_type"))
            values["service_type_id"] = self.service_types.get(service_key.lower())
            if values["service_type_id"] is None:
                bad["service_type"] = (
                    f"Unknown service type {service_key!r}." if service_key else "Service type is required."
                )
            parsed.append((row_no, raw, keys, values, bad))
        customers = self._resolve_customers({p[2]["customer"] for p in parsed if p[2]["customer"]})
        links = {
            name: _resolve_links(model, {p[2][name] for p in parsed if p[2][name]})
            for name, model in (("ticket", ServiceTicket), ("complaint", Complaint))
        }
        recorded_by_id = getattr(self.recorded_by, "pk", None)
        cleaned = []
        for row_no, raw, keys, values, bad in parsed:
            customer_id = customers.get(keys["customer"])
            if keys["customer"] and customer_id is None:
                bad["customer"] = f"Unknown customer id {keys['customer']!r}."
            handler_ids = set()
            for name in ("ticket", "complaint"):
                values[f"{name}_id"] = None
                if not keys[name]:
                    continue
                link = links[name].get(keys[name])
                if link is None:
                    bad[name] = f"Unknown {name} id {keys[name]!r}."
                elif customer_id is not None and link[1] != customer_id:
                    bad[name] = f"This {name} belongs to another customer."
                else:
                    values[f"{name}_id"] = link[0]
                    if link[2]:
                        handler_ids.add(link[2])
            if bad:
                for name, reason in bad.items():
                    errors.add(row_no, name, raw.get(name), reason)
                continue
            values.update(
                external_id=keys["external_id"],
                customer_id=customer_id,
                recorded_by_id=recorded_by_id,
                self_rated=recorded_by_id is not None and recorded_by_id in handler_ids,
            )
            cleaned.append(CleanRow(row=row_no, external_id=keys["external_id"], values=values))
        return cleaned

    def _resolve_customers(self, keys: set[str]) -> dict[str, int]:
        missing = [k for k in keys if k not in self._customers]
        if len(self._customers) > 200_000:
            self._customers.clear()  # keep memory flat on files with very many distinct customers
        for start in range(0, len(missing), 900):
            part = missing[start : start + 900]
            self._customers.update(Customer.objects.filter(external_id__in=part).values_list("external_id", "pk"))
        return {k: self._customers[k] for k in keys if k in self._customers}

    def on_commit(self, created_ids: list[int]) -> None:
        if not created_ids:
            return
        for hook in _after_batch_hooks:
            try:
                hook(created_ids)
            except Exception:
                # A failing subscriber (e.g. broker down) must not undo or fail the import; sweeps catch up.
                logger.exception("After-batch hook %r failed for %d records", hook, len(created_ids))


_KEY_FIELDS = ("external_id", "customer", "ticket", "complaint")


def _key(value) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    return vocab.text(value).strip()


def _resolve_links(model, keys: set[str]) -> dict[str, tuple[int, int, int | None]]:
    """Tickets or complaints by external id → (pk, customer id, agent id)."""
    found = {}
    keys = list(keys)
    for start in range(0, len(keys), 900):
        rows = model.objects.filter(external_id__in=keys[start : start + 900]).values_list(
            "external_id", "pk", "contract__customer_id", "agent_id"
        )
        found.update({ext: (pk, customer_id, agent_id) for ext, pk, customer_id, agent_id in rows})
    return found


def record_satisfaction_batch(
    *,
    rows: Iterable[Mapping[str, Any] | tuple[int, Mapping[str, Any]]],
    channel: str = SatisfactionRecord.Channel.IMPORT,
    recorded_by=None,
    dry_run: bool = False,
    errors: ErrorSink | None = None,
    on_progress: Callable[[int, str], None] | None = None,
) -> BatchResult:
    """Validate and save many satisfaction records at once, all or nothing; returns a `BatchResult`.

    Each row is a mapping with the keys in BATCH_FIELDS (raw strings are fine): `customer`, `ticket` and
    `complaint` are external ids, `service_type` a code or name. Rows may be `(row_number, mapping)` pairs.
    The field rules are those of `record_satisfaction`. Idempotent on `external_id`: rows already saved are
    skipped. Any row error writes nothing; `register_after_batch_hook` subscribers run once on commit.
    """
    numbered = ((pair if isinstance(pair, tuple) else (i, pair)) for i, pair in enumerate(rows, start=1))
    spec = _FeedbackBatch(channel=channel, recorded_by=recorded_by)
    return run_batch(spec=spec, rows=numbered, dry_run=dry_run, errors=errors, on_progress=on_progress)
