"""Recording feedback: the one write path for satisfaction records.

Forms, the API, file imports, surveys and tasks all call `record_satisfaction`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cells as vocab
from core.audit import log_updates
from core.batch import (
    BatchResult,
    BatchSpec,
    CleanChunk,
    ColumnMemo,
    ErrorSink,
    RawChunk,
    RowInvalid,
    chunked,
    parse_column,
    run_batch,
)
from core.text import printable
from satisfaction.crm.models import Customer, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket

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


@contextmanager
def hooks_replaced(*, after_record: list | None = None, after_batch: list | None = None):
    """Run a block with these after-record / after-batch hooks instead of the registered ones (`[]` switches
    them off); the registry is restored afterwards. For tests, benchmarks and bulk tools."""
    saved = list(_after_commit_hooks), list(_after_batch_hooks)
    try:
        if after_record is not None:
            _after_commit_hooks[:] = after_record
        if after_batch is not None:
            _after_batch_hooks[:] = after_batch
        yield
    finally:
        _after_commit_hooks[:], _after_batch_hooks[:] = saved


def _unknown_link(name: str, key: str) -> str:
    if name == "ticket":
        return _("Unknown ticket id '%(id)s'.") % {"id": key}
    return _("Unknown complaint id '%(id)s'.") % {"id": key}


def _other_customer(name: str) -> str:
    return (
        _("This ticket belongs to another customer.")
        if name == "ticket"
        else _("This complaint belongs to another customer.")
    )


def _resolve(model, value, field: str, lookup: str = "pk"):
    if value is None or isinstance(value, model):
        return value
    try:
        return model.objects.get(**{lookup: value})
    except (model.DoesNotExist, ValueError, TypeError):
        raise ValidationError(
            {field: _("Unknown %(field)s: '%(value)s'.") % {"field": field, "value": value}}
        ) from None


# The limits of a record's fields, whatever the surface (form, API, import, survey): the rules below enforce them,
# the form and the API serializer declare the same numbers (the browser's hints, the schema's maxLength/maximum).
FEEDBACK_MAX_CHARS = 10_000
RESPONSE_HOURS_MAX = 1e6

SCORE_MIN = Decimal("1.0")
SCORE_MAX = Decimal("5.0")
_ONE_TENTH = Decimal("0.1")
_CHANNELS = frozenset(SatisfactionRecord.Channel.values)


def _to_score(value) -> Decimal:
    """A score 1.0–5.0 with at most one decimal place; raises RowInvalid with the reason."""
    if value is None or value == "":
        raise RowInvalid(_("Score is required: a number from 1.0 to 5.0."))
    try:
        score = Decimal(value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise RowInvalid(_("Score must be a number from 1.0 to 5.0, got '%(value)s'.") % {"value": value}) from None
    if not score.is_finite() or not SCORE_MIN <= score <= SCORE_MAX:
        raise RowInvalid(_("Score must be a number from 1.0 to 5.0, got '%(value)s'.") % {"value": value})
    rounded = score.quantize(_ONE_TENTH)
    if rounded != score:
        raise RowInvalid(_("Score takes at most one decimal place, got '%(value)s'.") % {"value": value})
    return rounded


def _optional(parse, *, empty=None):
    """A rule for an optional field: None or "" gives `empty()` (or None), anything else goes to `parse`."""

    def rule(value):
        if value is None or value == "":
            return empty() if empty else None
        return parse(value)

    return rule


def _text(value) -> str:
    return printable(value.strip() if isinstance(value, str) else str(value).strip())


def _feedback(value) -> str:
    text = _text(value)
    if len(text) > FEEDBACK_MAX_CHARS:
        raise RowInvalid(
            _("Feedback takes at most %(max)s characters, got %(n)s.")
            % {"max": f"{FEEDBACK_MAX_CHARS:,}", "n": len(text)}
        )
    return text


def _response_hours(value) -> float:
    hours = vocab.parse_float(value)
    if hours > RESPONSE_HOURS_MAX:
        raise RowInvalid(_("Response time takes at most %(max)s hours.") % {"max": f"{RESPONSE_HOURS_MAX:,.0f}"})
    return hours


def _channel_required():
    raise RowInvalid(_("Channel is required."))


def _record_rules():
    """Field name → rule (a cell in, the value out or RowInvalid), in the order errors are reported."""
    return {
        "score": _to_score,
        "feedback": _optional(_feedback, empty=str),
        "response_time_hours": _optional(_response_hours),
        "accuracy_score": _optional(_sub_score),
        "completeness_score": _optional(_sub_score),
        "channel": _optional(_channel, empty=_channel_required),
        "created_at": _optional(vocab.parse_datetime, empty=timezone.now),
    }


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
    the cleaned values by field name, and one message per bad field. The batch applies the same rules
    column by column (`_FeedbackBatch`).
    """
    raw = {
        "score": score,
        "feedback": feedback,
        "response_time_hours": response_time_hours,
        "accuracy_score": accuracy_score,
        "completeness_score": completeness_score,
        "channel": channel,
        "created_at": created_at,
    }
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, rule in _record_rules().items():
        try:
            values[name] = rule(raw[name])
        except RowInvalid as exc:
            errors[name] = exc.reason
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
# What a person may change on a saved record: the answer itself. Who, what, when and how it came in stay
# as recorded (they place the record in its snapshot bucket and its alert scope).
MAX_BULK_RECORDS = 1000


@transaction.atomic
def record_satisfaction_many(
    *, items: list[Mapping[str, Any]], recorded_by=None
) -> list[tuple[SatisfactionRecord, bool]]:
    """Save up to MAX_BULK_RECORDS records, each by `record_satisfaction` (the same rules and side effects), all or
    nothing; returns `(record, created)` per item, in order.

    Idempotent per `external_id` like a single record: an item already saved (earlier, or earlier in the same
    batch) comes back with created=False. When any item is refused, nothing is saved and the ValidationError
    names every refused item's fields as `records[<index>].<field>`; its `by_index` holds the same errors as
    `{index: {field: messages}}`.
    """
    if not items:
        raise ValidationError({"records": [_("Send at least one record.")]})
    if len(items) > MAX_BULK_RECORDS:
        raise ValidationError(
            {
                "records": [
                    _("At most %(max)s records per request, got %(n)s.") % {"max": MAX_BULK_RECORDS, "n": len(items)}
                ]
            }
        )
    results, by_index = [], {}
    for index, item in enumerate(items):
        try:
            results.append(record_satisfaction(**item, recorded_by=recorded_by))
        except ValidationError as exc:
            by_index[index] = exc.message_dict
    if by_index:
        # Raising inside the atomic block rolls back the items already saved; their side effects were only
        # scheduled on commit, so none of them happen either.
        error = ValidationError(
            {f"records[{i}].{field}": messages for i, errors in by_index.items() for field, messages in errors.items()}
        )
        error.by_index = by_index
        raise error
    return results


RECORD_EDITABLE_FIELDS = ("score", "feedback", "response_time_hours", "accuracy_score", "completeness_score")


@transaction.atomic
def record_update(*, record: SatisfactionRecord, data: Mapping[str, Any]) -> SatisfactionRecord:
    """Change the answer of a saved record (a late rating, a corrected score) through the record rules.

    Its alerts are evaluated again and its snapshot bucket recomputed once the change commits, as for a new
    record; unknown or fixed fields are an error naming them. One change of `record_update_many`, so a manual
    edit and a re-import do the same.
    """
    return _records_update([(record.pk, data)])[record.pk]


MAX_UPDATE_CHUNK = 900  # ids per locking query: under SQLite's 999 bind parameters


@transaction.atomic
def record_update_many(*, changes: Sequence[tuple[int, Mapping[str, Any]]]) -> list[int]:
    """Change the answers of many saved records at once (a re-import), all or nothing; returns the ids changed.

    Each change is `(record id, {field: value})` and goes through the rules of `record_update`; a record whose
    values are already those is left untouched (no write, no audit entry, no alert evaluation). The changed rows
    are written with one statement per set of changed fields, their audit entries in bulk, and once the change
    commits the after-batch hooks run once for all of them: each alert is evaluated again once, each snapshot
    bucket recomputed once. A refused change is a ValidationError naming `records[<index>].<field>`.
    """
    return _records_update(changes).changed


class _Updated(dict):
    """{id: record} of the records the changes named, and `changed`: the ids whose values changed, in order."""

    changed: list[int]


def _records_update(changes: Sequence[tuple[int, Mapping[str, Any]]]) -> _Updated:
    """The one write path of `record_update` and `record_update_many`."""
    fixed = {field for _pk, data in changes for field in data} - set(RECORD_EDITABLE_FIELDS)
    if fixed:
        raise ValidationError({field: _("This field cannot be changed on a saved record.") for field in sorted(fixed)})
    records = _Updated()
    ids = [pk for pk, _data in changes]
    for start in range(0, len(ids), MAX_UPDATE_CHUNK):
        part = ids[start : start + MAX_UPDATE_CHUNK]
        locked = SatisfactionRecord.objects.select_for_update().select_related("customer", "service_type")
        records.update((record.pk, record) for record in locked.filter(pk__in=part))
    by_index: dict[int, dict[str, list[str]]] = {}
    rows: list[tuple[SatisfactionRecord, SatisfactionRecord, list[str]]] = []  # (before, after, changed fields)
    for index, (pk, data) in enumerate(changes):
        record = records.get(pk)
        if record is None:
            by_index[index] = {"record": [_("Unknown record id %(id)s.") % {"id": pk}]}
            continue
        current = {name: getattr(record, name) for name in RECORD_EDITABLE_FIELDS}
        values, errors = validate_record_fields(
            **{**current, **data}, channel=record.channel, created_at=record.created_at
        )
        errors = {name: message for name, message in errors.items() if name in RECORD_EDITABLE_FIELDS}
        changed = [name for name in RECORD_EDITABLE_FIELDS if name not in errors and values[name] != current[name]]
        if not errors and not changed:
            continue
        before = copy.copy(record)
        for name in changed:
            setattr(record, name, values[name])
        record.alerts_evaluated_at = None  # the alert pipeline claims it again, once
        # Only the changed fields and the model's own rules: the rest is as saved, its references checked then.
        keep = {*changed, "alerts_evaluated_at"}
        try:
            record.full_clean(
                exclude=[f.name for f in SatisfactionRecord._meta.fields if f.name not in keep],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors = {**exc.message_dict, **errors}
        if errors:
            by_index[index] = {name: [m] if isinstance(m, str) else m for name, m in errors.items()}
            continue
        rows.append((before, record, [*changed, "alerts_evaluated_at"]))
    if by_index:
        if len(changes) == 1:
            raise ValidationError(by_index[0])
        error = ValidationError(
            {f"records[{i}].{field}": messages for i, errors in by_index.items() for field, messages in errors.items()}
        )
        error.by_index = by_index
        raise error
    _write_changes(rows)
    log_updates(rows)
    records.changed = [after.pk for _before, after, _fields in rows]
    if len(records.changed) == 1:
        for hook in _after_commit_hooks:
            transaction.on_commit(lambda hook=hook, pk=records.changed[0]: hook(pk))
    elif records.changed:
        transaction.on_commit(lambda ids=records.changed: _run_batch_hooks(ids))
    return records


def _write_changes(rows: list[tuple[SatisfactionRecord, SatisfactionRecord, list[str]]]) -> None:
    """One `UPDATE … WHERE id = ?` statement per set of changed fields, run for all its rows at once."""
    by_fields: dict[tuple[str, ...], list[SatisfactionRecord]] = {}
    for _before, after, fields in rows:
        by_fields.setdefault(tuple(fields), []).append(after)
    meta = SatisfactionRecord._meta
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for fields, records in by_fields.items():
            columns = [meta.get_field(name) for name in fields]
            assignments = ", ".join(f"{qn(column.column)} = %s" for column in columns)
            sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"
            prepare = [(column.attname, column.get_db_prep_save) for column in columns]
            params = [
                [*(save(getattr(record, name), connection) for name, save in prepare), record.pk] for record in records
            ]
            cursor.executemany(sql, params)


def _run_batch_hooks(record_ids: list[int]) -> None:
    """The after-batch hooks, once for these records.

    A failing subscriber (e.g. broker down) must not undo or fail the write: it is logged, and the sweeps catch up.
    """
    for hook in _after_batch_hooks:
        try:
            hook(record_ids)
        except Exception:
            logger.exception("After-batch hook %r failed for %d records", hook, len(record_ids))


BATCH_FIELDS = (
    "external_id", "customer", "service_type", "score", "feedback", "response_time_hours",
    "accuracy_score", "completeness_score", "channel", "created_at", "ticket", "complaint",
)  # fmt: skip
BATCH_REQUIRED = ("external_id", "customer", "service_type", "score")


class _FeedbackBatch(BatchSpec):
    """Batch rules for satisfaction records: the rules of `record_satisfaction`, applied column by column.

    Each field's rule is the one `validate_record_fields` uses, run through `parse_column`, so a column of
    2,000 scores costs a few dozen parses; references are resolved with one query per chunk.
    """

    model = SatisfactionRecord

    def __init__(self, *, channel: str, recorded_by, quiet_before=None):
        self.channel = channel
        self.recorded_by = recorded_by
        # History: records created before this moment are stored as evaluated, so they raise no live alerts.
        self.quiet_before = quiet_before
        self.service_types: dict[str, int] = {}
        self._load_service_types()
        self._customers: dict[str, int] = {}
        self._rules = _record_rules()
        # Timestamps are nearly all distinct: remembering them would cost more than it saves.
        self._memos = {name: ColumnMemo() for name in (*self._rules, "service_type") if name != "created_at"}

    def _load_service_types(self) -> None:
        for pk, code, name_en, name_zh in ServiceType.objects.values_list("pk", "code", "name_en", "name_zh"):
            for key in (code, name_en, name_zh):
                self.service_types[key.strip().lower()] = pk

    def update_rows(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Re-imported records whose answer changed (a late rating) are updated as a manual edit is, all in one
        `record_update_many`: their alerts are evaluated again, once each."""
        record_update_many(changes=updates)

    def clean_chunk(self, chunk: RawChunk, errors: ErrorSink) -> CleanChunk:
        n = len(chunk)
        # Sync changes the answer fields the file gives; who, what and when of a record stay as first recorded.
        self.update_fields = tuple(name for name in RECORD_EDITABLE_FIELDS if name in chunk.names)
        bad: dict[int, dict[str, str]] = {}  # row index → field → reason, filled in the order errors are reported

        def reject(i: int, name: str, reason: str) -> None:
            bad.setdefault(i, {}).setdefault(name, reason)

        columns: dict[str, list] = {}
        for name, rule in self._rules.items():
            cells = chunk.column(name)
            if name == "channel":
                cells = [cell or self.channel for cell in cells]
            columns[name] = _take_column(name, parse_column(cells, rule, self._memos.get(name)), reject)
        keys = {name: _keys(chunk.column(name)) for name in _KEY_FIELDS}
        for i, (external_id, customer) in enumerate(zip(keys["external_id"], keys["customer"], strict=True)):
            if not external_id:
                reject(i, "external_id", _("External id is required."))
            elif len(external_id) > 64:
                reject(i, "external_id", _("At most 64 characters."))
            if not customer:
                reject(i, "customer", _("Customer is required."))
        service = parse_column(chunk.column("service_type"), self._service_type, self._memos["service_type"])
        columns["service_type_id"] = _take_column("service_type", service, reject)

        customers = self._resolve_customers({k for k in keys["customer"] if k})
        columns["customer_id"] = [customers.get(k) for k in keys["customer"]]
        for i, (key, pk) in enumerate(zip(keys["customer"], columns["customer_id"], strict=True)):
            if key and pk is None:
                reject(i, "customer", _("Unknown customer id '%(id)s'.") % {"id": key})
        handler_ids = self._link_columns(keys, columns, reject)

        recorded_by_id = getattr(self.recorded_by, "pk", None)
        columns["recorded_by_id"] = [recorded_by_id] * n
        columns["self_rated"] = (
            [recorded_by_id in handler_ids.get(i, ()) for i in range(n)] if recorded_by_id is not None else [False] * n
        )
        columns["external_id"] = keys["external_id"]
        if self.quiet_before is not None:
            now = timezone.now()
            columns["alerts_evaluated_at"] = [
                now if created is not None and created < self.quiet_before else None
                for created in columns["created_at"]
            ]
        for i, reasons in sorted(bad.items()):
            for name, reason in reasons.items():
                errors.add(chunk.numbers[i], name, chunk.column(name)[i], reason)
        return CleanChunk(numbers=chunk.numbers, external_ids=keys["external_id"], columns=columns, rejected=set(bad))

    def _service_type(self, cell) -> int:
        key = _key(cell)
        if not key:
            raise RowInvalid(_("Service type is required."))
        if key.lower() not in self.service_types:
            self._load_service_types()  # created since the batch started (an import that creates them)
        try:
            return self.service_types[key.lower()]
        except KeyError:
            raise RowInvalid(_("Unknown service type '%(code)s'.") % {"code": key}) from None

    def _link_columns(self, keys, columns, reject) -> dict[int, set[int]]:
        """Ticket and complaint ids per row (must belong to the row's customer); returns {row index: handlers}."""
        handlers: dict[int, set[int]] = {}
        for name, model in (("ticket", ServiceTicket), ("complaint", Complaint)):
            column = columns[f"{name}_id"] = [None] * len(keys[name])
            wanted = {k for k in keys[name] if k}
            if not wanted:
                continue
            links = _resolve_links(model, wanted)
            for i, key in enumerate(keys[name]):
                if not key:
                    continue
                link = links.get(key)
                customer_id = columns["customer_id"][i]
                if link is None:
                    reject(i, name, _unknown_link(name, key))
                elif customer_id is not None and link[1] != customer_id:
                    reject(i, name, _other_customer(name))
                else:
                    column[i] = link[0]
                    if link[2]:
                        handlers.setdefault(i, set()).add(link[2])
        return handlers

    def _resolve_customers(self, keys: set[str]) -> dict[str, int]:
        missing = [k for k in keys if k not in self._customers]
        if len(self._customers) > 200_000:
            self._customers.clear()  # keep memory flat on files with very many distinct customers
        for start in range(0, len(missing), 900):
            part = missing[start : start + 900]
            self._customers.update(Customer.objects.filter(external_id__in=part).values_list("external_id", "pk"))
        return {k: self._customers[k] for k in keys if k in self._customers}

    def on_commit(self, created_ids: list[int]) -> None:
        if created_ids:
            _run_batch_hooks(created_ids)


_KEY_FIELDS = ("external_id", "customer", "ticket", "complaint")


def _take_column(name: str, parsed: tuple[list, dict[int, str]], reject) -> list:
    """The values of a parsed column; each failed cell is reported through `reject`."""
    values, failures = parsed
    for i, reason in failures.items():
        reject(i, name, reason)
    return values


def _keys(cells) -> list[str]:
    if cells.count(None) == len(cells):
        return [""] * len(cells)  # an absent column
    try:
        return [cell.strip() for cell in cells]  # all text: the CSV case
    except AttributeError:
        return [_key(cell) for cell in cells]


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
    rows: Iterable[Mapping[str, Any] | tuple[int, Mapping[str, Any]]] = (),
    chunks: Iterable[RawChunk] | None = None,
    channel: str = SatisfactionRecord.Channel.IMPORT,
    recorded_by=None,
    dry_run: bool = False,
    errors: ErrorSink | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    skip_errors: bool = False,
    quiet_before=None,
    update: bool = False,
    expected_rows: int = 0,
) -> BatchResult:
    """Validate and save many satisfaction records at once, all or nothing; returns a `BatchResult`.

    Each row is a mapping with the keys in BATCH_FIELDS (raw strings are fine): `customer`, `ticket` and
    `complaint` are external ids, `service_type` a code or name. Rows may be `(row_number, mapping)` pairs;
    a file import passes `chunks` (RawChunk, column by column) instead. The field rules are those of
    `record_satisfaction`. Idempotent on `external_id`: rows already saved are skipped. Any row error writes
    nothing, unless `skip_errors` (the valid rows are written, the others reported);
    `register_after_batch_hook` subscribers run once on commit. Records created before `quiet_before`
    (history) are stored as already evaluated: they raise no live alerts. With `update`, rows already saved
    whose answer changed are updated through `record_update` instead of skipped.
    """
    if chunks is None:
        numbered = ((pair if isinstance(pair, tuple) else (i, pair)) for i, pair in enumerate(rows, start=1))
        chunks = chunked(numbered, RawChunk.from_mappings)
    spec = _FeedbackBatch(channel=channel, recorded_by=recorded_by, quiet_before=quiet_before)
    return run_batch(
        spec=spec,
        chunks=chunks,
        dry_run=dry_run,
        errors=errors,
        on_progress=on_progress,
        skip_errors=skip_errors,
        update=update,
        expected_rows=expected_rows,
    )
