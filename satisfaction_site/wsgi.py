import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")
application = get_wsgi_application()

from satisfaction_site.startup import refuse_known_demo_passwords  # noqa: E402 - needs the app registry

refuse_known_demo_passwords()
