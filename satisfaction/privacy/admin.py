"""Admin actions on contacts and customers: download everything held about one, or erase it after a reason.

The crm package does not know this one: the registered Contact and Customer admins are extended here with the two
actions, and only a superuser (the admin role) sees or may run them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from satisfaction.crm import admin as crm_admin  # noqa: F401  (registers the admins extended below)
from satisfaction.crm.models import Contact, Customer
from satisfaction.privacy.selectors import Subject
from satisfaction.privacy.services import personal_data_erase, personal_data_export


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the data is erased, e.g. the reference of the person's request. Kept in the audit log."),
    )


class PersonalDataAdminMixin:
    """The export and erase actions, for an admin of Contact or Customer (`subject_kind`)."""

    subject_kind = ""

    def has_privacy_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def _check(self, request):
        if not self.has_privacy_permission(request):
            raise PermissionDenied

    @admin.action(description=_("Export personal data (zip)"), permissions=["privacy"])
    def export_personal_data(self, request, queryset):
        self._check(request)
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one row to export."), messages.ERROR)
            return None
        subject = Subject(self.subject_kind, queryset.get().pk)
        content = personal_data_export(subject=subject, by=request.user, via="admin")
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="personal-data-{subject.label}.zip"'
        return response

    @admin.action(description=_("Erase personal data…"), permissions=["privacy"])
    def erase_personal_data(self, request, queryset):
        self._check(request)
        form = ErasureForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            done = 0
            for pk in queryset.values_list("pk", flat=True):
                try:
                    personal_data_erase(
                        subject=Subject(self.subject_kind, pk),
                        reason=form.cleaned_data["reason"],
                        by=request.user,
                        via="admin",
                    )
                except (ValidationError, LookupError) as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    continue
                done += 1
            self.message_user(
                request,
                ngettext(
                    "Erased the personal data of %(n)d row; the scores are kept.",
                    "Erased the personal data of %(n)d rows; the scores are kept.",
                    done,
                )
                % {"n": done},
                messages.SUCCESS,
            )
            return None
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "opts": opts,
            "objects": list(queryset[:100]),
            "count": queryset.count(),
            "form": form,
            "action": "erase_personal_data",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "selected": list(queryset.values_list("pk", flat=True)),
        }
        return TemplateResponse(request, "privacy/erase_confirm.html", context)


def _extend(model, kind: str) -> None:
    """Re-register `model`'s admin as a subclass with the personal-data actions."""
    current = type(admin.site._registry[model])
    extended = type(
        current.__name__,
        (PersonalDataAdminMixin, current),
        {
            "subject_kind": kind,
            "actions": [*(current.actions or []), "export_personal_data", "erase_personal_data"],
            "__module__": __name__,
        },
    )
    admin.site.unregister(model)
    admin.site.register(model, extended)


_extend(Contact, Subject.CONTACT)
_extend(Customer, Subject.CUSTOMER)
