"""Pages of the improvements package."""

from django.urls import path

from satisfaction.improvements import views

urlpatterns = [
    path("suggestions/", views.SuggestionListView.as_view(), name="suggestion-list"),
    path("suggestions/<int:pk>/accept/", views.SuggestionAcceptView.as_view(), name="suggestion-accept"),
    path("suggestions/<int:pk>/dismiss/", views.SuggestionDismissView.as_view(), name="suggestion-dismiss"),
    path("measures/", views.MeasureListView.as_view(), name="measure-list"),
    path("measures/new/", views.MeasureCreateView.as_view(), name="measure-create"),
    path("measures/<int:pk>/", views.MeasureDetailView.as_view(), name="measure-detail"),
    path("tasks/<int:pk>/", views.TaskUpdateView.as_view(), name="task-update"),
    path("tasks/mine/", views.MyTasksView.as_view(), name="my-tasks"),
]
