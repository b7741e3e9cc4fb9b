"""Topics a CX manager recognises (bilingual, editable) and the stored analysis of each record's text."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from satisfaction.feedback.models import SatisfactionRecord


class Topic(models.Model):
    """A theme customers write about, with seed terms in both languages (one per line or comma-separated)."""

    class Kind(models.TextChoices):
        DEFINED = "defined", _("Defined")
        DISCOVERED = "discovered", _("Discovered")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    keywords_en = models.TextField(
        _("keywords (English)"), blank=True, help_text=_("One per line; * matches any ending.")
    )
    keywords_zh = models.TextField(_("keywords (Chinese)"), blank=True, help_text=_("One per line."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DEFINED)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        app_label = "satisfaction"
        ordering = ["position", "code"]
        verbose_name = _("text topic")
        verbose_name_plural = _("text topics")

    def __str__(self):
        return f"{self.label_en} / {self.label_zh}"


class TextAnalysis(models.Model):
    """The analyser's reading of one record's text; `analyser_version` tells a rebuild what is stale."""

    class Language(models.TextChoices):
        ZH = "zh", _("Chinese")
        EN = "en", _("English")
        OTHER = "other", _("Other or empty")

    class Sentiment(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        NEUTRAL = "neutral", _("Neutral")
        POSITIVE = "positive", _("Positive")

    record = models.OneToOneField(
        SatisfactionRecord, on_delete=models.CASCADE, primary_key=True, related_name="text_analysis"
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    sentiment = models.CharField(_("sentiment"), max_length=8, choices=Sentiment.choices)
    sentiment_score = models.FloatField(_("sentiment score"))
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    analyser_version = models.CharField(_("analyser version"), max_length=20)
    analysed_at = models.DateTimeField(_("analysed at"))

    class Meta:
        app_label = "satisfaction"
        verbose_name = _("text analysis")
        verbose_name_plural = _("text analyses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sentiment_score__gte=-1) & models.Q(sentiment_score__lte=1),
                name="text_analysis_score_range",
            )
        ]

    def __str__(self):
        return f"record {self.record_id}: {self.language} {self.sentiment} {self.sentiment_score:+.2f}"


class RecordTopic(models.Model):
    """A topic a record's text mentions, with the terms that matched (for highlighting)."""

    record = models.ForeignKey(SatisfactionRecord, on_delete=models.CASCADE, related_name="text_topics")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="mentions")
    terms = models.JSONField(_("matched terms"), default=list)

    class Meta:
        app_label = "satisfaction"
        verbose_name = _("topic mention")
        verbose_name_plural = _("topic mentions")
        constraints = [models.UniqueConstraint(fields=["record", "topic"], name="record_topic_unique")]
        indexes = [models.Index(fields=["topic", "record"], name="record_topic_topic_idx")]

    def __str__(self):
        return f"record {self.record_id} – {self.topic_id}"
