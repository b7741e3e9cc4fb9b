"""Pages of the imports package."""

from django.urls import path

from satisfaction.imports import views

urlpatterns = [
    path("imports/", views.ImportIndexView.as_view(), name="import-index"),
    path("imports/mappings/", views.ImportMappingSaveView.as_view(), name="import-mapping-save"),
    path("imports/template/", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:job_id>/", views.ImportJobView.as_view(), name="import-job"),
    path("imports/<int:job_id>/choose/", views.ImportJobChooseView.as_view(), name="import-job-choose"),
    path("imports/<int:job_id>/errors.csv", views.ImportJobErrorsView.as_view(), name="import-job-errors"),
]
