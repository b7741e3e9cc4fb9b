"""Admin of tickets and complaints; every write goes through the helpdesk services."""

from django.contrib import admin

from core.admin import ServiceAdmin
from satisfaction.helpdesk import models as m
from satisfaction.helpdesk.services import (
    COMPLAINT_FIELDS,
    TICKET_FIELDS,
    complaint_create,
    complaint_update,
    ticket_create,
    ticket_update,
)


@admin.register(m.ServiceTicket)
class ServiceTicketAdmin(ServiceAdmin):
    list_display = [
        "__str__", "contract", "opened_at", "closed_at", "handling_hours", "urgency",
        "ticket_priority", "satisfaction", "follow_up", "agent_name",
    ]  # fmt: skip
    list_filter = ["urgency", "ticket_priority", "follow_up", "satisfaction", "is_internal", "contract__service_type"]
    search_fields = ["external_id", "agent_name", "contract__customer__name", "contract__number"]
    date_hierarchy = "opened_at"
    list_select_related = ["contract__customer", "contract__service_type"]
    raw_id_fields = ["contract", "agent"]
    service_fields = TICKET_FIELDS

    # Through the ticket service, so closing a ticket here invites its survey as every other write path does.
    def create_through(self, request, data):
        return ticket_create(data=data)

    def update_through(self, request, obj, data):
        return ticket_update(ticket=obj, data=data)


@admin.register(m.Complaint)
class ComplaintAdmin(ServiceAdmin):
    list_display = [
        "__str__", "contract", "filed_at", "response_hours", "resolution_hours", "satisfaction",
        "escalated", "handling_speed", "agent_name",
    ]  # fmt: skip
    list_filter = ["escalated", "handling_speed", "urgency", "satisfaction", "contract__service_type"]
    search_fields = ["external_id", "agent_name", "contract__customer__name", "contract__number"]
    date_hierarchy = "filed_at"
    list_select_related = ["contract__customer", "contract__service_type"]
    raw_id_fields = ["contract", "agent"]
    service_fields = COMPLAINT_FIELDS

    def create_through(self, request, data):
        return complaint_create(data=data)

    def update_through(self, request, obj, data):
        return complaint_update(complaint=obj, data=data)
