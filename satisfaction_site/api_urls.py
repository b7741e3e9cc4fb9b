"""Routes of API v1, included at /api/v1/.

Project-level, because it composes both apps: the domain resources (satisfaction.api) and the analytics
operations (analytics.api); `satisfaction` itself never imports `analytics`.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from analytics import api as analytics_views
from core.api.views import ObtainTokenView, not_found
from satisfaction.alerts.api.views import EnterpriseAlertViewSet, SatisfactionAlertViewSet, WatchlistEntryViewSet
from satisfaction.crm.api.views import ContactViewSet, ContractViewSet, CustomerViewSet, ServiceTypeViewSet
from satisfaction.feedback.api.views import BulkRecordView, RecordSatisfactionView, SatisfactionRecordViewSet
from satisfaction.helpdesk.api.views import ComplaintViewSet, ServiceTicketViewSet
from satisfaction.imports.api.views import ImportJobViewSet, ImportMappingViewSet
from satisfaction.improvements.api.views import (
    ImprovementMeasureViewSet,
    ImprovementSuggestionViewSet,
    ImprovementTaskViewSet,
    ImproveView,
)
from satisfaction.recovery.api.views import RecoveryCaseViewSet
from satisfaction.text.api.views import ThemeKeepView, ThemesView

# No format-suffix routes (`/alerts/1/acknowledge.json`): the API speaks JSON only and the actions take no
# `format` argument (probe finding 9); `?format=json` still picks the renderer where one is needed.
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("service-types", ServiceTypeViewSet, basename="service-type")
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("contracts", ContractViewSet, basename="contract")
router.register("tickets", ServiceTicketViewSet, basename="ticket")
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("records", SatisfactionRecordViewSet, basename="record")
router.register("alerts", SatisfactionAlertViewSet, basename="alert")
router.register("watchlist", WatchlistEntryViewSet, basename="watchlist")
router.register("suggestions", ImprovementSuggestionViewSet, basename="suggestion")
router.register("measures", ImprovementMeasureViewSet, basename="measure")
router.register("tasks", ImprovementTaskViewSet, basename="task")
router.register("imports", ImportJobViewSet, basename="import")
router.register("import-mappings", ImportMappingViewSet, basename="import-mapping")
router.register("recovery-cases", RecoveryCaseViewSet, basename="recovery-case")

enterprise_router = DefaultRouter(trailing_slash=False)
enterprise_router.include_root_view = False
enterprise_router.include_format_suffixes = False
enterprise_router.register("satisfaction/alerts", EnterpriseAlertViewSet, basename="satisfaction-alert")

enterprise = [
    path("satisfaction/record", RecordSatisfactionView.as_view(), name="satisfaction-record"),
    path("satisfaction/records/bulk", BulkRecordView.as_view(), name="satisfaction-records-bulk"),
    path("satisfaction/improve", ImproveView.as_view(), name="satisfaction-improve"),
    path("satisfaction/analytics", analytics_views.AnalyticsView.as_view(), name="satisfaction-analytics"),
    path("satisfaction/dashboard", analytics_views.DashboardView.as_view(), name="satisfaction-dashboard"),
    path("satisfaction/agents", analytics_views.AgentsView.as_view(), name="satisfaction-agents"),
    path("satisfaction/continuity", analytics_views.ContinuityView.as_view(), name="satisfaction-continuity"),
    path("satisfaction/path", analytics_views.PathView.as_view(), name="satisfaction-path"),
    path(
        "satisfaction/trends/<int:customer_id>",
        analytics_views.CustomerTrendView.as_view(),
        name="satisfaction-trends",
    ),
    path("", include(enterprise_router.urls)),
]

app_name = "api"
urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("themes/", ThemesView.as_view(), name="themes"),
    path("themes/keep/", ThemeKeepView.as_view(), name="theme-keep"),
    path("enterprise-satisfaction/", include(enterprise)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the docs work under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found, name="not-found"),
]
