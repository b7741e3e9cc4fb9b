"""Forms for measures and tasks: parse input only; the services in services/improvements.py validate and save."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from core.db import Level
from satisfaction.crm.models import ServiceType
from satisfaction.improvements.models import Category, ImprovementMeasure, ImprovementTask

DATE = forms.DateInput(attrs={"type": "date"})


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Level.choices, initial=Level.MEDIUM)
    service_type = forms.ModelChoiceField(label=_("Service type"), queryset=ServiceType.objects.all(), required=False)
    segment_priority = forms.TypedChoiceField(
        label=_("Segment"), choices=[("", "—")] + [(str(p), f"P{p}") for p in range(1, 6)],
        coerce=int, empty_value=None, required=False,
    )  # fmt: skip
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=_people(), required=False)
    agent_name = forms.CharField(label=_("Or a handler named in the source system"), max_length=150, required=False)
    team = forms.ModelChoiceField(label=_("Or a team"), queryset=Group.objects.order_by("name"), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_people(), required=False)
    start_date = forms.DateField(label=_("Start"), required=False, widget=DATE)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)
    expected_impact = forms.CharField(
        label=_("Expected impact"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def from_measure(cls, measure: ImprovementMeasure, data=None):
        related = ("service_type", "owner", "agent", "team")
        initial = {f: getattr(measure, f) for f in cls.base_fields if f not in related}
        initial.update({f: getattr(measure, f"{f}_id") for f in related})
        return cls(data, initial=initial)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=250)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=_people(), required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)


class TaskProgressForm(forms.Form):
    status = forms.ChoiceField(choices=ImprovementTask.Status.choices, required=False)
    progress = forms.IntegerField(min_value=0, max_value=100, required=False)
