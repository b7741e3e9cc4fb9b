from django.apps import AppConfig
from django.core import checks
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

        # Side effects of the write paths are wired here, so no package imports the ones that build on it.
        from satisfaction.alerts.tasks import enqueue_batch_evaluation, enqueue_record_evaluation
        from satisfaction.feedback import services as feedback
        from satisfaction.helpdesk import services as helpdesk
        from satisfaction.surveys.tasks import enqueue_case_invitations

        # Alert evaluation follows every saved record (and every imported batch).
        feedback.register_after_record_hook(enqueue_record_evaluation)
        feedback.register_after_batch_hook(enqueue_batch_evaluation)
        # Surveys follow every closed ticket and resolved complaint.
        helpdesk.register_case_closed_hook(enqueue_case_invitations)


@checks.register(checks.Tags.security, deploy=True)
def check_known_demo_passwords(app_configs=None, **kwargs):
    """With DEBUG off, a demo login with a guessable password is an error: the site must not start with it."""
    from django.conf import settings
    from django.db import DatabaseError

    from satisfaction.demo import users_with_known_demo_passwords

    if settings.DEBUG:
        return []
    try:
        found = users_with_known_demo_passwords()
    except DatabaseError:  # not migrated yet: there is no user to check
        return []
    return [
        checks.Error(
            f"User {name!r} has a known demo password.",
            hint=f"Set a new one: manage.py changepassword {name}",
            id="satisfaction.E001",
        )
        for name in found
    ]
