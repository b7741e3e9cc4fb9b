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
    # Through the ticket service, so closing a ticket here invites its survey as every other write path does.
    service_fields, entity = TICKET_FIELDS, "ticket"
    create_service, update_service = staticmethod(ticket_create), staticmethod(ticket_update)


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
    service_fields, entity = COMPLAINT_FIELDS, "complaint"
    create_service, update_service = staticmethod(complaint_create), staticmethod(complaint_update)
