from django.urls import path

from . import views, views_alerts, views_customers, views_improvements, views_surveys
from . import views_imports as imports_views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("imports/", imports_views.ImportIndexView.as_view(), name="import-index"),
    path("imports/mappings/", imports_views.ImportMappingSaveView.as_view(), name="import-mapping-save"),
    path("imports/template/", imports_views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:job_id>/", imports_views.ImportJobView.as_view(), name="import-job"),
    path("imports/<int:job_id>/errors.csv", imports_views.ImportJobErrorsView.as_view(), name="import-job-errors"),
    path("feedback/new/", views.RecordFeedbackView.as_view(), name="record-feedback"),
    path("customers/search/", views.CustomerSearchView.as_view(), name="customer-search"),
    path("customers/", views_customers.CustomerListView.as_view(), name="customer-list"),
    path("customers/<int:pk>/", views_customers.CustomerDetailView.as_view(), name="customer-detail"),
    path("alerts/", views_alerts.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", views_alerts.AlertDetailView.as_view(), name="alert-detail"),
    path(
        "alerts/<int:pk>/acknowledge/",
        views_alerts.AlertActionView.as_view(action="acknowledge"),
        name="alert-acknowledge",
    ),
    path("alerts/<int:pk>/resolve/", views_alerts.AlertActionView.as_view(action="resolve"), name="alert-resolve"),
    path("suggestions/", views_improvements.SuggestionListView.as_view(), name="suggestion-list"),
    path("suggestions/<int:pk>/accept/", views_improvements.SuggestionAcceptView.as_view(), name="suggestion-accept"),
    path(
        "suggestions/<int:pk>/dismiss/", views_improvements.SuggestionDismissView.as_view(), name="suggestion-dismiss"
    ),
    path("measures/", views_improvements.MeasureListView.as_view(), name="measure-list"),
    path("measures/new/", views_improvements.MeasureCreateView.as_view(), name="measure-create"),
    path("measures/<int:pk>/", views_improvements.MeasureDetailView.as_view(), name="measure-detail"),
    path("tasks/<int:pk>/", views_improvements.TaskUpdateView.as_view(), name="task-update"),
    path("tasks/mine/", views_improvements.MyTasksView.as_view(), name="my-tasks"),
    path("watchlist/", views_alerts.WatchlistView.as_view(), name="watchlist"),
    path("watchlist/add/", views_alerts.WatchlistAddView.as_view(), name="watchlist-add"),
    path("watchlist/<int:pk>/remove/", views_alerts.WatchlistRemoveView.as_view(), name="watchlist-remove"),
    path("s/<str:token>/", views_surveys.SurveyFormView.as_view(), name="survey-form"),
    path("s/<str:token>/thanks/", views_surveys.SurveyThanksView.as_view(), name="survey-thanks"),
    path("s/<str:token>/unsubscribe/", views_surveys.SurveyUnsubscribeView.as_view(), name="survey-unsubscribe"),
    path("customers/<int:pk>/surveys/", views_surveys.CustomerSurveysView.as_view(), name="customer-surveys"),
    path("surveys/invitations/<int:pk>/resend/", views_surveys.InvitationResendView.as_view(), name="survey-resend"),
    path("surveys/campaigns/", views_surveys.CampaignListView.as_view(), name="survey-campaigns"),
    path("surveys/settings/<slug:code>/", views_surveys.SurveySettingsView.as_view(), name="survey-settings"),
]
