from django.urls import path

from satisfaction.text import views

urlpatterns = [
    path("themes/", views.ThemesView.as_view(), name="text-themes"),
    path("themes/keep/", views.ThemeKeepView.as_view(), name="text-theme-keep"),
]
