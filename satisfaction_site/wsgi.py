import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")
application = get_wsgi_application()

from satisfaction_site.startup import refuse_known_demo_passwords, start_schedules  # noqa: E402 - needs the apps

refuse_known_demo_passwords()
# Only the serving process loads this module (runserver's child, not its autoreloader; each gunicorn worker).
start_schedules()
