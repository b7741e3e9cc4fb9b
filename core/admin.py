"""Admin pages that write through the entity's service, like every other write path.

A `ServiceAdmin` names two methods, `create_through(request, data)` and `update_through(request, obj, data)`,
that call the service; the admin form only collects and validates the input. Inlines do the same with
`ServiceInlineFormSet`. A field the service does not let a person set is read-only in the admin.
"""

from __future__ import annotations

import functools

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


def _adopt(obj, saved) -> None:
    """The admin goes on with the form's `obj` (history entry, redirect): give it the saved row's identity."""
    if saved is not obj:
        obj.pk, obj._state = saved.pk, saved._state


def form_data(form, fields, *, change: bool) -> dict:
    """The values a form gives for `fields`: all of them for a new row, only the changed ones for an edit."""
    names = form.changed_data if change else form.cleaned_data
    return {name: form.cleaned_data[name] for name in names if name in fields and name in form.cleaned_data}


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves go through the entity's service (`service_fields` are what it may set).

    Name the services as the API viewsets do — `create_service(data=…)`, `update_service(<entity>=obj, data=…)` —
    or override `create_through` / `update_through` when the service takes other arguments.
    """

    service_fields: tuple[str, ...] = ()
    create_service = None
    update_service = None
    entity = ""

    def create_through(self, request, data: dict):
        return type(self).create_service(data=data)

    def update_through(self, request, obj, data: dict):
        return type(self).update_service(**{self.entity: obj}, data=data)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # An imported row shows the import that created it (its audit trail; `core.db.import_job_field`).
        if obj is not None and "import_job" not in fields and any(f.name == "import_job" for f in self.opts.fields):
            fields.append("import_job")
        return fields

    def save_model(self, request, obj, form, change):
        data = form_data(form, self.service_fields, change=change)
        try:
            saved = self.update_through(request, obj, data) if change else self.create_through(request, data)
        except ValidationError as exc:
            # The form validated the fields one by one; a rule of the service across fields can still refuse.
            form.add_error(None, exc)
            raise
        _adopt(obj, saved)


class ServiceInlineFormSet(BaseInlineFormSet):
    """An inline formset whose rows are saved through the entity's services, named as on `ServiceAdmin`."""

    service_fields: tuple[str, ...] = ()
    create_service = None
    update_service = None
    entity = ""

    def create_through(self, data: dict):
        return type(self).create_service(data=data)

    def update_through(self, obj, data: dict):
        return type(self).update_service(**{self.entity: obj}, data=data)

    def save_new(self, form, commit=True):
        if not commit:
            return super().save_new(form, commit=commit)
        form.cleaned_data[self.fk.name] = self.instance
        setattr(form.instance, self.fk.name, self.instance)
        saved = self.create_through(form_data(form, (*self.service_fields, self.fk.name), change=False))
        _adopt(form.instance, saved)
        return form.instance

    def save_existing(self, form, obj, commit=True):
        if not commit:
            return super().save_existing(form, obj, commit=commit)
        _adopt(obj, self.update_through(obj, form_data(form, self.service_fields, change=True)))
        return obj


class BoundedChangeList(ChangeList):
    """A changelist whose date lookups outside the calendar (`?created_at__year=9999`, year 1, the date
    hierarchy's next year or month) are a bad lookup, which the admin answers with its "?e=1" page, not a 500.

    Django computes the bounds of a year or day lookup — and of the date hierarchy's step — as datetimes in the
    time zone; past year 9999 or before year 1 that raises OverflowError or ValueError. The query is compiled here,
    so the error comes while the admin still treats it as a bad parameter.
    """

    def get_queryset(self, request, exclude_parameters=None):
        try:
            queryset = super().get_queryset(request, exclude_parameters)
            queryset.query.get_compiler(queryset.db).as_sql()
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset


@functools.cache
def _bounded(changelist: type[ChangeList]) -> type[ChangeList]:
    if issubclass(changelist, BoundedChangeList):
        return changelist
    return type(f"Bounded{changelist.__name__}", (BoundedChangeList, changelist), {})


def bound_every_changelist(site: admin.AdminSite) -> None:
    """Give every registered admin, ours and the libraries' (users, tokens, audit log), a bounded changelist;
    an admin with a changelist of its own (the token admin) gets that one, bounded."""
    for model_admin in site._registry.values():
        original = model_admin.get_changelist

        def get_changelist(request, _original=original, **kwargs):
            return _bounded(_original(request, **kwargs))

        model_admin.get_changelist = get_changelist


# --- the audit log's admin, in both languages ----------------------------------------------------------------
# django-auditlog ships no Chinese catalogue; its words are listed here so they are extracted into ours (which
# Django reads first), and its one untranslated column header is given a translated one.
AUDITLOG_WORDS = (
    gettext_noop("Audit log"), gettext_noop("log entry"), gettext_noop("log entries"), gettext_noop("Created"),
    gettext_noop("User"), gettext_noop("Resource"), gettext_noop("Resource Type"), gettext_noop("Changes"),
    gettext_noop("Correlation ID"), gettext_noop("Click to filter by records with this correlation id"),
    gettext_noop("create"), gettext_noop("update"), gettext_noop("delete"), gettext_noop("access"),
    gettext_noop("content type"), gettext_noop("object pk"), gettext_noop("object id"),
    gettext_noop("object representation"), gettext_noop("action"), gettext_noop("change message"),
    gettext_noop("actor"), gettext_noop("remote address"), gettext_noop("remote port"), gettext_noop("timestamp"),
    gettext_noop("additional data"), gettext_noop("actor email"), gettext_noop("Field"), gettext_noop("From"),
    gettext_noop("To"), gettext_noop("Relationship"), gettext_noop("Action"), gettext_noop("Objects"),
    gettext_noop("View"), gettext_noop("Created {repr:s}"), gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"), gettext_noop("Logged {repr:s}"), gettext_noop("Audit log: %s"),
)  # fmt: skip


class AuditLogEntryAdmin(AuditlogLogEntryAdmin):
    """django-auditlog's log-entry admin with its correlation-id column header translated."""

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return super().cid_url(obj)


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditLogEntryAdmin)
