"""The "New themes" page (managers): what customers write about that no topic covers, and keeping one."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.describe import dates_words, one_line
from core.localtime import local_today
from core.roles import ManagerRequiredMixin
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.text.discovery import WINDOW_DAYS, discover_themes
from satisfaction.text.models import Topic
from satisfaction.text.selectors import topics_in_order
from satisfaction.text.services import topic_keep


class ThemesView(ManagerRequiredMixin, TemplateView):
    template_name = "text/themes.html"

    def get_context_data(self, **kwargs):
        themes = discover_themes()
        examples = SatisfactionRecord.objects.in_bulk([pk for t in themes for pk in t.record_ids])
        return {
            "themes": [{"theme": t, "examples": [examples[pk] for pk in t.record_ids if pk in examples]}
                       for t in themes],
            "window_days": WINDOW_DAYS,
            "scope_words": one_line([
                dates_words(local_today() - dt.timedelta(days=WINDOW_DAYS - 1), local_today()),
                _("comments of satisfaction records"),
            ]),  # fmt: skip
            "kept": Topic.objects.filter(kind=Topic.Kind.DISCOVERED).order_by("-pk")[:10],
            "topics": topics_in_order(),
        }  # fmt: skip


class ThemeKeepView(ManagerRequiredMixin, View):
    def post(self, request):
        try:
            topic = topic_keep(
                terms=request.POST.getlist("terms"),
                label_en=request.POST.get("label_en", ""),
                label_zh=request.POST.get("label_zh", ""),
                code=request.POST.get("code", ""),
                add_to=request.POST.get("add_to") or None,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        else:
            label = topic.label_zh if request.LANGUAGE_CODE.startswith("zh") else topic.label_en
            messages.success(request, _("Kept in the topic “%(label)s”.") % {"label": label})
        return redirect("text-themes")
