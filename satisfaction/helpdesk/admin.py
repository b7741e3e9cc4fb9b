"""Admin of tickets and complaints."""

from django.contrib import admin

from satisfaction.helpdesk import models as m


@admin.register(m.ServiceTicket)
class ServiceTicketAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "contract", "opened_at", "closed_at", "handling_hours", "urgency",
        "ticket_priority", "satisfaction", "follow_up", "agent_name",
    ]  # fmt: skip
    list_filter = ["urgency", "ticket_priority", "follow_up", "satisfaction", "is_internal", "contract__service_type"]
    search_fields = ["external_id", "agent_name", "contract__customer__name", "contract__number"]
    date_hierarchy = "opened_at"
    list_select_related = ["contract__customer", "contract__service_type"]
    raw_id_fields = ["contract", "agent"]


@admin.register(m.Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "contract", "filed_at", "response_hours", "resolution_hours", "satisfaction",
        "escalated", "handling_speed", "agent_name",
    ]  # fmt: skip
    list_filter = ["escalated", "handling_speed", "urgency", "satisfaction", "contract__service_type"]
    search_fields = ["external_id", "agent_name", "contract__customer__name", "contract__number"]
    date_hierarchy = "filed_at"
    list_select_related = ["contract__customer", "contract__service_type"]
    raw_id_fields = ["contract", "agent"]
