from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared helpers with no models: roles, htmx, charts, spreadsheets, API bases, template tags."""

    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib import admin

        from core.admin import bound_every_changelist
        from core.audit import register_accounts

        register_accounts()
        # The admin has discovered every admin module by now (django.contrib.admin is installed first).
        bound_every_changelist(admin.site)
