"""Routes of the domain's pages: each package declares its own in its `urls.py`."""

from django.urls import include, path

from core.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("satisfaction.crm.urls")),
    path("", include("satisfaction.feedback.urls")),
    path("", include("satisfaction.alerts.urls")),
    path("", include("satisfaction.improvements.urls")),
    path("", include("satisfaction.surveys.urls")),
    path("", include("satisfaction.recovery.urls")),
    path("", include("satisfaction.text.urls")),
    path("", include("satisfaction.imports.urls")),
    path("", include("satisfaction.schedules.urls")),
]
