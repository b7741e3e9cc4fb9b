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

        # Alert evaluation follows every saved record; the feedback service does not import the alert pipeline.
        from satisfaction.alerts.tasks import enqueue_batch_evaluation, enqueue_record_evaluation
        from satisfaction.feedback import services as feedback

        feedback.register_after_record_hook(enqueue_record_evaluation)
        if hasattr(feedback, "register_after_batch_hook"):
            feedback.register_after_batch_hook(enqueue_batch_evaluation)
