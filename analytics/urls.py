from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("widgets/<slug:name>/", views.DashboardWidgetView.as_view(), name="widget"),
    path("records/", views.RecordDrilldownView.as_view(), name="records"),
    path("topics/<slug:code>/", views.TopicCommentsView.as_view(), name="topic-comments"),
    path("export/kpis/", views.KpiExportView.as_view(), name="kpi-export"),
    path("path/", views.PathToTargetView.as_view(), name="path"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("agents/", views.AgentsView.as_view(), name="agents"),
    # An agent's key is "user:<id>" or "name:<their name in the source system>" (a name may hold a slash).
    path("agents/<path:key>/", views.AgentDetailView.as_view(), name="agent-detail"),
    path("report/continuity/", views.ContinuityView.as_view(), name="report-continuity"),
    path("report/bundle/", views.ReportBundleView.as_view(), name="report-bundle"),
    path("report/bundle/start/", views.ReportBundleStartView.as_view(), name="report-bundle-start"),
    path("report/bundle/<str:token>/", views.ReportBundleStatusView.as_view(), name="report-bundle-status"),
    path("report/bundle/<str:token>/file/", views.ReportBundleFileView.as_view(), name="report-bundle-file"),
    path("report/pdf/", views.ReportPdfView.as_view(), name="report-pdf"),
    path("subscriptions/", views.SubscriptionsView.as_view(), name="subscriptions"),
    path("subscriptions/<int:pk>/delete/", views.SubscriptionDeleteView.as_view(), name="subscription-delete"),
]
