"""Admin of customers, contacts, contracts and service types; every write goes through the crm services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceAdmin, ServiceInlineFormSet
from satisfaction.crm import models as m
from satisfaction.crm.services import (
    CONTACT_FIELDS,
    CONTRACT_FIELDS,
    CUSTOMER_FIELDS,
    contact_bulk_delete,
    contact_create,
    contact_delete,
    contact_update,
    contract_create,
    contract_update,
    customer_create,
    customer_update,
)


class ContactFormSet(ServiceInlineFormSet):
    service_fields, entity, update_service = CONTACT_FIELDS, "contact", staticmethod(contact_update)

    def create_through(self, data):
        return contact_create(**data)

    def delete_existing(self, obj, commit=True):
        if commit:
            contact_delete(contact=obj)


class ContractFormSet(ServiceInlineFormSet):
    service_fields, entity = CONTRACT_FIELDS, "contract"
    create_service, update_service = staticmethod(contract_create), staticmethod(contract_update)


class ContactInline(admin.StackedInline):
    model = m.Contact
    formset = ContactFormSet
    extra = 0
    fields = ["name", "contact_priority", "email", "phone", "language", "external_id"]


class ContractInline(admin.StackedInline):
    model = m.Contract
    formset = ContractFormSet
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
class CustomerAdmin(ServiceAdmin):
    list_display = ["name", "external_id", "industry", "tier", "segment_priority", "created_at"]
    list_filter = [SegmentFilter, "tier", "industry"]
    search_fields = ["name", "external_id"]
    date_hierarchy = "created_at"
    inlines = [ContactInline, ContractInline]
    service_fields, entity = CUSTOMER_FIELDS, "customer"
    create_service, update_service = staticmethod(customer_create), staticmethod(customer_update)

    def get_queryset(self, request):
        return super().get_queryset(request).with_segment_priority()

    @admin.display(description=_("segment priority"), ordering="segment_priority")
    def segment_priority(self, obj):
        return obj.segment_priority


@admin.register(m.Contact)
class ContactAdmin(ServiceAdmin):
    list_display = ["name", "customer", "contact_priority", "email", "phone", "language", "external_id"]
    list_filter = ["contact_priority", "language"]
    search_fields = ["name", "email", "external_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]

    service_fields, entity, update_service = CONTACT_FIELDS, "contact", staticmethod(contact_update)

    def create_through(self, request, data):
        return contact_create(**data)

    def delete_model(self, request, obj):
        contact_delete(contact=obj)

    def delete_queryset(self, request, queryset):
        contact_bulk_delete(contacts=queryset)


@admin.register(m.Contract)
class ContractAdmin(ServiceAdmin):
    list_display = ["__str__", "customer", "service_type", "start_date", "end_date", "value", "external_id"]
    list_filter = ["service_type"]
    search_fields = ["number", "external_id", "customer__name"]
    date_hierarchy = "start_date"
    list_select_related = ["customer", "service_type"]
    autocomplete_fields = ["customer"]
    service_fields, entity = CONTRACT_FIELDS, "contract"
    create_service, update_service = staticmethod(contract_create), staticmethod(contract_update)
