"""factory_boy factories for the domain; the service types come from the data migration."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from satisfaction.alerts.models import WebhookEndpoint
from satisfaction.crm import models as crm_models
from satisfaction.crm.models import Contract, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.imports.models import ImportJob, ImportKind
from satisfaction.improvements.models import Category, ImprovementMeasure, ImprovementSuggestion, ImprovementTask
from satisfaction.surveys.models import SurveyInvitation

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def service_type(code="data_analysis"):
    return ServiceType.objects.get(code=code)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm_models.Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    industry = "Finance"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = crm_models.Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    contact_priority = 3
    email = factory.LazyAttribute(lambda c: f"{c.name.replace(' ', '.').lower()}@example.com")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    customer = factory.SubFactory(CustomerFactory)
    service_type = factory.LazyFunction(service_type)
    number = factory.Sequence(lambda n: f"HT-{n:05d}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=400))


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceTicket

    contract = factory.SubFactory(ContractFactory)
    opened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    handling_hours = 10.0
    satisfaction = 4
    follow_up = False


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    contract = factory.SubFactory(ContractFactory)
    filed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    response_hours = 4.0
    resolution_hours = 24.0
    satisfaction = 3


class RecordFactory(factory.django.DjangoModelFactory):
    """A satisfaction record saved directly (tests of the write path use the service instead)."""

    class Meta:
        model = SatisfactionRecord

    customer = factory.SubFactory(CustomerFactory)
    service_type = factory.LazyFunction(service_type)
    score = Decimal("4.5")
    created_at = factory.LazyFunction(timezone.now)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementMeasure

    title = factory.Sequence(lambda n: f"Measure {n}")
    category = Category.TRAINING


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementSuggestion

    rule_code = "service_below_target"
    category = Category.PROCESS
    title_en = factory.Sequence(lambda n: f"Suggestion {n}")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"Endpoint {n}")
    url = "http://127.0.0.1:9/hook"
    secret = factory.Sequence(lambda n: f"secret-{n}")


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An import job row as the import page shows it; the file name points nowhere (tests of runs upload files)."""

    class Meta:
        model = ImportJob

    kind = ImportKind.FEEDBACK
    file = "imports/sample.csv"
    original_name = "sample.csv"


class TaskFactory(factory.django.DjangoModelFactory):
    """An improvement task saved directly (tests of progress use the service instead)."""

    class Meta:
        model = ImprovementTask

    measure = factory.SubFactory(MeasureFactory)
    title = factory.Sequence(lambda n: f"Task {n}")


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    """A sent survey invitation to a contact, valid for 14 days (tests of the rules use the survey services)."""

    class Meta:
        model = SurveyInvitation

    contact = factory.SubFactory(ContactFactory)
    customer = factory.LazyAttribute(lambda i: i.contact.customer)
    service_type = factory.LazyFunction(service_type)
    source = SurveyInvitation.Source.TICKET
    nonce = factory.Sequence(lambda n: f"{n:032x}")
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
