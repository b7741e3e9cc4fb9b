"""Pages of the schedules package."""

from django.urls import path

from satisfaction.schedules import views

urlpatterns = [
    path("ops/jobs/", views.JobsView.as_view(), name="jobs"),
]
