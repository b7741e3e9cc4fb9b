"""Pages of the surveys package."""

from django.urls import path

from satisfaction.surveys import views

urlpatterns = [
    path("s/<str:token>/", views.SurveyFormView.as_view(), name="survey-form"),
    path("s/<str:token>/thanks/", views.SurveyThanksView.as_view(), name="survey-thanks"),
    path("s/<str:token>/unsubscribe/", views.SurveyUnsubscribeView.as_view(), name="survey-unsubscribe"),
    path("customers/<int:pk>/surveys/", views.CustomerSurveysView.as_view(), name="customer-surveys"),
    path("surveys/invitations/<int:pk>/resend/", views.InvitationResendView.as_view(), name="survey-resend"),
    path("surveys/campaigns/", views.CampaignListView.as_view(), name="survey-campaigns"),
    path("surveys/settings/<slug:code>/", views.SurveySettingsView.as_view(), name="survey-settings"),
]
