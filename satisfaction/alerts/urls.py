"""Pages of the alerts package."""

from django.urls import path

from satisfaction.alerts import views

urlpatterns = [
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert-detail"),
    path(
        "alerts/<int:pk>/acknowledge/",
        views.AlertActionView.as_view(action="acknowledge"),
        name="alert-acknowledge",
    ),
    path("alerts/<int:pk>/resolve/", views.AlertActionView.as_view(action="resolve"), name="alert-resolve"),
    path("watchlist/", views.WatchlistView.as_view(), name="watchlist"),
    path("watchlist/add/", views.WatchlistAddView.as_view(), name="watchlist-add"),
    path("watchlist/<int:pk>/remove/", views.WatchlistRemoveView.as_view(), name="watchlist-remove"),
]
