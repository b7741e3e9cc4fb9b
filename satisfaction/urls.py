"""Routes of the pages: each domain package declares its own in its `urls.py`.

The customer page reads every part of the domain and the metrics, so it lives in analytics (analytics.customers).
"""

from django.urls import include, path

from analytics.customers import CustomerDetailView
from core.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("customers/<int:pk>/", CustomerDetailView.as_view(), name="customer-detail"),
    path("", include("satisfaction.crm.urls")),
    path("", include("satisfaction.feedback.urls")),
    path("", include("satisfaction.alerts.urls")),
    path("", include("satisfaction.improvements.urls")),
    path("", include("satisfaction.surveys.urls")),
    path("", include("satisfaction.imports.urls")),
]
