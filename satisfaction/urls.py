from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feedback/new/", views.RecordFeedbackView.as_view(), name="record-feedback"),
    path("customers/search/", views.CustomerSearchView.as_view(), name="customer-search"),
]
