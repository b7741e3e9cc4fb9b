"""Reads of personal data: every row held about a contact or a customer, model by model.

One map serves the export (what is in the zip), the erasure (what is anonymised) and the tests (what is scanned),
so a row cannot be exported and then missed by the erasure, or the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from satisfaction.alerts.models import CustomerRiskScore, SatisfactionAlert, WatchlistEntry, WebhookDelivery
from satisfaction.crm.models import Contact, Contract, Customer
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.recovery.models import ContactAttempt, RecoveryCase
from satisfaction.surveys.models import SurveyInvitation, SurveyOptOut
from satisfaction.text.models import RecordTopic, TextAnalysis


@dataclass(frozen=True)
class Subject:
    """The person (a contact) or the customer whose data is asked for."""

    kind: str  # "contact" or "customer"
    pk: int

    CONTACT = "contact"
    CUSTOMER = "customer"

    @property
    def model(self) -> type[Model]:
        return Contact if self.kind == self.CONTACT else Customer

    @property
    def label(self) -> str:
        return f"{self.kind}-{self.pk}"

    def get(self) -> Contact | Customer:
        """The subject's row; a clear error when there is none."""
        try:
            return self.model.objects.get(pk=self.pk)
        except ObjectDoesNotExist:
            raise LookupError(
                _("There is no %(kind)s with id %(pk)s.") % {"kind": self.model._meta.verbose_name, "pk": self.pk}
            ) from None


def subject_of(*, contact: int | None = None, customer: int | None = None) -> Subject:
    """The subject named by exactly one of a contact id or a customer id."""
    if (contact is None) == (customer is None):
        raise ValueError(_("Name exactly one contact or one customer."))
    return Subject(Subject.CONTACT, contact) if contact is not None else Subject(Subject.CUSTOMER, customer)


def personal_data(subject: Subject) -> dict[type[Model], QuerySet]:
    """Every row held about the subject, by model, in the order the export lists them (raises LookupError)."""
    subject.get()
    if subject.kind == Subject.CONTACT:
        return _of_contact(subject.pk)
    return _of_customer(subject.pk)


# Free text staff write about a customer, where a contact's name or e-mail may have been copied.
MENTION_FIELDS: dict[type[Model], tuple[str, ...]] = {
    SatisfactionRecord: ("feedback",),
    SatisfactionAlert: ("message_en", "message_zh", "resolution_note"),
    WatchlistEntry: ("note", "removal_note"),
    RecoveryCase: ("closing_note", "root_cause"),
    ContactAttempt: ("note",),
}
CUSTOMER_OF: dict[type[Model], str] = {
    SatisfactionRecord: "customer_id",
    SatisfactionAlert: "customer_id",
    WatchlistEntry: "customer_id",
    RecoveryCase: "customer_id",
    ContactAttempt: "case__customer_id",
}
MIN_MENTION = 3  # shorter strings would match ordinary words


def _mentions(model: type[Model], customer_id: int, values: list[str]) -> Q:
    """Rows of the contact's customer whose free text names the contact (never matches without values)."""
    found = Q(pk__in=[])
    for value in values:
        for name in MENTION_FIELDS[model]:
            found |= Q(**{f"{name}__icontains": value})
    return Q(**{CUSTOMER_OF[model]: customer_id}) & found


def _of_contact(pk: int) -> dict[type[Model], QuerySet]:
    # A contact's own rows are its invitations; its answers are the records those invitations made, and everything
    # derived from an answer (text analysis, alert, recovery case) follows the record. Free text about the customer
    # that names the contact (a staff note, a comment) is theirs too.
    contact = Contact.objects.get(pk=pk)
    values = [v.strip() for v in (contact.name, contact.email, contact.phone) if len(v.strip()) >= MIN_MENTION]
    at = contact.customer_id
    # A contact's rows are few: their ids are read once, so every later query is a plain `IN` list rather than a
    # nest of OR-ed subqueries the planner may run once per row.
    records = _ids(SatisfactionRecord, Q(survey_invitation__contact_id=pk) | _mentions(SatisfactionRecord, at, values))
    alerts = _ids(SatisfactionAlert, Q(record__in=records) | _mentions(SatisfactionAlert, at, values))
    cases = _ids(RecoveryCase, Q(record__in=records) | _mentions(RecoveryCase, at, values))
    attempts = _ids(ContactAttempt, Q(case__in=cases) | _mentions(ContactAttempt, at, values))
    watch = _ids(WatchlistEntry, Q(alert__in=alerts) | _mentions(WatchlistEntry, at, values))
    return {
        Contact: Contact.objects.filter(pk=pk),
        SurveyInvitation: SurveyInvitation.objects.filter(contact_id=pk),
        SurveyOptOut: SurveyOptOut.objects.filter(contact_id=pk),
        SatisfactionRecord: SatisfactionRecord.objects.filter(pk__in=records),
        TextAnalysis: TextAnalysis.objects.filter(record__in=records),
        RecordTopic: RecordTopic.objects.filter(record__in=records),
        ServiceTicket: ServiceTicket.objects.filter(survey_invitations__contact_id=pk).distinct(),
        Complaint: Complaint.objects.filter(survey_invitations__contact_id=pk).distinct(),
        SatisfactionAlert: SatisfactionAlert.objects.filter(pk__in=alerts),
        WebhookDelivery: WebhookDelivery.objects.filter(alert__in=alerts),
        WatchlistEntry: WatchlistEntry.objects.filter(pk__in=watch),
        RecoveryCase: RecoveryCase.objects.filter(pk__in=cases),
        ContactAttempt: ContactAttempt.objects.filter(pk__in=attempts),
    }


def _ids(model: type[Model], condition: Q) -> list[int]:
    return list(model.objects.filter(condition).order_by().values_list("pk", flat=True).distinct())


def _of_customer(pk: int) -> dict[type[Model], QuerySet]:
    records = SatisfactionRecord.objects.filter(customer_id=pk)
    alerts = SatisfactionAlert.objects.filter(
        Q(customer_id=pk) | Q(record__customer_id=pk) | Q(complaint__contract__customer_id=pk)
    ).distinct()
    cases = RecoveryCase.objects.filter(Q(customer_id=pk) | Q(record__customer_id=pk)).distinct()
    return {
        Customer: Customer.objects.filter(pk=pk),
        Contact: Contact.objects.filter(customer_id=pk),
        Contract: Contract.objects.filter(customer_id=pk),
        SurveyInvitation: SurveyInvitation.objects.filter(Q(customer_id=pk) | Q(contact__customer_id=pk)).distinct(),
        SurveyOptOut: SurveyOptOut.objects.filter(contact__customer_id=pk),
        SatisfactionRecord: records,
        TextAnalysis: TextAnalysis.objects.filter(record__customer_id=pk),
        RecordTopic: RecordTopic.objects.filter(record__customer_id=pk),
        ServiceTicket: ServiceTicket.objects.filter(contract__customer_id=pk),
        Complaint: Complaint.objects.filter(contract__customer_id=pk),
        SatisfactionAlert: alerts,
        WebhookDelivery: WebhookDelivery.objects.filter(alert__in=alerts),
        WatchlistEntry: WatchlistEntry.objects.filter(customer_id=pk),
        CustomerRiskScore: CustomerRiskScore.objects.filter(customer_id=pk),
        RecoveryCase: cases,
        ContactAttempt: ContactAttempt.objects.filter(case__in=cases),
    }


def personal_values(subject: Subject) -> list[str]:
    """The identifying strings of the subject (names, e-mails, phones) that may be copied into other rows' text."""
    if subject.kind == Subject.CONTACT:
        contacts = Contact.objects.filter(pk=subject.pk)
        names = []
    else:
        contacts = Contact.objects.filter(customer_id=subject.pk)
        names = list(Customer.objects.filter(pk=subject.pk).values_list("name", flat=True))
    for name, email, phone in contacts.values_list("name", "email", "phone"):
        names += [name, email, phone]
    # Longest first, so "Ann Lee" is replaced before "Ann"; very short strings would hit ordinary words.
    return sorted({v.strip() for v in names if v and len(v.strip()) >= 3}, key=len, reverse=True)
