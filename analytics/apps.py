from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        # Snapshot buckets follow every saved record; the feedback service does not import analytics.
        from analytics.tasks import refresh_snapshots_after_batch, refresh_snapshots_after_record
        from satisfaction.feedback import services as feedback

        feedback.register_after_record_hook(refresh_snapshots_after_record)
        feedback.register_after_batch_hook(refresh_snapshots_after_batch)

        # The topic pre-aggregates follow every analysis of texts; the text service does not import analytics.
        from analytics.tasks import refresh_text_snapshots_after_analysis, refresh_text_snapshots_after_rebuild
        from satisfaction.text import services as text

        text.register_analysis_hooks(
            after_records=refresh_text_snapshots_after_analysis, after_rebuild=refresh_text_snapshots_after_rebuild
        )

        # The helpdesk pre-aggregates of the segment comparison follow every save and delete of a case or contract.
        from analytics import signals

        signals.connect()

        # A contact added, removed, moved or reprioritised can move its customer to another segment.
        from analytics.tasks import refresh_snapshots_after_segment_change
        from satisfaction.crm import services as contacts

        contacts.register_segment_change_hook(refresh_snapshots_after_segment_change)

        # A history import rebuilds the suggestions once at its end (live writes leave them to the nightly run).
        from analytics.tasks import refresh_suggestions_after_history_import
        from satisfaction.imports.history import register_after_history_hook

        register_after_history_hook(refresh_suggestions_after_history_import)

        # A measure's baseline KPIs come from analytics; satisfaction only knows the hook (DESIGN §6).
        from analytics.rules.evaluation import baseline_for_measure
        from satisfaction.improvements.services import register_baseline_provider

        register_baseline_provider(baseline_for_measure)

        # Subscriptions say who gets reports by e-mail: their changes go into the audit log like the domain's.
        from auditlog.registry import auditlog

        subscription = self.get_model("ReportSubscription")
        if not auditlog.contains(subscription):
            auditlog.register(subscription)
