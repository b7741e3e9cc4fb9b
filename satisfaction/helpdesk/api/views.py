"""API resources of tickets and complaints."""

from __future__ import annotations

from core.api.views import WritableResourceViewSet, resource_docs
from satisfaction.helpdesk import filtersets, selectors
from satisfaction.helpdesk.api import schema as examples
from satisfaction.helpdesk.api import serializers as s
from satisfaction.helpdesk.services import complaint_create, complaint_update, ticket_create, ticket_update


@resource_docs("ticket", "service tickets", examples.TICKET, examples.TICKET_INPUT)
class ServiceTicketViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.ticket_list)
    serializer_class = s.ServiceTicketSerializer
    filterset_class = filtersets.ServiceTicketFilterSet
    ordering_fields = ["opened_at", "closed_at", "handling_hours", "satisfaction"]
    # Through the ticket service, so a ticket closed here invites its survey as on every other write path.
    create_service, update_service, entity = staticmethod(ticket_create), staticmethod(ticket_update), "ticket"


@resource_docs("complaint", "complaints", examples.COMPLAINT, examples.COMPLAINT_INPUT)
class ComplaintViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.complaint_list)
    serializer_class = s.ComplaintSerializer
    filterset_class = filtersets.ComplaintFilterSet
    ordering_fields = ["filed_at", "response_hours", "resolution_hours", "satisfaction"]
    create_service, update_service = staticmethod(complaint_create), staticmethod(complaint_update)
    entity = "complaint"
