"""API resources of customers, contacts, contracts and service types."""

from __future__ import annotations

from core.api.views import ReadOnlyResourceViewSet, WritableResourceViewSet, resource_docs
from satisfaction.crm import filtersets, selectors
from satisfaction.crm.api import schema as examples
from satisfaction.crm.api import serializers as s
from satisfaction.crm.services import (
    contact_create,
    contact_update,
    contract_create,
    contract_update,
    customer_create,
    customer_update,
)


@resource_docs("service type", "service types", examples.SERVICE_TYPE)
class ServiceTypeViewSet(ReadOnlyResourceViewSet):
    selector = staticmethod(selectors.service_type_list)
    serializer_class = s.ServiceTypeSerializer
    filterset_class = filtersets.ServiceTypeFilterSet
    ordering_fields = ["sort_order", "code"]


@resource_docs("customer", "customers", examples.CUSTOMER, examples.CUSTOMER_INPUT)
class CustomerViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.customer_list)
    serializer_class = s.CustomerSerializer
    filterset_class = filtersets.CustomerFilterSet
    ordering_fields = ["name", "created_at", "tier", "segment_priority", "record_count"]
    create_service, update_service, entity = staticmethod(customer_create), staticmethod(customer_update), "customer"


@resource_docs("contact", "contacts", examples.CONTACT, examples.CONTACT_INPUT)
class ContactViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.contact_list)
    serializer_class = s.ContactSerializer
    filterset_class = filtersets.ContactFilterSet
    ordering_fields = ["name", "contact_priority", "customer"]

    # Through the contact service, so a change that can move the customer to another segment is announced.
    update_service, entity = staticmethod(contact_update), "contact"

    def create_instance(self, serializer):
        return contact_create(**serializer.validated_data)


@resource_docs("contract", "contracts", examples.CONTRACT, examples.CONTRACT_INPUT)
class ContractViewSet(WritableResourceViewSet):
    selector = staticmethod(selectors.contract_list)
    serializer_class = s.ContractSerializer
    filterset_class = filtersets.ContractFilterSet
    ordering_fields = ["start_date", "end_date", "value", "number"]
    create_service, update_service, entity = staticmethod(contract_create), staticmethod(contract_update), "contract"
