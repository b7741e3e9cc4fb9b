"""Forms for data entry. They only parse input; `record_satisfaction` validates and saves."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from satisfaction.crm.models import Customer, ServiceType
from satisfaction.feedback.services import FEEDBACK_MAX_CHARS, RESPONSE_HOURS_MAX

SCORE_CHOICES = [(f"{Decimal(s) / 2:.1f}", f"{Decimal(s) / 2:.1f}") for s in range(2, 11)]  # 1.0, 1.5 … 5.0
SUBSCORE_CHOICES = [("", "—")] + [(str(i), str(i)) for i in range(1, 6)]


class FeedbackForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose a customer from the search results."),
                        "invalid_choice": _("That customer does not exist any more; search again.")},
    )  # fmt: skip
    service_type = forms.ModelChoiceField(
        queryset=ServiceType.objects.filter(is_active=True), label=_("Service type"), empty_label=None
    )
    score = forms.ChoiceField(
        choices=SCORE_CHOICES,
        widget=forms.RadioSelect,
        label=_("Score"),
        error_messages={"required": _("Pick a score from 1 to 5.")},
    )
    response_time_hours = forms.FloatField(
        label=_("Response time (hours)"), required=False, min_value=0, max_value=RESPONSE_HOURS_MAX
    )
    accuracy_score = forms.TypedChoiceField(
        choices=SUBSCORE_CHOICES, coerce=int, empty_value=None, required=False, label=_("Accuracy (1–5)")
    )
    completeness_score = forms.TypedChoiceField(
        choices=SUBSCORE_CHOICES, coerce=int, empty_value=None, required=False, label=_("Completeness (1–5)")
    )
    feedback = forms.CharField(
        label=_("Feedback"), required=False, max_length=FEEDBACK_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )

    def service_kwargs(self) -> dict:
        """The cleaned data as keyword arguments for `record_satisfaction`."""
        data = self.cleaned_data
        return {
            "customer": data["customer"],
            "service_type": data["service_type"],
            "score": Decimal(data["score"]),
            "response_time_hours": data.get("response_time_hours"),
            "accuracy_score": data.get("accuracy_score"),
            "completeness_score": data.get("completeness_score"),
            "feedback": data.get("feedback", ""),
        }
