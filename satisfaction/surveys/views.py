"""Survey pages: the public form behind a signed link (no login) and the managers' invitation and campaign pages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from core.htmx import render_page_or_partial
from core.roles import ManagerRequiredMixin
from satisfaction.crm.models import Contact, Customer, ServiceType
from satisfaction.surveys import rate_limits
from satisfaction.surveys import services as surveys
from satisfaction.surveys.models import SurveyCampaign, SurveyInvitation, SurveySettings

# The public pages speak the contact's language; both are written out here so they never depend on a catalogue.
COPY = {
    "en": {
        "lang_name": "English",
        "title": "How did we do?",
        "intro": "How satisfied are you with our {service} service{case}?",
        "recovery_intro": "We followed up on your feedback about our {service} service. "
        "How satisfied are you now with how we handled it?",
        "case": " (case {case})",
        "score_label": "Your overall rating",
        "score_help": "1 = very dissatisfied, 5 = very satisfied",
        "optional": "Optional",
        "response_time": "Speed of response",
        "accuracy": "Accuracy",
        "completeness": "Completeness",
        "nps": "How likely are you to recommend us to a colleague? (0 = not at all, 10 = extremely)",
        "ces": "How easy was it to get your issue handled? (1 = very difficult, 7 = very easy)",
        "comment": "Anything you would like to tell us?",
        "submit": "Send",
        "pick_score": "Please pick a rating from 1 to 5.",
        "thanks_title": "Thank you!",
        "thanks_body": "Your answer has been recorded. It helps us serve you better.",
        "invalid_title": "This link is not valid",
        "invalid_body": "The link may be incomplete or mistyped. Please open it again from the email we sent you.",
        "expired_title": "This link has expired",
        "expired_body": "Survey links are valid for a limited time. If you would like to tell us something, "
        "please reply to the email or contact your account manager.",
        "answered_title": "Already answered",
        "answered_body": "This survey was answered already — thank you. Each link can be used once.",
        "limited_title": "Too many requests",
        "limited_body": "Please wait a few minutes and try again.",
        "unsubscribe": "Unsubscribe from surveys",
        "unsubscribe_title": "Stop surveys?",
        "unsubscribe_body": "We will not send survey invitations to {email} any more.",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed_title": "You are unsubscribed",
        "unsubscribed_body": "You will not receive survey invitations from us any more.",
        "privacy": "Your answer is used only to improve our service and is seen by authorised staff.",
    },
    "zh-hans": {
        "lang_name": "简体中文",
        "title": "您对我们的服务满意吗？",
        "intro": "您对我们的{service}服务{case}满意吗？",
        "recovery_intro": "我们已就您对{service}服务的反馈进行了跟进。您现在对处理结果满意吗？",
        "case": "（工单 {case}）",
        "score_label": "总体评分",
        "score_help": "1 = 非常不满意，5 = 非常满意",
        "optional": "选填",
        "response_time": "响应速度",
        "accuracy": "准确性",
        "completeness": "完整性",
        "nps": "您有多大可能向同事推荐我们？（0 = 完全不可能，10 = 非常可能）",
        "ces": "处理您的问题有多容易？（1 = 非常困难，7 = 非常容易）",
        "comment": "还有什么想告诉我们的吗？",
        "submit": "提交",
        "pick_score": "请选择 1 到 5 的评分。",
        "thanks_title": "谢谢您！",
        "thanks_body": "您的回答已记录，这将帮助我们更好地为您服务。",
        "invalid_title": "链接无效",
        "invalid_body": "链接可能不完整或有误，请从我们发送的邮件中重新打开。",
        "expired_title": "链接已过期",
        "expired_body": "调查链接在有限时间内有效。如有意见，请回复邮件或联系您的客户经理。",
        "answered_title": "已作答",
        "answered_body": "此调查已作答，谢谢您。每个链接仅可使用一次。",
        "limited_title": "请求过多",
        "limited_body": "请稍候几分钟再试。",
        "unsubscribe": "退订调查",
        "unsubscribe_title": "停止接收调查？",
        "unsubscribe_body": "我们将不再向 {email} 发送调查邀请。",
        "unsubscribe_button": "退订",
        "unsubscribed_title": "您已退订",
        "unsubscribed_body": "您将不再收到我们的调查邀请。",
        "privacy": "您的回答仅用于改进服务，仅授权人员可见。",
    },
}


def _language(request, invitation: SurveyInvitation | None) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang")
    if asked in COPY:
        return asked
    if invitation is not None and invitation.contact.language in COPY:
        return invitation.contact.language
    accept = request.headers.get("Accept-Language", "")
    return "zh-hans" if accept.lower().startswith("zh") else "en"


def _limited_page(request, invitation: SurveyInvitation | None):
    return _page(request, "surveys/public/link_error.html", _language(request, invitation), {"reason": "limited"}, 429)


def _page(request, template: str, lang: str, context: dict | None = None, status: int = 200):
    other = "en" if lang == "zh-hans" else "zh-hans"
    full = {"t": COPY[lang], "lang": lang, "other_lang": other, "other_lang_name": COPY[other]["lang_name"]}
    return render(request, template, {**full, **(context or {})}, status=status)


def _link_error(request, error: surveys.SurveyLinkError, lang: str):
    status = {"invalid": 404, "expired": 410, "answered": 409, "unsubscribed": 410}.get(error.reason, 400)
    return _page(request, "surveys/public/link_error.html", lang, {"reason": error.reason}, status=status)


SCORE_CHOICES = [(i, str(i)) for i in range(1, 6)]


class SurveyAnswerForm(forms.Form):
    """The customer's answer: a required 1–5 score, optional sub-scores, NPS/CES when asked, and a comment."""

    score = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect)
    response_time_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )
    accuracy_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )
    completeness_score = forms.TypedChoiceField(
        choices=SCORE_CHOICES, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect
    )
    nps_score = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(11)], coerce=int, required=False, empty_value=None
    )
    ces_score = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 8)], coerce=int, required=False, empty_value=None
    )
    comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


def _scale(name: str, values, form: SurveyAnswerForm, initial=None) -> list[dict]:
    """Radio options for a scale, with the selected value (submitted or pre-filled from the email's link)."""
    chosen = str(form.data.get(name, "")) if form.is_bound else str(initial or "")
    return [{"value": v, "checked": str(v) == chosen, "id": f"{name}-{v}"} for v in values]


@method_decorator(never_cache, name="dispatch")
class SurveyFormView(View):
    """The public survey form at /s/<token>/: GET shows it (never records), POST records the answer once."""

    def dispatch(self, request, token, *args, **kwargs):
        if rate_limits.page_limited(request, token=token, page="form"):
            return _limited_page(request, None)
        try:
            invitation = surveys.invitation_from_token(token)
        except surveys.SurveyLinkError as exc:
            return _link_error(request, exc, _language(request, exc.invitation))
        return super().dispatch(request, token, invitation, *args, **kwargs)

    def get(self, request, token, invitation):
        surveys.invitation_open(invitation=invitation)
        prefill = request.GET.get("score")
        prefill = int(prefill) if prefill in {"1", "2", "3", "4", "5"} else None
        return self._render(request, token, invitation, SurveyAnswerForm(), prefill)

    def post(self, request, token, invitation):
        if rate_limits.answer_limited(nonce=invitation.nonce):
            return _limited_page(request, invitation)
        form = SurveyAnswerForm(request.POST)
        if not form.is_valid():
            return self._render(request, token, invitation, form, None, status=422)
        data = form.cleaned_data
        try:
            surveys.survey_answer(
                invitation=invitation,
                score=data["score"],
                comment=data["comment"],
                response_time_score=data["response_time_score"],
                accuracy_score=data["accuracy_score"],
                completeness_score=data["completeness_score"],
                nps_score=data["nps_score"],
                ces_score=data["ces_score"],
            )
        except surveys.SurveyLinkError as exc:
            return _link_error(request, exc, _language(request, invitation))
        lang = _language(request, invitation)
        return HttpResponseRedirect(reverse("survey-thanks", kwargs={"token": token}) + f"?lang={lang}")

    def _render(self, request, token, invitation, form, prefill, status=200):
        lang = _language(request, invitation)
        t = COPY[lang]
        case = invitation.ticket or invitation.complaint
        service = invitation.service_type.name_zh if lang == "zh-hans" else invitation.service_type.name_en
        recovery = invitation.source == SurveyInvitation.Source.RECOVERY
        if recovery:  # one question: how the customer rates the handling now
            intro, sub_scores = t["recovery_intro"].format(service=service), []
        else:
            intro = t["intro"].format(service=service, case=t["case"].format(case=case) if case else "")
            sub_scores = [
                (name, t[name.removesuffix("_score")], _scale(name, range(1, 6), form))
                for name in ("response_time_score", "accuracy_score", "completeness_score")
            ]
        context = {
            "form": form,
            "invitation": invitation,
            "intro": intro,
            "token": token,
            "scores": _scale("score", range(1, 6), form, prefill),
            "sub_scores": sub_scores,
            "nps": _scale("nps_score", range(11), form) if invitation.ask_nps else None,
            "ces": _scale("ces_score", range(1, 8), form) if invitation.ask_ces else None,
            "score_error": form.is_bound and "score" in form.errors,
            "recovery": recovery,
        }
        return _page(request, "surveys/public/form.html", lang, context, status=status)


@method_decorator(never_cache, name="dispatch")
class SurveyThanksView(View):
    """The thank-you page after an answer; for a link not answered yet it sends the visitor back to the form."""

    def get(self, request, token):
        try:
            invitation = surveys.invitation_from_token(token, allow_answered=True)
        except surveys.SurveyLinkError as exc:
            return _link_error(request, exc, _language(request, exc.invitation))
        if not invitation.answered_at:
            return redirect("survey-form", token=token)
        return _page(request, "surveys/public/thanks.html", _language(request, invitation), {"token": token})


@method_decorator(never_cache, name="dispatch")
class SurveyUnsubscribeView(View):
    """Unsubscribe from surveys: GET asks (mail scanners follow links), POST unsubscribes."""

    def dispatch(self, request, token, *args, **kwargs):
        if rate_limits.page_limited(request, token=token, page="unsubscribe"):
            return _limited_page(request, None)
        try:
            # Unsubscribing must work from any link we sent, also answered or expired ones.
            invitation = surveys.invitation_from_token(token, allow_answered=True)
        except surveys.SurveyLinkError as exc:
            if exc.invitation is None:
                return _link_error(request, exc, _language(request, None))
            invitation = exc.invitation
        return super().dispatch(request, token, invitation, *args, **kwargs)

    def get(self, request, token, invitation):
        lang = _language(request, invitation)
        body = COPY[lang]["unsubscribe_body"].format(email=invitation.contact.email)
        return _page(request, "surveys/public/unsubscribe.html", lang, {"token": token, "body": body, "done": False})

    def post(self, request, token, invitation):
        surveys.contact_unsubscribe(contact=invitation.contact, via=invitation)
        return _page(
            request, "surveys/public/unsubscribe.html", _language(request, invitation), {"token": token, "done": True}
        )


# --- manager pages --------------------------------------------------------------------------------------------------


class CustomerSurveysView(ManagerRequiredMixin, TemplateView):
    """A customer's survey invitations with their status, and a resend button for unanswered ones."""

    template_name = "surveys/customer.html"

    partial_name = "surveys/partials/invitations_table.html"

    def get(self, request, pk):
        customer = get_object_or_404(Customer, pk=pk)
        invitations = list(surveys.customer_invitations(customer_id=pk)[:200])
        summary = surveys.customer_response_summary(customer_id=pk)
        context = {"customer": customer, "invitations": invitations, "summary": summary}
        return render_page_or_partial(request, self.template_name, self.partial_name, context)


class InvitationResendView(ManagerRequiredMixin, View):
    """POST: send an unanswered invitation again (same link, fresh validity)."""

    def post(self, request, pk):
        invitation = get_object_or_404(SurveyInvitation, pk=pk)
        try:
            surveys.invitation_resend(invitation=invitation, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The invitation to %(email)s was sent again.") % {"email": invitation.contact.email}
            )
        return redirect("customer-surveys", pk=invitation.customer_id)


def _settings_or_defaults(service_type: ServiceType) -> SurveySettings:
    """The saved settings, or unsaved defaults (a GET writes nothing)."""
    return SurveySettings.objects.filter(service_type=service_type).first() or SurveySettings(service_type=service_type)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = SurveyCampaign
        fields = ["name", "service_type", "contact_priority", "next_run_at", "repeat_every_days", "ask_nps", "ask_ces"]
        widgets = {"next_run_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tailwind resets inputs to borderless: give the text, number and select fields the site's input look.
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "w-full border border-slate-300 rounded px-2 py-1.5 bg-white"


class CampaignListView(ManagerRequiredMixin, TemplateView):
    """Survey campaigns: the scheduled ones, and a form to schedule another; survey settings per service type."""

    template_name = "surveys/campaigns.html"

    def get_context_data(self, form=None, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "form": form or CampaignForm(),
            "campaigns": SurveyCampaign.objects.select_related("service_type").order_by("-is_active", "next_run_at"),
            "settings_rows": [_settings_or_defaults(st) for st in ServiceType.objects.filter(is_active=True)],
        }

    def post(self, request):
        form = CampaignForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=422)
        campaign = surveys.campaign_schedule(created_by=request.user, **form.cleaned_data)
        messages.success(request, _("Campaign “%(name)s” scheduled.") % {"name": campaign.name})
        return redirect("survey-campaigns")


def _ids(model, text: str, field: str) -> list[int]:
    """Objects named one per line (or comma-separated) by id or external id; ValidationError lists the unknown."""
    keys = [k.strip() for k in text.replace(",", "\n").splitlines() if k.strip()]
    found, missing = [], []
    for key in keys:
        match = model.objects.filter(external_id=key).values_list("pk", flat=True).first()
        if match is None and key.isdigit():
            match = model.objects.filter(pk=int(key)).values_list("pk", flat=True).first()
        (found if match is not None else missing).append(match if match is not None else key)
    if missing:
        raise forms.ValidationError(_("Unknown %(field)s: %(keys)s") % {"field": field, "keys": ", ".join(missing)})
    return found


class SurveySettingsForm(forms.ModelForm):
    """Survey settings of one service type; exclusions typed as ids or external ids, one per line."""

    excluded_customers_text = forms.CharField(
        label=_("Excluded customers"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Customer ids or external ids, one per line."),
    )  # fmt: skip
    excluded_contacts_text = forms.CharField(
        label=_("Excluded contacts"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Contact ids or external ids, one per line."),
    )  # fmt: skip

    class Meta:
        model = SurveySettings
        fields = list(surveys.SETTINGS_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["excluded_customers_text"].initial = "\n".join(
                c.external_id or str(c.pk) for c in self.instance.excluded_customers.all()
            )
            self.fields["excluded_contacts_text"].initial = "\n".join(
                c.external_id or str(c.pk) for c in self.instance.excluded_contacts.all()
            )

    def clean_excluded_customers_text(self):
        return _ids(Customer, self.cleaned_data["excluded_customers_text"], _("customers"))

    def clean_excluded_contacts_text(self):
        return _ids(Contact, self.cleaned_data["excluded_contacts_text"], _("contacts"))


class SurveySettingsView(ManagerRequiredMixin, TemplateView):
    """A manager sets, per service type, whether and when customers are asked."""

    template_name = "surveys/settings.html"

    def _service_type(self, code):
        return get_object_or_404(ServiceType, code=code)

    def get(self, request, code):
        service_type = self._service_type(code)
        form = SurveySettingsForm(instance=_settings_or_defaults(service_type))
        return self.render_to_response({"form": form, "service_type": service_type})

    def post(self, request, code):
        service_type = self._service_type(code)
        form = SurveySettingsForm(request.POST, instance=_settings_or_defaults(service_type))
        if not form.is_valid():
            return self.render_to_response({"form": form, "service_type": service_type}, status=422)
        data = form.cleaned_data
        surveys.survey_settings_update(
            service_type=service_type,
            excluded_customer_ids=data["excluded_customers_text"],
            excluded_contact_ids=data["excluded_contacts_text"],
            **{name: data[name] for name in surveys.SETTINGS_FIELDS},
        )
        messages.success(request, _("Survey settings for %(service)s saved.") % {"service": service_type})
        return redirect("survey-campaigns")
