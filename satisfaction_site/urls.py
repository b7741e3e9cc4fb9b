from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from analytics.customers import CustomerDetailView
from core.sso.views import SignInView

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's): answer with the site's icon.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/sso/", include("core.sso.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("satisfaction_site.api_urls")),
    # The customer page reads every part of the domain and the metrics, so analytics serves it.
    path("customers/<int:pk>/", CustomerDetailView.as_view(), name="customer-detail"),
    path("", include("satisfaction.urls")),
    path("analytics/", include("analytics.urls")),
]

admin.site.site_header = "Satisfaction"
admin.site.site_title = "Satisfaction admin"
