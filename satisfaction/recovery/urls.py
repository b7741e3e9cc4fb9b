"""Pages of the recovery package."""

from django.urls import path

from satisfaction.recovery import views

urlpatterns = [
    path("recovery/", views.RecoveryListView.as_view(), name="recovery-list"),
    path("recovery/tile/", views.RecoveryTileView.as_view(), name="recovery-tile"),
    path("recovery/<int:pk>/", views.RecoveryCaseView.as_view(), name="recovery-case"),
    path("recovery/<int:pk>/contact/", views.RecoveryActionView.as_view(action="contact"), name="recovery-contact"),
    path("recovery/<int:pk>/close/", views.RecoveryActionView.as_view(action="close"), name="recovery-close"),
]
