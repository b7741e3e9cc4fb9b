"""Checks the web process runs once it has loaded the apps, before it serves a request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def start_schedules():
    """Without a broker, run the beat schedule in this serving process (see satisfaction/schedules/scheduler.py)."""
    from satisfaction.schedules.scheduler import start_embedded_scheduler

    return start_embedded_scheduler()


def refuse_known_demo_passwords() -> None:
    """In production (DEBUG off), refuse to start while a demo login or a superuser has a guessable password."""
    from satisfaction.apps import check_known_demo_passwords

    if settings.DEBUG:
        return
    errors = check_known_demo_passwords()
    if errors:
        names = ", ".join(error.msg.split("'")[1] for error in errors)
        raise ImproperlyConfigured(
            f"Refusing to start: known demo password for {names}. Set new ones with `manage.py changepassword`."
        )
