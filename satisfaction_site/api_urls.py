"""Routes of API v1, included at /api/v1/.

Project-level, because it composes both apps: the domain resources (satisfaction.api) and the analytics
operations (analytics.api); `satisfaction` itself never imports `analytics`.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from analytics import api as analytics_views
from satisfaction.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("service-types", views.ServiceTypeViewSet, basename="service-type")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("tickets", views.ServiceTicketViewSet, basename="ticket")
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("records", views.SatisfactionRecordViewSet, basename="record")
router.register("alerts", views.SatisfactionAlertViewSet, basename="alert")
router.register("watchlist", views.WatchlistEntryViewSet, basename="watchlist")
router.register("suggestions", views.ImprovementSuggestionViewSet, basename="suggestion")
router.register("measures", views.ImprovementMeasureViewSet, basename="measure")
router.register("tasks", views.ImprovementTaskViewSet, basename="task")
router.register("imports", views.ImportJobViewSet, basename="import")

enterprise_router = DefaultRouter(trailing_slash=False)
enterprise_router.include_root_view = False
enterprise_router.register("satisfaction/alerts", views.EnterpriseAlertViewSet, basename="satisfaction-alert")

enterprise = [
    path("satisfaction/record", views.RecordSatisfactionView.as_view(), name="satisfaction-record"),
    path("satisfaction/improve", views.ImproveView.as_view(), name="satisfaction-improve"),
    path("satisfaction/analytics", analytics_views.AnalyticsView.as_view(), name="satisfaction-analytics"),
    path("satisfaction/dashboard", analytics_views.DashboardView.as_view(), name="satisfaction-dashboard"),
    path(
        "satisfaction/trends/<int:customer_id>",
        analytics_views.CustomerTrendView.as_view(),
        name="satisfaction-trends",
    ),
    path("", include(enterprise_router.urls)),
]

app_name = "api"
urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="token"),
    path("enterprise-satisfaction/", include(enterprise)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(r"^.*$", views.not_found, name="not-found"),
]
