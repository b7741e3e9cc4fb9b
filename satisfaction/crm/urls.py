"""Pages of the crm package."""

from django.urls import path

from satisfaction.crm import views

urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customer-list"),
]
