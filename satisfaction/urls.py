from django.urls import path

from . import views, views_customers

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feedback/new/", views.RecordFeedbackView.as_view(), name="record-feedback"),
    path("customers/search/", views.CustomerSearchView.as_view(), name="customer-search"),
    path("customers/", views_customers.CustomerListView.as_view(), name="customer-list"),
    path("customers/<int:pk>/", views_customers.CustomerDetailView.as_view(), name="customer-detail"),
]
