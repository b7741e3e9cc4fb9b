"""Django admin of the domain: each package registers its own models in its `admin.py`."""

from satisfaction.alerts import admin as alerts_admin  # noqa: F401
from satisfaction.crm import admin as crm_admin  # noqa: F401
from satisfaction.feedback import admin as feedback_admin  # noqa: F401
from satisfaction.helpdesk import admin as helpdesk_admin  # noqa: F401
from satisfaction.imports import admin as imports_admin  # noqa: F401
from satisfaction.improvements import admin as improvements_admin  # noqa: F401
from satisfaction.privacy import admin as privacy_admin  # noqa: F401
from satisfaction.recovery import admin as recovery_admin  # noqa: F401
from satisfaction.schedules import admin as schedules_admin  # noqa: F401
from satisfaction.surveys import admin as surveys_admin  # noqa: F401
from satisfaction.text import admin as text_admin  # noqa: F401
