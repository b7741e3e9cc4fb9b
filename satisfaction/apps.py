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
        # The text analysis is derived and rebuilt in bulk (`analyse_feedback`): its rows are not audited.
        for name in ("TextAnalysis", "RecordTopic"):
            auditlog.unregister(self.get_model(name))

        # Side effects of the write paths are wired here, so no package imports the ones that build on it.
        from satisfaction.alerts.tasks import enqueue_batch_evaluation, enqueue_record_evaluation
        from satisfaction.feedback import services as feedback
        from satisfaction.helpdesk import services as helpdesk
        from satisfaction.recovery.tasks import enqueue_batch_case_opening, enqueue_case_opening
        from satisfaction.surveys.tasks import enqueue_case_invitations
        from satisfaction.text.tasks import enqueue_batch_analysis, enqueue_record_analysis

        # The text of every saved or changed record (and imported batch) is analysed first: alerts can show its topics.
        feedback.register_after_record_hook(enqueue_record_analysis)
        feedback.register_after_batch_hook(enqueue_batch_analysis)
        # Alert evaluation follows every saved record (and every imported batch).
        feedback.register_after_record_hook(enqueue_record_evaluation)
        feedback.register_after_batch_hook(enqueue_batch_evaluation)
        # A dissatisfied response opens its recovery case (once) when it commits.
        feedback.register_after_record_hook(enqueue_case_opening)
        feedback.register_after_batch_hook(enqueue_batch_case_opening)
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
