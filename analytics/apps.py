from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from satisfaction.services.improvements import register_baseline_provider

        from .evaluation import baseline_for_measure

        # A measure's baseline KPIs come from analytics; satisfaction only knows the hook (DESIGN §6).
        register_baseline_provider(baseline_for_measure)
