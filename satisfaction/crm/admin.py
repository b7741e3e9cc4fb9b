"""Admin of customers, contacts, contracts and service types; contact writes go through the crm services."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from satisfaction.crm import models as m
from satisfaction.crm.services import (
    CONTACT_FIELDS,
    contact_bulk_delete,
    contact_create,
    contact_delete,
    contact_update,
)


def _save_contact(obj: m.Contact, form, change: bool) -> m.Contact:
    """Save a contact from an admin form through the service; `obj` is the form's instance."""
    values = {name: form.cleaned_data[name] for name in CONTACT_FIELDS if name in form.cleaned_data}
    if change:
        return contact_update(contact=obj, data=values)
    contact = contact_create(**values)
    # The admin goes on with `obj` (history entry, redirect): give it the saved row's identity.
    obj.pk, obj._state = contact.pk, contact._state
    return obj


class ContactInlineFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        if not commit:
            return super().save_new(form, commit=commit)
        setattr(form.instance, self.fk.name, self.instance)
        form.cleaned_data[self.fk.name] = self.instance
        return _save_contact(form.instance, form, change=False)

    def save_existing(self, form, obj, commit=True):
        if not commit:
            return super().save_existing(form, obj, commit=commit)
        return _save_contact(obj, form, change=True)

    def delete_existing(self, obj, commit=True):
        if commit:
            contact_delete(contact=obj)


class ContactInline(admin.TabularInline):
    model = m.Contact
    formset = ContactInlineFormSet
    extra = 0
    fields = ["name", "contact_priority", "email", "phone", "language", "external_id"]


class ContractInline(admin.TabularInline):
    model = m.Contract
    extra = 0
    fields = ["number", "service_type", "start_date", "end_date", "value", "external_id"]


@admin.register(m.ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name_en", "name_zh"]


class SegmentFilter(admin.SimpleListFilter):
    title = _("segment priority")
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return [(str(p), _("Priority %(p)s") % {"p": p}) for p in range(1, 6)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(segment_priority=int(self.value()))
        return queryset


@admin.register(m.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "industry", "tier", "segment_priority", "created_at"]
    list_filter = [SegmentFilter, "tier", "industry"]
    search_fields = ["name", "external_id"]
    date_hierarchy = "created_at"
    inlines = [ContactInline, ContractInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_segment_priority()

    @admin.display(description=_("segment priority"), ordering="segment_priority")
    def segment_priority(self, obj):
        return obj.segment_priority


@admin.register(m.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "contact_priority", "email", "phone", "language", "external_id"]
    list_filter = ["contact_priority", "language"]
    search_fields = ["name", "email", "external_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]

    def save_model(self, request, obj, form, change):
        _save_contact(obj, form, change)

    def delete_model(self, request, obj):
        contact_delete(contact=obj)

    def delete_queryset(self, request, queryset):
        contact_bulk_delete(contacts=queryset)


@admin.register(m.Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "service_type", "start_date", "end_date", "value", "external_id"]
    list_filter = ["service_type"]
    search_fields = ["number", "external_id", "customer__name"]
    date_hierarchy = "start_date"
    list_select_related = ["customer", "service_type"]
    autocomplete_fields = ["customer"]
