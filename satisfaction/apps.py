from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self):
        from auditlog.registry import auditlog

        # Every change to a domain model is kept in the audit log (who, when, what).
        for model in self.get_models():
            if not auditlog.contains(model):
                auditlog.register(model)
