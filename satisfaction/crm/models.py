"""Customers, their contacts and contracts, and the service types we sell."""

from django.db import models
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.db import PlausibleDay, PlausibleEventTime, external_id_field, import_job_field, unique_external_id


class ServiceType(models.Model):
    """A kind of service (data analysis, legal consultation, …); rows so more can be added."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_zh if (translation.get_language() or "").startswith("zh") else self.name_en


class CustomerQuerySet(models.QuerySet):
    def with_segment_priority(self):
        """Annotate `segment_priority`: the most important (lowest) contact priority, NULL without contacts.

        A subquery rather than a join + MIN, so it can be grouped by and aggregated over."""
        return self.annotate(segment_priority=segment_priority_subquery("pk"))

    def in_segment(self, priority: int):
        """Customers whose segment priority equals `priority` (e.g. 1 = has a priority-1 contact)."""
        return self.filter(pk__in=segment_customer_ids(priority))


def segment_priority_subquery(customer_ref: str = "pk"):
    """A subquery giving the segment priority of the customer at `customer_ref`, for use in other models' queries."""
    return Subquery(
        Contact.objects.filter(customer=OuterRef(customer_ref))
        .order_by()
        .values("customer")
        .annotate(p=Min("contact_priority"))
        .values("p")[:1]
    )


def segment_customer_ids(priority: int):
    """Ids of customers in a segment, as a subquery (no rows are loaded)."""
    return (
        Contact.objects.order_by()
        .values("customer")
        .annotate(p=Min("contact_priority"))
        .filter(p=priority)
        .values("customer")
    )


class Customer(models.Model):
    """An enterprise customer."""

    class Tier(models.TextChoices):
        STRATEGIC = "strategic", _("Strategic")
        KEY = "key", _("Key")
        STANDARD = "standard", _("Standard")
        BASIC = "basic", _("Basic")

    external_id = external_id_field()
    import_job = import_job_field()
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, validators=[PlausibleEventTime()])

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [unique_external_id("customer")]
        indexes = [models.Index(fields=["name"], name="customer_name_idx")]

    def __str__(self):
        return self.name


class Contact(models.Model):
    """A person at a customer; `contact_priority` 1 is the most important."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        ZH = "zh-hans", _("Simplified Chinese")

    external_id = external_id_field()
    import_job = import_job_field()
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200)
    contact_priority = models.PositiveSmallIntegerField(
        _("contact priority"), default=3, help_text=_("1 = most important … 5 = least important")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)

    class Meta:
        ordering = ["customer_id", "contact_priority", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            unique_external_id("contact"),
            models.CheckConstraint(
                condition=Q(contact_priority__gte=1, contact_priority__lte=5), name="contact_priority_1_5"
            ),
        ]
        indexes = [models.Index(fields=["customer", "contact_priority"], name="contact_customer_prio_idx")]

    def __str__(self):
        return f"{self.name} ({self.customer})"


class Contract(models.Model):
    """A contract under which we serve a customer with one service type."""

    external_id = external_id_field()
    import_job = import_job_field()
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("customer")
    )
    number = models.CharField(_("contract number"), max_length=64, blank=True)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("service type")
    )
    start_date = models.DateField(_("start date"), validators=[PlausibleDay()])
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=[PlausibleDay()])
    value = models.DecimalField(_("contract value"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            unique_external_id("contract"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="contract_value_gte_0"),
        ]

    def __str__(self):
        return self.number or f"{self.customer} · {self.service_type}"
