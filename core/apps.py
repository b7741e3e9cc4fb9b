from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared helpers with no models: roles, htmx, charts, spreadsheets, API bases, template tags."""

    name = "core"
    verbose_name = _("Core")
