"""Admin for topics (editable by managers of the taxonomy) and the stored analyses (read-only)."""

from django.contrib import admin

from satisfaction.text.models import RecordTopic, TextAnalysis, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "label_en", "label_zh", "kind", "active", "position")
    list_filter = ("kind", "active")
    list_editable = ("active", "position")
    search_fields = ("code", "label_en", "label_zh", "keywords_en", "keywords_zh")


@admin.register(TextAnalysis)
class TextAnalysisAdmin(admin.ModelAdmin):
    """Derived data: shown, never edited (`manage.py analyse_feedback` rebuilds it)."""

    list_display = ("record", "language", "sentiment", "sentiment_score", "analyser_version", "analysed_at")
    list_filter = ("language", "sentiment", "analyser_version")
    list_select_related = ("record",)
    raw_id_fields = ("record",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RecordTopic)
class RecordTopicAdmin(admin.ModelAdmin):
    """Derived data: which topic a record's text mentions, with the matched terms (read-only)."""

    list_display = ("record", "topic", "terms")
    list_filter = ("topic",)
    list_select_related = ("record", "topic")
    raw_id_fields = ("record",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
