"""The dashboard's filter bar (parses the query string into a metrics Scope: state lives in the URL) and the
report-subscription form."""

import datetime as dt

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.lib.metrics import Scope, local_today
from analytics.models import ReportSubscription
from core.localtime import plausible_day
from satisfaction.crm.models import ServiceType

PRESETS = [
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("365d", _("Last 12 months")),
    ("custom", _("Custom range")),
]
# Lazy: the choices are built once, when the class is defined, and must read in each request's language.
priority_label = lazy(lambda p: gettext("Priority %(p)s") % {"p": p}, str)

PRESET_DAYS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PRESET = "30d"


class ScopeFilterForm(forms.Form):
    """Date preset or custom range, service type and segment; invalid input falls back to the defaults."""

    preset = forms.ChoiceField(choices=PRESETS, required=False, label=_("Period"))
    start = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    service_type = forms.ChoiceField(required=False, label=_("Service type"))
    segment = forms.TypedChoiceField(
        choices=[("", _("All customers"))] + [(str(p), priority_label(p)) for p in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Segment"),
    )
    self_rated = forms.BooleanField(
        required=False, label=_("Include self-rated"),
        help_text=_("Ratings typed in by the person who handled the ticket are left out unless this is ticked."),
    )  # fmt: skip

    def __init__(self, data=None, **kwargs):
        super().__init__(data if data is not None else {}, **kwargs)
        self.fields["service_type"].choices = [("", _("All services"))] + [
            (st.code, st.name) for st in ServiceType.objects.filter(is_active=True)
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if data.get("preset") == "custom":
            if not start or not end:
                raise forms.ValidationError(_("A custom range needs both dates."))
            if start > end:
                raise forms.ValidationError(_("The start date is after the end date."))
            if not (plausible_day(start, years_ahead=1) and plausible_day(end, years_ahead=1)):
                raise forms.ValidationError(_("Dates must fall between 1 Jan 1990 and next year."))
        return data

    def to_scope(self, *, today: dt.date | None = None) -> Scope:
        """The Scope the widgets compute over (the default 30 days when the form is invalid)."""
        today = today or local_today()
        data = self.cleaned_data if self.is_valid() else {}
        preset = data.get("preset") or DEFAULT_PRESET
        service = data.get("service_type") or ""
        kwargs = {
            "service_types": (service,) if service else (),
            "segment_priority": data.get("segment"),
            "include_self_rated": bool(data.get("self_rated")),
        }
        if preset == "custom" and data.get("start") and data.get("end"):
            return Scope(start=data["start"], end=data["end"], **kwargs)
        return Scope.last_days(PRESET_DAYS.get(preset, PRESET_DAYS[DEFAULT_PRESET]), today=today, **kwargs)


def scope_query(scope: Scope, **extra) -> str:
    """The query string that reproduces `scope` (custom dates), for drill-down links and exports."""
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    q.update({"preset": "custom", "start": scope.start.isoformat(), "end": scope.end.isoformat()})
    if scope.service_types:
        q["service_type"] = scope.service_types[0]
    if scope.segment_priority is not None:
        q["segment"] = str(scope.segment_priority)
    if scope.include_self_rated:
        q["self_rated"] = "on"
    for key, value in extra.items():
        if value not in (None, ""):
            q[key] = str(value)
    return q.urlencode()


class ReportSubscriptionForm(forms.ModelForm):
    """The manager page's form for a new report subscription; the service validates and saves it."""

    class Meta:
        model = ReportSubscription
        fields = ["kind", "frequency", "language", "service_type", "segment_priority", "recipients"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3, "placeholder": "cx-team@example.com"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].empty_label = _("All service types")
        self.fields["segment_priority"].widget = forms.Select(
            choices=[(p, _("Contact priority %(p)d") % {"p": p}) for p in range(1, 6)]
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = "mt-1 w-full border border-slate-300 rounded px-2 py-2 bg-white"
