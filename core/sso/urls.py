"""Single sign-on URLs, under /accounts/sso/; they answer 404 while SSO is not configured."""

from django.urls import path

from core.sso.views import SsoCallbackView, SsoStartView

urlpatterns = [
    path("start/", SsoStartView.as_view(), name="sso-start"),
    # Register this one at the provider as the redirect URI: https://<site>/accounts/sso/callback/
    path("callback/", SsoCallbackView.as_view(), name="sso-callback"),
]
