"""Pages of the feedback package."""

from django.urls import path

from satisfaction.feedback import views

urlpatterns = [
    path("feedback/new/", views.RecordFeedbackView.as_view(), name="record-feedback"),
    path("customers/search/", views.CustomerSearchView.as_view(), name="customer-search"),
]
