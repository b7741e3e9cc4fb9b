"""Writes of the personal-data tools: the export (an audited read), the erasure, and the retention of free text.

Erasure anonymises a person and keeps every score, date, category and link, so every count, rate and mean is the
same afterwards. Contacts and customers are changed through the crm services (their validation applies). The other
rows are changed with `bulk_update`: the free text of a record has no part in any score, snapshot or alert, and the
record service would re-open the record's alert evaluation and re-analyse its text, which an erasure must not do.
Each changed row gets its own audit entry, written explicitly (see `audit`), with who and why.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satisfaction.alerts.models import SatisfactionAlert, WatchlistEntry
from satisfaction.crm.models import Contact, Customer
from satisfaction.crm.services import contact_update, customer_update
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.privacy import audit
from satisfaction.privacy.archive import export_zip
from satisfaction.privacy.selectors import Subject, personal_data
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.surveys.models import SurveyInvitation
from satisfaction.text.models import RecordTopic, TextAnalysis

EXPORT, ERASURE, RETENTION = "export", "erasure", "retention"
DEFAULT_EXPORT_REASON = _("Data subject access request")


def _blank(row):
    return ""


def _erased_nonce(nonce: str) -> str:
    """A fresh random token id marked as erased ("x" is never a hex digit), so a second erasure leaves it."""
    return nonce if nonce.startswith(ERASED_NONCE_PREFIX) else ERASED_NONCE_PREFIX + secrets.token_hex(15)


ERASED_NONCE_PREFIX = "x"

# What an erasure sets, field by field; every other text of a linked row loses the subject's names, e-mails and
# phones (`audit.Scrubber`). Scores, dates, categories, topics, sentiment and links are kept.
ERASURE_RULES: dict[type[models.Model], dict[str, Callable[[Any], Any]]] = {
    Contact: {"name": lambda c: f"Erased contact {c.pk}", "email": _blank, "phone": _blank},
    Customer: {"name": lambda c: f"Erased customer {c.pk}"},
    SatisfactionRecord: {"feedback": _blank},
    # A new token id: every link sent to the person stops working and cannot be traced back to them.
    SurveyInvitation: {"nonce": lambda i: _erased_nonce(i.nonce)},
    TextAnalysis: {"keywords": lambda a: []},
    RecordTopic: {"terms": lambda t: []},
    SatisfactionAlert: {"resolution_note": _blank},
    WatchlistEntry: {"note": _blank, "removal_note": _blank},
    RecoveryCase: {"closing_note": _blank},
    ContactAttempt: {"note": _blank},
}
HIDDEN_FIELDS = ("nonce", "external_id")
MIN_SCRUBBED = 3  # new tokens are not written into the audit log either
THROUGH_SERVICE = {
    Contact: lambda row, data: contact_update(contact=row, data=data),
    Customer: lambda row, data: customer_update(customer=row, data=data),
}


@dataclass
class ErasureResult:
    """What an erasure changed: rows per model name, and audit entries written and masked."""

    subject: Subject
    rows: dict[str, int] = field(default_factory=dict)
    audit_entries_masked: int = 0


def _context(action: str, *, reason: str, via: str, subject: Subject | None = None, **extra) -> dict:
    context = {"privacy": action, "reason": str(reason), "via": via}
    if subject is not None:
        context["subject"] = subject.label
    return {**context, **extra}


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this action (it is kept in the audit log).")})
    return reason


def personal_data_export(*, subject: Subject, by=None, reason: str = "", via: str = "command") -> bytes:
    """The zip of everything held about the subject; the export itself is recorded in the audit log."""
    reason = (reason or "").strip() or str(DEFAULT_EXPORT_REASON)
    content = export_zip(subject)
    LogEntry.objects.log_create(
        subject.get(),
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes=None,
        actor=by if getattr(by, "pk", None) else None,
        additional_data=_context(EXPORT, reason=reason, via=via, subject=subject, bytes=len(content)),
    )
    return content


def _repr(row: models.Model) -> str:
    """A row's name in the audit log that needs no query and names nobody: its kind and id."""
    return f"{row._meta.verbose_name} #{row.pk}"


def _text_fields(model: type[models.Model], skip) -> list[str]:
    """The free-text columns of `model` a copied name could sit in (not keys, tokens or fixed choices)."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        and not f.primary_key
        and not f.choices
        and f.attname not in skip
    ]


def _scrubber(subject: Subject) -> audit.Scrubber:
    """Each name of the subject becomes its pseudonym, each e-mail and phone "[erased]", wherever it was copied."""
    contacts = Contact.objects.filter(
        **({"pk": subject.pk} if subject.kind == Subject.CONTACT else {"customer_id": subject.pk})
    )
    replacements = {}
    for pk, name, email, phone in contacts.values_list("pk", "name", "email", "phone"):
        replacements.update({name: f"Erased contact {pk}", email: audit.ERASED, phone: audit.ERASED})
    if subject.kind == Subject.CUSTOMER:
        for name in Customer.objects.filter(pk=subject.pk).values_list("name", flat=True):
            replacements[name] = f"Erased customer {subject.pk}"
    # Very short strings would hit ordinary words; the same rule as `personal_values`.
    return audit.Scrubber({old: new for old, new in replacements.items() if len(old.strip()) >= MIN_SCRUBBED})


def _write(model: type[models.Model], changes: list[tuple[models.Model, dict[str, Any]]]) -> None:
    """Save the new values: rows that get the same ones (an emptied comment) in one UPDATE per group and chunk,
    the rest (new tokens, scrubbed texts) with `bulk_update` by set of fields."""
    same: dict[str, tuple[dict, list]] = defaultdict(lambda: ({}, []))
    for row, new in changes:
        key = json.dumps(new, sort_keys=True, cls=DjangoJSONEncoder)
        same[key][0].update(new)
        same[key][1].append(row)
    singles: dict[tuple[str, ...], list] = defaultdict(list)
    for new, rows in same.values():
        if len(rows) > 1:
            pks = [row.pk for row in rows]
            for start in range(0, len(pks), audit.CHUNK):
                model.objects.filter(pk__in=pks[start : start + audit.CHUNK]).update(**new)
            continue
        for name, value in new.items():
            setattr(rows[0], name, value)
        singles[tuple(sorted(new))].append(rows[0])
    for fields, rows in singles.items():
        model.objects.bulk_update(rows, fields, batch_size=200)


@transaction.atomic
def personal_data_erase(*, subject: Subject, reason: str, by=None, via: str = "command") -> ErasureResult:
    """Anonymise the subject everywhere it is held, keeping the scores; recorded in the audit log with who and why."""
    reason = _reason(reason)
    subject_row = subject.get()
    scrub = _scrubber(subject)
    context = _context(ERASURE, reason=reason, via=via, subject=subject)
    holdings = {model: list(queryset.order_by("pk")) for model, queryset in personal_data(subject).items()}
    result = ErasureResult(subject=subject)
    entries: list[LogEntry] = []
    new_external_ids: dict[int, str] = {}
    with disable_auditlog():
        for model, rows in holdings.items():
            rules = ERASURE_RULES.get(model, {})
            scrubbed_fields = _text_fields(model, skip=set(rules))
            changes = []
            for row in rows:
                new = {name: rule(row) for name, rule in rules.items()}
                new = {name: value for name, value in new.items() if getattr(row, name) != value}
                for name in scrubbed_fields:
                    value = scrub(getattr(row, name))
                    if value != getattr(row, name):
                        new[name] = value
                if model is SurveyInvitation and "nonce" in new and row.record_id:
                    new_external_ids[row.record_id] = (row.nonce, f"survey-{new['nonce']}")
                if model is SatisfactionRecord and row.pk in new_external_ids:
                    old_nonce, external_id = new_external_ids[row.pk]
                    if row.external_id == f"survey-{old_nonce}":
                        new["external_id"] = external_id
                if not new:
                    continue
                if model in THROUGH_SERVICE:
                    THROUGH_SERVICE[model](row, new)
                else:
                    changes.append((row, new))
                if audit.audited(model):
                    entries.append(
                        audit.entry(
                            instance=row,
                            action=LogEntry.Action.UPDATE,
                            actor=by,
                            changes=audit.erased_changes(new, hidden=HIDDEN_FIELDS),
                            context=context,
                            repr_=_repr(row),
                        )
                    )
                result.rows[model._meta.model_name] = result.rows.get(model._meta.model_name, 0) + 1
            _write(model, changes)
    for model, rows in holdings.items():
        masked = set(ERASURE_RULES.get(model, {})) | ({"external_id"} if model is SatisfactionRecord else set())
        result.audit_entries_masked += audit.scrub_history(
            model=model, pks=[row.pk for row in rows], fields=masked, scrubber=scrub
        )
    LogEntry.objects.bulk_create(entries, batch_size=500)
    subject_row.refresh_from_db()
    LogEntry.objects.log_create(
        subject_row,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes=None,
        actor=by if getattr(by, "pk", None) else None,
        additional_data={**context, "rows": result.rows},
    )
    return result


# --- Retention ------------------------------------------------------------------------------------------------

# Free text that ages out, and the date that decides its age.
RETENTION_RULES: tuple[tuple[type[models.Model], str, str], ...] = (
    (SatisfactionRecord, "feedback", "created_at"),
    (ContactAttempt, "note", "at"),
    (RecoveryCase, "closing_note", "closed_at"),
    (SatisfactionAlert, "resolution_note", "resolved_at"),
    (WatchlistEntry, "note", "since"),
    (WatchlistEntry, "removal_note", "removed_at"),
)
# Derived from a record's words: emptied with the record's text.
DERIVED_RULES: tuple[tuple[type[models.Model], str], ...] = ((TextAnalysis, "keywords"), (RecordTopic, "terms"))


def retention_days() -> int | None:
    """PERSONAL_TEXT_RETENTION_DAYS, or None when retention is off (the default)."""
    days = getattr(settings, "PERSONAL_TEXT_RETENTION_DAYS", None)
    return days if days else None


@transaction.atomic
def personal_text_expire(*, days: int | None = None, now=None) -> dict[str, int]:
    """Empty the free text older than `days` (default PERSONAL_TEXT_RETENTION_DAYS; nothing when off).

    Scores and every other column stay. Returns how many rows changed per `model.field`; idempotent.
    """
    days = retention_days() if days is None else days
    if not days:
        return {}
    if days < 1:
        raise ValidationError({"days": _("The retention must be at least one day.")})
    cutoff = (now or timezone.now()) - timedelta(days=days)
    context = _context(RETENTION, reason=f"PERSONAL_TEXT_RETENTION_DAYS={days}", via="schedule",
                       cutoff=cutoff.isoformat())  # fmt: skip
    counts: dict[str, int] = {}
    with disable_auditlog():
        for model, text_field, date_field in RETENTION_RULES:
            due = model.objects.filter(**{f"{date_field}__lt": cutoff}).exclude(**{text_field: ""})
            pks = list(due.values_list("pk", flat=True))
            if not pks:
                continue
            for start in range(0, len(pks), audit.CHUNK):
                model.objects.filter(pk__in=pks[start : start + audit.CHUNK]).update(**{text_field: ""})
            LogEntry.objects.bulk_create(
                [
                    audit.entry(
                        instance=model(pk=pk),
                        action=LogEntry.Action.UPDATE,
                        actor=None,
                        changes=audit.erased_changes({text_field: ""}),
                        context=context,
                        repr_=_repr(model(pk=pk)),
                    )
                    for pk in pks
                ],
                batch_size=500,
            )
            audit.scrub_history(model=model, pks=pks, fields={text_field})
            counts[f"{model._meta.model_name}.{text_field}"] = len(pks)
        for model, json_field in DERIVED_RULES:
            due = model.objects.filter(record__created_at__lt=cutoff).exclude(**{json_field: []})
            changed = due.update(**{json_field: []})
            if changed:
                counts[f"{model._meta.model_name}.{json_field}"] = changed
    return counts
